// The one place where the c2s stream's features are registered, in advertisement order.

#include "stream_feature.hpp"

namespace xmpp::gateway {

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
