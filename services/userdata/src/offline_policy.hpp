#pragma once
// Which messages go to offline storage when the recipient has no available resource
// (RFC 6121 §8.5.2.1.1, XEP-0160 §3, XEP-0334 hints). A pure function of the stanza.

#include "roster_logic.hpp"
#include "xmpp/v1/stanza.pb.h"

namespace xmpp::roster {

/// kStored means "store it"; the other values say what to do instead (see OfflineStatus).
/// kQuotaFull is never returned here: that is the store's answer.
OfflineStatus classifyOffline(const v1::Stanza& stanza);

}  // namespace xmpp::roster
