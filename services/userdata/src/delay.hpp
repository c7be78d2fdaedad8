#pragma once
// XEP-0203 delayed delivery stamps for messages delivered from offline storage.

#include <string>
#include <string_view>

#include "xmpp/common/clock.hpp"
#include "xmpp/v1/stanza.pb.h"

namespace xmpp::roster {

/// XEP-0082 DateTime in UTC with milliseconds: "YYYY-MM-DDThh:mm:ss.sssZ".
std::string formatStamp(Clock::TimePoint when);

/// Appends <delay xmlns='urn:xmpp:delay' from=`from` stamp=.../> to the stanza.
void addDelay(v1::Stanza& stanza, std::string_view from, Clock::TimePoint when);

}  // namespace xmpp::roster
