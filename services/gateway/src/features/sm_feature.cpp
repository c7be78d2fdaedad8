// XEP-0198 stream management (urn:xmpp:sm:3), the wire side: <sm/> offered once
// authenticated; <enable/> after binding; <r/> answered with what we handled; <a h/> from the
// client acknowledges what we sent (stream_management.hpp counts). An acknowledged offline
// message is deleted from storage; at the end of the stream, unacknowledged messages take the
// offline path (c2s_session.cpp, endSession). Resumption is not offered yet: <enabled/>
// carries no id, <resume/> is item-not-found and the client binds anew.

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

void enable(C2sSession& s, xml::Element) {
  if (!s.bound() || s.sm().enabled()) {
    failed(s, "unexpected-request");
    return;
  }
  s.sm().enable(s.config().sm);
  s.send("<enabled xmlns=\"urn:xmpp:sm:3\"/>");
}

void resume(C2sSession& s, xml::Element) {
  failed(s, s.authenticated() && !s.bound() ? "item-not-found" : "unexpected-request");
}

void request(C2sSession& s, xml::Element) {
  if (!s.sm().enabled()) return;  // nothing counted: ignored
  s.send("<a xmlns=\"urn:xmpp:sm:3\" h=\"" + std::to_string(s.sm().handled()) + "\"/>");
}

void answer(C2sSession& s, xml::Element element) {
  if (!s.sm().enabled()) return;
  const std::string_view text = element.attribute("h").value();
  uint32_t h = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), h);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
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
