// Placeholder: the roster service is built in a later issue.
#include <cstdio>

int main() {
  std::puts("xmpp-roster: not implemented yet");
  return 0;
}
