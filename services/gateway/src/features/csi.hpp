#pragma once
// XEP-0352 client state indication: what an inactive client must still get at once.

#include "xmpp/v1/stanza.pb.h"

namespace xmpp::gateway {

/// Urgent stanzas go out at once and flush what was held before them: every iq (it is
/// waited for), every message with a body (also inside a carbon or a forward), and errors.
/// Presence and body-less messages (chat states, receipts, PEP events) may wait.
bool csiUrgent(const v1::Stanza& stanza);

}  // namespace xmpp::gateway
