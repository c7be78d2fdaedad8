// XEP-0198 stream management: not offered yet. Clients that try anyway get <failed/> and the
// stream goes on (the next issue builds it here).

#include "c2s_session.hpp"
#include "stream_feature.hpp"

namespace xmpp::gateway {
namespace {

constexpr std::string_view kSm = "urn:xmpp:sm:3";

void refuse(C2sSession& s, xml::Element) {
  std::string out;
  appendSmFailed(out, s.bound() ? "feature-not-implemented" : "unexpected-request");
  s.send(std::move(out));
}

}  // namespace

StreamFeature streamManagementFeature() {
  return {"sm", nullptr, {{"enable", kSm, &refuse}, {"resume", kSm, &refuse}}, {}};
}

}  // namespace xmpp::gateway
