// Placeholder: the router service is built in a later issue.
#include <cstdio>

int main() {
  std::puts("xmpp-router: not implemented yet");
  return 0;
}
