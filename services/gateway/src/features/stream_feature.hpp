#pragma once
// Stream features (RFC 6120 §4.3): each negotiation step of the c2s stream -- STARTTLS,
// SASL, XEP-0078 legacy auth, XEP-0077 registration, resource binding, XEP-0198 -- is one
// feature that says what it advertises in the session's current state and which elements it
// handles: top-level elements by (name, namespace), and iqs to the server before binding by
// their payload's (name, namespace). C2sSession dispatches through one table
// (builtin_features.cpp) and knows none of them.
//
// Features are stateless functions over the session (a table shared by every connection:
// nothing per connection but the session's own state); their per-stream state lives in the
// session (e.g. SaslState).

#include <string_view>
#include <vector>

#include "replies.hpp"
#include "xmpp/v1/stanza.pb.h"
#include "xmpp/xml/tree.hpp"

namespace xmpp::gateway {

class C2sSession;

struct StreamFeature {
  using Advertise = void (*)(const C2sSession& session, Features& features);
  using ElementHandler = void (*)(C2sSession& session, xml::Element element);
  using IqHandler = void (*)(C2sSession& session, const v1::Stanza& iq, const v1::Element& payload);
  struct Element {
    std::string_view name;
    std::string_view ns;
    ElementHandler handle;
  };
  struct Iq {
    std::string_view name;  // of the payload
    std::string_view ns;
    IqHandler handle;
  };

  std::string_view name;
  Advertise advertise = nullptr;  // adds what it offers now to <stream:features/>
  std::vector<Element> elements;  // top-level elements it handles
  std::vector<Iq> iqs;            // get/set iqs to the server before binding
};

/// Negotiation iqs that only make sense before (XEP-0078, XEP-0077) or after (bind, session)
/// authentication; otherwise the stream ends with not-authorized (RFC 6120 §7.1). Returns
/// whether the iq was refused.
bool refusedUnlessAuthenticated(C2sSession& session, bool authenticated);
/// Whether the pre-authentication features advertise themselves on this stream now.
bool preAuthOffered(const C2sSession& session);
/// A pre-authentication iq (XEP-0078, XEP-0077) answered with service-unavailable when the
/// feature is off, or not-acceptable before a required TLS. Returns whether it was refused.
bool refusedPreAuth(C2sSession& session, const v1::Stanza& iq, bool enabled);

/// Every feature, registered once; lookups by (name, namespace).
class FeatureTable {
 public:
  explicit FeatureTable(std::vector<StreamFeature> features);
  void advertise(const C2sSession& session, Features& features) const;
  StreamFeature::ElementHandler element(std::string_view name, std::string_view ns) const;
  StreamFeature::IqHandler iq(std::string_view name, std::string_view ns) const;

 private:
  std::vector<StreamFeature> features_;
};

/// The features of a c2s stream, in advertisement order (builtin_features.cpp).
const FeatureTable& c2sFeatures();

// Each feature's definition, in its own file.
StreamFeature tlsFeature();
StreamFeature saslFeature();
StreamFeature legacyAuthFeature();
StreamFeature registrationFeature();
StreamFeature bindFeature();
StreamFeature streamManagementFeature();
StreamFeature csiFeature();

}  // namespace xmpp::gateway
