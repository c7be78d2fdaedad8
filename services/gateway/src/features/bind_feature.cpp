// RFC 6120 §7 resource binding (client-chosen or generated resource) and the RFC 3921
// session iq older clients still send, after SASL.

#include "c2s_session.hpp"
#include "random_id.hpp"
#include "stream_feature.hpp"
#include "xmpp/stanza/element.hpp"
#include "xmpp/xml/escape.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::gateway {
namespace {

// Random bytes in a server-generated resource (RFC 6120 §7.6.2.1).
constexpr size_t kResourceBytes = 8;

void advertise(const C2sSession& s, Features& f) {
  if (s.authenticated()) f.bind = true;
}

void bindResource(C2sSession& s, const v1::Stanza& iq, const v1::Element& bind) {
  if (iq.type() != "set") {
    s.sendStanzaError(iq, errors::kBadRequest);
    return;
  }
  const std::string requested = stanza::childText(bind, "resource", ns::kBind);
  auto jid = s.account().withResource(requested.empty() ? randomHex(kResourceBytes) : requested);
  if (!jid) {
    s.sendStanzaError(iq, errors::kBadRequest);
    return;
  }
  std::string payload = "<bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"><jid>";
  xml::appendEscapedText(payload, jid->str());
  payload += "</jid></bind>";
  std::string out;
  appendIqResult(out, iq.id(), iq.to(), payload);
  s.requestBind(*jid, std::move(out), iq.id(), iq.to());  // written once the router bound it
}

void bind(C2sSession& s, const v1::Stanza& iq, const v1::Element& payload) {
  if (!refusedUnlessAuthenticated(s, true)) bindResource(s, iq, payload);
}

void session(C2sSession& s, const v1::Stanza& iq, const v1::Element&) {
  if (refusedUnlessAuthenticated(s, true)) return;
  std::string out;
  appendIqResult(out, iq.id(), iq.to());
  s.send(std::move(out));
}

}  // namespace

StreamFeature bindFeature() {
  return {
      "bind", &advertise, {}, {{"bind", ns::kBind, &bind}, {"session", ns::kSession, &session}}};
}

}  // namespace xmpp::gateway
