// Routing by domain: the server's domain, sub-domains served by internal services (the
// module of the service's kind takes their stanzas), everything else remote.

#include <string>
#include <vector>

#include "fixture.hpp"

namespace xmpp::router::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A service of kind "echo" that answers every stanza back to its sender.
class EchoModule final : public Module {
 public:
  explicit EchoModule(RouterServices& core) : core_(core) {}
  std::string_view name() const override { return "echo"; }
  void registerWith(ModuleRegistry& r) override {
    r.addDomainService("echo", [this](const Sender* sender, v1::Stanza stanza) {
      seen.push_back(stanza.to());
      if (sender == nullptr) return;
      v1::Stanza reply = stanza;
      reply.set_from(stanza.to());
      reply.set_to(sender->jid.str());
      core_.deliverToSender(*sender, reply);
    });
  }
  std::vector<std::string> seen;

 private:
  RouterServices& core_;
};

class DomainRoutingTest : public RouterTest {
 protected:
  DomainRoutingTest() : RouterTest({}, {}, withServices()) {
    echo_ = static_cast<EchoModule*>(&core_.addModule(
        [](const ModuleDeps& deps) { return std::make_unique<EchoModule>(deps.core); }));
  }
  static RouterConfig withServices() {
    RouterConfig c = config();
    c.serviceDomains = {{"echo.example.com", "echo"}, {"muc.example.com", "muc"}};
    return c;
  }
  EchoModule* echo_ = nullptr;
};

TEST_F(DomainRoutingTest, EveryKindOfStanzaToAServiceDomainGoesToItsModule) {
  Client a = bind("alice", "phone");
  send(a, "<message to='room@echo.example.com' type='groupchat'><body>hi</body></message>");
  send(a, "<presence to='room@echo.example.com/alice'/>");
  send(a,
       "<iq type='get' id='i1' to='echo.example.com'>"
       "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  EXPECT_THAT(echo_->seen, ElementsAre("room@echo.example.com", "room@echo.example.com/alice",
                                       "echo.example.com"));
  const auto got = received(a);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_THAT(got[0], HasSubstr("from=\"room@echo.example.com\""));
}

TEST_F(DomainRoutingTest, AConfiguredDomainNoModuleServesIsServiceUnavailable) {
  EXPECT_THAT(core_.unservedDomains(), ElementsAre("muc.example.com (muc)"));
  Client a = bind("alice", "phone");
  send(a, "<message id='m' to='room@muc.example.com'><body>hi</body></message>");
  EXPECT_THAT(received(a), ElementsAre(HasSubstr("<service-unavailable ")));
}

TEST_F(DomainRoutingTest, OtherDomainsAreRemote) {
  Client a = bind("alice", "phone");
  send(a, "<message id='m' to='bob@elsewhere.org'><body>hi</body></message>");
  EXPECT_THAT(received(a), ElementsAre(HasSubstr("<remote-server-not-found ")));
  EXPECT_THAT(echo_->seen, IsEmpty());
}

TEST_F(DomainRoutingTest, TheServersDiscoItemsListTheServedDomains) {
  Client a = bind("alice", "phone");
  send(a,
       "<iq type='get' id='d' to='example.com'>"
       "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  const auto got = received(a);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_THAT(got[0], HasSubstr("<item jid=\"echo.example.com\"/>"));
  EXPECT_THAT(got[0], ::testing::Not(HasSubstr("muc.example.com")));
}

}  // namespace
}  // namespace xmpp::router::testing
