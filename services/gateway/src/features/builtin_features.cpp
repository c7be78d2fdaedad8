// The one place where the c2s stream's features are registered, in advertisement order.

#include "stream_feature.hpp"

#include "c2s_session.hpp"

namespace xmpp::gateway {

bool refusedUnlessAuthenticated(C2sSession& session, bool authenticated) {
  if (session.authenticated() == authenticated) return false;
  session.streamError(
      {stream::StreamErrorCondition::kNotAuthorized, "stanza before resource binding"});
  return true;
}

bool preAuthOffered(const C2sSession& session) {
  return !session.authenticated() &&
         (session.transport().secure() || !session.config().tlsRequired);
}

bool refusedPreAuth(C2sSession& session, const v1::Stanza& iq, bool enabled) {
  static const StanzaError kTlsRequired =
      stanza::stanzaError("not-acceptable", "TLS is required before authentication");
  if (!enabled) {
    session.sendStanzaError(iq, errors::kServiceUnavailable);
    return true;
  }
  if (session.config().tlsRequired && !session.transport().secure()) {
    session.sendStanzaError(iq, kTlsRequired);
    return true;
  }
  return false;
}

FeatureTable::FeatureTable(std::vector<StreamFeature> features) : features_(std::move(features)) {}

void FeatureTable::advertise(const C2sSession& session, Features& features) const {
  for (const auto& f : features_) {
    if (f.advertise != nullptr) f.advertise(session, features);
  }
}

StreamFeature::ElementHandler FeatureTable::element(std::string_view name,
                                                    std::string_view ns) const {
  for (const auto& f : features_) {
    for (const auto& e : f.elements) {
      if (e.name == name && e.ns == ns) return e.handle;
    }
  }
  return nullptr;
}

StreamFeature::IqHandler FeatureTable::iq(std::string_view name, std::string_view ns) const {
  for (const auto& f : features_) {
    for (const auto& q : f.iqs) {
      if (q.name == name && q.ns == ns) return q.handle;
    }
  }
  return nullptr;
}

const FeatureTable& c2sFeatures() {
  static const FeatureTable table({
      tlsFeature(),
      saslFeature(),
      legacyAuthFeature(),
      registrationFeature(),
      bindFeature(),
      streamManagementFeature(),
      csiFeature(),
  });
  return table;
}

}  // namespace xmpp::gateway
