// Placeholder: the gateway service is built in a later issue.
#include <cstdio>

int main() {
  std::puts("xmpp-gateway: not implemented yet");
  return 0;
}
