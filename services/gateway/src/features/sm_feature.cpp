// XEP-0198 stream management (urn:xmpp:sm:3), the wire side: <sm/> offered once
// authenticated; <enable/> after binding (with resume: c2s_resumption.cpp); <resume/> instead
// of binding; <r/> answered with what we handled; <a h/> from the client acknowledges what we
// sent (stream_management.hpp counts). An acknowledged offline message is deleted from
// storage; at the end of a stream that cannot be resumed, unacknowledged messages take the
// offline path (c2s_session.cpp, endSession).

#include <charconv>

#include "c2s_session.hpp"
#include "stream_feature.hpp"

namespace xmpp::gateway {
namespace {

constexpr std::string_view kSm = "urn:xmpp:sm:3";

void advertise(const C2sSession& s, Features& f) {
  if (s.authenticated() && !s.bound()) f.sm = true;
}

void failed(C2sSession& s, std::string_view condition) {
  std::string out;
  appendSmFailed(out, condition);
  s.send(std::move(out));
}

bool parseCount(std::string_view text, uint32_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

void enable(C2sSession& s, xml::Element element) {
  if (!s.bound() || s.sm().enabled()) {
    failed(s, "unexpected-request");
    return;
  }
  const std::string_view resume = element.attribute("resume").value();
  uint32_t max = 0;
  if (!parseCount(element.attribute("max").value(), max)) max = 0;
  s.enableStreamManagement(resume == "true" || resume == "1", max);
}

void resume(C2sSession& s, xml::Element element) {
  if (!s.authenticated() || s.bound() || s.state() != C2sSession::State::kAuthenticated) {
    failed(s, "unexpected-request");
    return;
  }
  const std::string_view previd = element.attribute("previd").value();
  uint32_t h = 0;
  if (previd.empty() || !parseCount(element.attribute("h").value(), h)) {
    failed(s, "bad-request");
    return;
  }
  s.resumeStream(std::string(previd), h);
}

void request(C2sSession& s, xml::Element) {
  if (!s.sm().enabled()) return;  // nothing counted: ignored
  s.persistHandled();
  s.send("<a xmlns=\"urn:xmpp:sm:3\" h=\"" + std::to_string(s.sm().handled()) + "\"/>");
}

void answer(C2sSession& s, xml::Element element) {
  if (!s.sm().enabled()) return;
  uint32_t h = 0;
  if (!parseCount(element.attribute("h").value(), h)) {
    s.streamError({stream::StreamErrorCondition::kInvalidXml, "<a/> without a valid h"});
    return;
  }
  s.acknowledged(h);
}

}  // namespace

StreamFeature streamManagementFeature() {
  return {"sm",
          &advertise,
          {{"enable", kSm, &enable},
           {"resume", kSm, &resume},
           {"r", kSm, &request},
           {"a", kSm, &answer}},
          {}};
}

}  // namespace xmpp::gateway
