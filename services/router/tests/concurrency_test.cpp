// Smoke test of RouterCore's thread-safety: workers handling different bare JIDs at once
// (the router's threading model). Run under the tsan preset for the real check.

#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace xmpp::router::testing {
namespace {

class ConcurrencyTest : public RouterTest {};

TEST_F(ConcurrencyTest, DifferentUsersInParallel) {
  constexpr int kPairs = 6;
  constexpr int kMessages = 60;
  std::vector<Client> senders;
  std::vector<Client> receivers;
  for (int i = 0; i < kPairs; ++i) {
    const std::string a = "sender" + std::to_string(i);
    const std::string b = "receiver" + std::to_string(i);
    accounts_.add(a);
    accounts_.add(b);
    befriend(a, b);
    senders.push_back(bind(a, "r", i % 2 == 0 ? "gw1" : "gw2"));
    receivers.push_back(bind(b, "r", "gw3"));
  }
  for (const auto& r : receivers) available(r);

  std::vector<std::thread> threads;
  for (int i = 0; i < kPairs; ++i) {
    threads.emplace_back([&, i] {
      const Client& me = senders[static_cast<size_t>(i)];
      available(me);
      for (int n = 0; n < kMessages; ++n) {
        send(me, "<message type='chat' to='" + receivers[static_cast<size_t>(i)].bare + "'><body>" +
                     std::to_string(n) + "</body></message>");
        if (n % 10 == 0) available(me, n % 3, "away");
        if (n % 15 == 0) send(me, "<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
      }
      send(me, "<presence to='carol@example.com'/>");
      end(me);
    });
  }
  // Meanwhile, the receivers' worker handles their own traffic.
  threads.emplace_back([&] {
    for (int n = 0; n < kMessages; ++n) {
      for (const auto& r : receivers) {
        send(r, "<iq type='get' id='v'><vCard xmlns='vcard-temp'/></iq>");
      }
    }
  });
  for (auto& t : threads) t.join();

  for (int i = 0; i < kPairs; ++i) {
    int messages = 0;
    int unavailable = 0;
    for (const auto& x : received(receivers[static_cast<size_t>(i)])) {
      messages += x.rfind("<message", 0) == 0;
      unavailable += x.find("type=\"unavailable\"") != std::string::npos;
    }
    EXPECT_EQ(messages, kMessages) << i;
    EXPECT_EQ(unavailable, 1) << i;
  }
  EXPECT_EQ(core_.trackedSessions(), static_cast<size_t>(kPairs));  // the receivers
  EXPECT_EQ(core_.directedPresenceSessions(), 0u);
  EXPECT_EQ(core_.stats().backendErrors, 0u);
}

}  // namespace
}  // namespace xmpp::router::testing
