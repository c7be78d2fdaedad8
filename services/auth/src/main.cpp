// Placeholder: the auth service is built in a later issue.
#include <cstdio>

int main() {
  std::puts("xmpp-auth: not implemented yet");
  return 0;
}
