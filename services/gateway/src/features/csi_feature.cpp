// XEP-0352 client state indication (urn:xmpp:csi:0): a bound client says <inactive/> when
// its user is away (a phone in a pocket) and <active/> when back. While inactive the stream
// holds presence and body-less messages, in order, and writes them before the next urgent
// stanza, when the hold is full (count or bytes), after a bounded time, or at <active/>.
// Nothing is dropped: what is held when the stream ends goes back to the router.

#include "c2s_session.hpp"
#include "csi.hpp"
#include "stream_feature.hpp"

namespace xmpp::gateway {
namespace {

constexpr std::string_view kCsi = "urn:xmpp:csi:0";

bool hasBody(const v1::Element& e, int depth) {
  if (e.name() == "body" && e.ns() == "jabber:client") return true;
  if (depth == 0) return false;
  for (const auto& c : e.children()) {
    if (c.has_element() && hasBody(c.element(), depth - 1)) return true;
  }
  return false;
}

void advertise(const C2sSession& s, Features& f) {
  if (s.authenticated()) f.csi = true;
}

// Before binding there is nothing to hold: ignored, as the XEP allows.
void active(C2sSession& s, xml::Element) {
  if (s.bound()) s.setInactive(false);
}
void inactive(C2sSession& s, xml::Element) {
  if (s.bound()) s.setInactive(true);
}

}  // namespace

bool csiUrgent(const v1::Stanza& stanza) {
  if (stanza.kind() == v1::STANZA_KIND_IQ || stanza.type() == "error") return true;
  if (stanza.kind() != v1::STANZA_KIND_MESSAGE) return false;
  // <message><sent><forwarded><message><body/>: depth 4 covers carbons and forwards.
  return hasBody(stanza.element(), 4);
}

StreamFeature csiFeature() {
  return {"csi", &advertise, {{"active", kCsi, &active}, {"inactive", kCsi, &inactive}}, {}};
}

}  // namespace xmpp::gateway
