#include "subscription.hpp"

#include <array>

namespace xmpp::roster {
namespace {

using S = SubState;
using P = PresenceAction;
constexpr bool kYes = true;
constexpr bool kNo = false;

// Short forms for the cells: "route or deliver, no extra action" and friends.
constexpr Transition fwd(S next, P presence = P::kNone) { return {next, kYes, kNo, presence}; }
constexpr Transition drop(S next) { return {next, kNo, kNo, P::kNone}; }
// A.3.1 note: an inbound 'subscribe' from a contact that already has a From subscription is
// answered 'subscribed' by the server. We also send the user's current presence, which repairs
// a contact server that lost the subscription state (it is subscribed, so no leak).
constexpr Transition autoReply(S next) { return {next, kNo, kYes, P::kSendCurrent}; }

using Table = std::array<Transition, kSubStateCount>;

// Rows in the order of SubState (and of the RFC tables):
// None, None+PendingOut, None+PendingIn, None+PendingOut+In, To, To+PendingIn, From,
// From+PendingOut, Both. "no state change" rows repeat their own state.

// A.2.1 Outbound "subscribe": always routed (the contact's server owns its half of the state).
constexpr Table kOutSubscribe = {
    fwd(S::kNonePendingOut),    // None
    fwd(S::kNonePendingOut),    // None + Pending Out: no state change
    fwd(S::kNonePendingOutIn),  // None + Pending In
    fwd(S::kNonePendingOutIn),  // None + Pending Out+In: no state change
    fwd(S::kTo),                // To: no state change
    fwd(S::kToPendingIn),       // To + Pending In: no state change
    fwd(S::kFromPendingOut),    // From
    fwd(S::kFromPendingOut),    // From + Pending Out: no state change
    fwd(S::kBoth),              // Both: no state change
};

// A.2.2 Outbound "unsubscribe": always routed.
constexpr Table kOutUnsubscribe = {
    fwd(S::kNone),           // None: no state change
    fwd(S::kNone),           // None + Pending Out
    fwd(S::kNonePendingIn),  // None + Pending In: no state change
    fwd(S::kNonePendingIn),  // None + Pending Out+In
    fwd(S::kNone),           // To
    fwd(S::kNonePendingIn),  // To + Pending In
    fwd(S::kFrom),           // From: no state change
    fwd(S::kFrom),           // From + Pending Out
    fwd(S::kFrom),           // Both
};

// A.2.3 Outbound "subscribed": routed only when it answers a pending inbound request; then the
// server also sends the user's current presence to the new subscriber (RFC 6121 §3.1.5).
constexpr Table kOutSubscribed = {
    drop(S::kNone),                            // None: no state change [pre-approval]
    drop(S::kNonePendingOut),                  // None + Pending Out: no change [pre-appr.]
    fwd(S::kFrom, P::kSendCurrent),            // None + Pending In
    fwd(S::kFromPendingOut, P::kSendCurrent),  // None + Pending Out+In
    drop(S::kTo),                              // To: no state change [pre-approval]
    fwd(S::kBoth, P::kSendCurrent),            // To + Pending In
    drop(S::kFrom),                            // From: no state change
    drop(S::kFromPendingOut),                  // From + Pending Out: no state change
    drop(S::kBoth),                            // Both: no state change
};

// A.2.4 Outbound "unsubscribed": routed when it denies a pending request or cancels an existing
// From subscription; cancelling also sends unavailable presence to the contact (RFC 6121
// §3.2.2), denying does not (the contact never received the user's presence).
constexpr Table kOutUnsubscribed = {
    drop(S::kNone),                                // None: no state change
    drop(S::kNonePendingOut),                      // None + Pending Out: no state change
    fwd(S::kNone),                                 // None + Pending In
    fwd(S::kNonePendingOut),                       // None + Pending Out+In
    drop(S::kTo),                                  // To: no state change
    fwd(S::kTo),                                   // To + Pending In
    fwd(S::kNone, P::kSendUnavailable),            // From
    fwd(S::kNonePendingOut, P::kSendUnavailable),  // From + Pending Out
    fwd(S::kTo, P::kSendUnavailable),              // Both
};

// A.3.1 Inbound "subscribe": delivered when it creates a pending-in state; a duplicate request
// is not delivered again; a contact that is already subscribed gets an automatic 'subscribed'.
constexpr Table kInSubscribe = {
    fwd(S::kNonePendingIn),         // None
    fwd(S::kNonePendingOutIn),      // None + Pending Out
    drop(S::kNonePendingIn),        // None + Pending In: no state change
    drop(S::kNonePendingOutIn),     // None + Pending Out+In: no state change
    fwd(S::kToPendingIn),           // To
    drop(S::kToPendingIn),          // To + Pending In: no state change
    autoReply(S::kFrom),            // From: no state change, auto-reply
    autoReply(S::kFromPendingOut),  // From + Pending Out: no state change, auto-reply
    autoReply(S::kBoth),            // Both: no state change, auto-reply
};

// A.3.2 Inbound "unsubscribe": delivered when it withdraws a pending request or ends the
// contact's From subscription; ending it also sends the contact unavailable presence from the
// user's resources (RFC 6121 §3.3.3).
constexpr Table kInUnsubscribe = {
    drop(S::kNone),                                // None: no state change
    drop(S::kNonePendingOut),                      // None + Pending Out: no state change
    fwd(S::kNone),                                 // None + Pending In
    fwd(S::kNonePendingOut),                       // None + Pending Out+In
    drop(S::kTo),                                  // To: no state change
    fwd(S::kTo),                                   // To + Pending In
    fwd(S::kNone, P::kSendUnavailable),            // From
    fwd(S::kNonePendingOut, P::kSendUnavailable),  // From + Pending Out
    fwd(S::kTo, P::kSendUnavailable),              // Both
};

// A.3.3 Inbound "subscribed": only accepted (and delivered) while the user's request is
// pending out; otherwise ignored, so an unsolicited approval creates nothing.
constexpr Table kInSubscribed = {
    drop(S::kNone),           // None: no state change
    fwd(S::kTo),              // None + Pending Out
    drop(S::kNonePendingIn),  // None + Pending In: no state change
    fwd(S::kToPendingIn),     // None + Pending Out+In
    drop(S::kTo),             // To: no state change
    drop(S::kToPendingIn),    // To + Pending In: no state change
    drop(S::kFrom),           // From: no state change
    fwd(S::kBoth),            // From + Pending Out
    drop(S::kBoth),           // Both: no state change
};

// A.3.4 Inbound "unsubscribed": delivered when it denies the user's pending request or cancels
// the user's To subscription.
constexpr Table kInUnsubscribed = {
    drop(S::kNone),           // None: no state change
    fwd(S::kNone),            // None + Pending Out
    drop(S::kNonePendingIn),  // None + Pending In: no state change
    fwd(S::kNonePendingIn),   // None + Pending Out+In
    fwd(S::kNone),            // To
    fwd(S::kNonePendingIn),   // To + Pending In
    drop(S::kFrom),           // From: no state change
    fwd(S::kFrom),            // From + Pending Out
    fwd(S::kFrom),            // Both
};

// Indexed by [direction][type] in the enum orders.
constexpr std::array<std::array<const Table*, 4>, 2> kTables = {{
    {&kOutSubscribe, &kOutSubscribed, &kOutUnsubscribe, &kOutUnsubscribed},
    {&kInSubscribe, &kInSubscribed, &kInUnsubscribe, &kInUnsubscribed},
}};

bool hasFrom(S s) { return s == S::kFrom || s == S::kFromPendingOut || s == S::kBoth; }

// The states in which A.2.3 drops an outbound 'subscribed' that a pre-approval can use.
bool preApprovable(S s) { return s == S::kNone || s == S::kNonePendingOut || s == S::kTo; }

// The state reached when a pre-approved contact's 'subscribe' arrives: From is added.
S withFrom(S s) {
  switch (s) {
    case S::kNone:
      return S::kFrom;
    case S::kNonePendingOut:
      return S::kFromPendingOut;
    case S::kTo:
      return S::kBoth;
    default:
      return s;
  }
}

}  // namespace

std::optional<SubscriptionType> parseSubscriptionType(std::string_view type) {
  if (type == "subscribe") return SubscriptionType::kSubscribe;
  if (type == "subscribed") return SubscriptionType::kSubscribed;
  if (type == "unsubscribe") return SubscriptionType::kUnsubscribe;
  if (type == "unsubscribed") return SubscriptionType::kUnsubscribed;
  return std::nullopt;
}

std::string_view toString(SubscriptionType type) {
  switch (type) {
    case SubscriptionType::kSubscribe:
      return "subscribe";
    case SubscriptionType::kSubscribed:
      return "subscribed";
    case SubscriptionType::kUnsubscribe:
      return "unsubscribe";
    case SubscriptionType::kUnsubscribed:
      return "unsubscribed";
  }
  return "";
}

std::string_view toString(SubState state) {
  switch (state) {
    case S::kNone:
      return "None";
    case S::kNonePendingOut:
      return "None + Pending Out";
    case S::kNonePendingIn:
      return "None + Pending In";
    case S::kNonePendingOutIn:
      return "None + Pending Out+In";
    case S::kTo:
      return "To";
    case S::kToPendingIn:
      return "To + Pending In";
    case S::kFrom:
      return "From";
    case S::kFromPendingOut:
      return "From + Pending Out";
    case S::kBoth:
      return "Both";
  }
  return "";
}

SubState stateOf(storage::Subscription subscription, bool pendingOut, bool pendingIn) {
  // Pending out is meaningless once subscribed to (To/Both), pending in once the contact is
  // subscribed (From/Both): Appendix A has no such states, so the flags are ignored there.
  switch (subscription) {
    case storage::Subscription::kNone:
      if (pendingOut && pendingIn) return S::kNonePendingOutIn;
      if (pendingOut) return S::kNonePendingOut;
      if (pendingIn) return S::kNonePendingIn;
      return S::kNone;
    case storage::Subscription::kTo:
      return pendingIn ? S::kToPendingIn : S::kTo;
    case storage::Subscription::kFrom:
      return pendingOut ? S::kFromPendingOut : S::kFrom;
    case storage::Subscription::kBoth:
      return S::kBoth;
  }
  return S::kNone;
}

SubState stateOf(const storage::RosterItem& item) {
  return stateOf(item.subscription, item.askOut, item.pendingIn);
}

storage::Subscription subscriptionOf(SubState state) {
  switch (state) {
    case S::kNone:
    case S::kNonePendingOut:
    case S::kNonePendingIn:
    case S::kNonePendingOutIn:
      return storage::Subscription::kNone;
    case S::kTo:
    case S::kToPendingIn:
      return storage::Subscription::kTo;
    case S::kFrom:
    case S::kFromPendingOut:
      return storage::Subscription::kFrom;
    case S::kBoth:
      return storage::Subscription::kBoth;
  }
  return storage::Subscription::kNone;
}

bool pendingOutOf(SubState state) {
  return state == S::kNonePendingOut || state == S::kNonePendingOutIn ||
         state == S::kFromPendingOut;
}

bool pendingInOf(SubState state) {
  return state == S::kNonePendingIn || state == S::kNonePendingOutIn || state == S::kToPendingIn;
}

Transition appendixA(Direction direction, SubscriptionType type, SubState state) {
  return (*kTables[static_cast<std::size_t>(direction)]
                  [static_cast<std::size_t>(type)])[static_cast<std::size_t>(state)];
}

Decision decide(Direction direction, SubscriptionType type, SubState state, bool approved,
                bool preApprovalEnabled) {
  const Transition row = appendixA(direction, type, state);
  Decision d{row.next, approved, row.forward, row.autoReplySubscribed, row.presence, false};

  if (preApprovable(state)) {
    if (direction == Direction::kOutbound && type == SubscriptionType::kSubscribed &&
        preApprovalEnabled) {
      d.approved = true;
    } else if (direction == Direction::kOutbound && type == SubscriptionType::kUnsubscribed) {
      d.approved = false;
    } else if (direction == Direction::kInbound && type == SubscriptionType::kSubscribe &&
               approved) {
      d.next = withFrom(state);
      d.forward = false;
      d.autoReplySubscribed = true;
      d.presence = PresenceAction::kSendCurrent;
    }
  }
  if (hasFrom(d.next)) d.approved = false;

  d.rosterPush = subscriptionOf(state) != subscriptionOf(d.next) ||
                 pendingOutOf(state) != pendingOutOf(d.next) || approved != d.approved;
  return d;
}

}  // namespace xmpp::roster
