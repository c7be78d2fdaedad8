// RFC 6120 §5 STARTTLS: offered (and required by default) before TLS; <proceed/> hands the
// connection to the TLS layer, which reports back through C2sSession::onTlsEstablished().

#include "c2s_session.hpp"
#include "stream_feature.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::gateway {
namespace {

void advertise(const C2sSession& s, Features& f) {
  if (s.authenticated() || s.transport().secure() || !s.config().tlsAvailable) return;
  f.starttls = true;
  f.starttlsRequired = s.config().tlsRequired;
}

void starttls(C2sSession& s, xml::Element) {
  if (s.transport().secure() || !s.config().tlsAvailable || s.authenticated()) {
    s.closeStream("<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/>");
    return;
  }
  s.send("<proceed xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/>");
  s.sasl() = {};
  s.beginTls();
}

}  // namespace

StreamFeature tlsFeature() {
  return {"starttls", &advertise, {{"starttls", ns::kTls, &starttls}}, {}};
}

}  // namespace xmpp::gateway
