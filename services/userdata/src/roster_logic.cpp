// RosterLogic: rosters and presence subscriptions. Offline messages, vCards and account
// deletion live in roster_logic_data.cpp.

#include "roster_logic.hpp"

#include <string>
#include <unordered_set>
#include <utility>

namespace xmpp::roster {
namespace {

using storage::RosterItem;
using storage::Subscription;

// A contact address as it arrives: any valid JID, reduced to its bare JID (RFC 6121 §3.1.2 and
// §3.1.3 treat a full JID in a subscription stanza as the bare JID).
Result<jid::Jid> parseContact(std::string_view contact) {
  auto parsed = jid::Jid::parse(contact);
  if (!parsed) return xmpp::unexpected(RosterError::kJidMalformed);
  return parsed->bare();
}

std::optional<stanza::RosterItem> visible(const std::optional<RosterItem>& item) {
  if (!item || item->hidden) return std::nullopt;
  return toWireItem(*item);
}

stanza::RosterItem removedItem(const std::string& contact) {
  stanza::RosterItem item;
  item.jid = contact;
  item.subscription = "remove";
  return item;
}

// The client-visible change of one item as a push, if there is one.
std::optional<RosterPush> pushFor(const std::string& user, const storage::ItemUpdate& update) {
  if (!update.changed) return std::nullopt;
  auto before = visible(update.before);
  auto after = visible(update.after);
  if (before == after) return std::nullopt;
  const std::string contact = update.after ? update.after->contact : update.before->contact;
  return RosterPush{user, after ? *after : removedItem(contact), std::to_string(update.version)};
}

bool hasTo(Subscription s) { return s == Subscription::kTo || s == Subscription::kBoth; }
bool hasFrom(Subscription s) { return s == Subscription::kFrom || s == Subscription::kBoth; }

Result<std::monostate> validateItem(const stanza::RosterItem& item, const RosterConfig& config) {
  if (item.name.size() > config.maxNameBytes) return xmpp::unexpected(RosterError::kNotAcceptable);
  if (item.groups.size() > config.maxGroups) return xmpp::unexpected(RosterError::kNotAcceptable);
  std::unordered_set<std::string_view> seen;
  for (const auto& group : item.groups) {
    // RFC 6121 §2.3.3: an empty group is not-acceptable, a repeated group bad-request.
    if (group.empty() || group.size() > config.maxGroupBytes) {
      return xmpp::unexpected(RosterError::kNotAcceptable);
    }
    if (!seen.insert(group).second) return xmpp::unexpected(RosterError::kBadRequest);
  }
  return std::monostate{};
}

}  // namespace

Result<jid::Jid> parseUser(std::string_view user) {
  auto parsed = jid::Jid::parse(user);
  if (!parsed) return xmpp::unexpected(RosterError::kJidMalformed);
  if (!parsed->isBare()) return xmpp::unexpected(RosterError::kBadRequest);
  return *std::move(parsed);
}

RosterLogic::RosterLogic(storage::RosterStore& rosters, storage::OfflineStore& offline,
                         storage::VcardStore& vcards, const Clock& clock, RosterConfig config)
    : rosters_(rosters), offline_(offline), vcards_(vcards), clock_(clock), config_(config) {}

Result<RosterResult> RosterLogic::getRoster(std::string_view user,
                                            std::optional<std::string_view> clientVersion) {
  auto owner = parseUser(user);
  if (!owner) return xmpp::unexpected(owner.error());
  auto roster = rosters_.getRoster(owner->bareStr());
  if (!roster) return xmpp::unexpected(fromStoreError(roster.error()));

  RosterResult out;
  out.version = std::to_string(roster->version);
  if (clientVersion && *clientVersion == out.version) {
    out.unchanged = true;
    return out;
  }
  for (const auto& item : roster->items) {
    if (!item.hidden) out.items.push_back(toWireItem(item));
  }
  return out;
}

Result<RosterChange> RosterLogic::setItem(std::string_view user, const stanza::RosterItem& item) {
  auto owner = parseUser(user);
  if (!owner) return xmpp::unexpected(owner.error());
  auto contactJid = jid::Jid::parse(item.jid);
  if (!contactJid) return xmpp::unexpected(RosterError::kJidMalformed);
  if (!contactJid->isBare()) return xmpp::unexpected(RosterError::kBadRequest);
  if (*contactJid == *owner) return xmpp::unexpected(RosterError::kNotAllowed);
  if (auto valid = validateItem(item, config_); !valid) return xmpp::unexpected(valid.error());

  const std::string userKey = owner->bareStr();
  const std::string contact = contactJid->bareStr();

  // The size check is not atomic with the insert: two concurrent sets may overshoot the limit
  // by one each. That bounds abuse well enough without locking the whole roster.
  auto count = rosters_.countItems(userKey);
  if (!count) return xmpp::unexpected(fromStoreError(count.error()));
  const bool full = *count >= config_.maxItems;

  bool rejected = false;
  auto update = rosters_.updateItem(
      userKey, contact, [&](const std::optional<RosterItem>& current) -> std::optional<RosterItem> {
        rejected = !current && full;
        if (rejected) return std::nullopt;
        RosterItem next = current.value_or(RosterItem{});
        next.name = item.name;
        next.groups = item.groups;
        next.hidden = false;  // the user now lists this contact
        return next;
      });
  if (!update) return xmpp::unexpected(fromStoreError(update.error()));
  if (rejected) return xmpp::unexpected(RosterError::kNotAllowed);

  RosterChange out;
  out.contact = contact;
  out.changed = update->changed;
  out.push = RosterPush{userKey, toWireItem(*update->after), std::to_string(update->version)};
  return out;
}

Result<RosterChange> RosterLogic::removeItem(std::string_view user, std::string_view contact) {
  auto owner = parseUser(user);
  if (!owner) return xmpp::unexpected(owner.error());
  auto contactJid = parseContact(contact);
  if (!contactJid) return xmpp::unexpected(contactJid.error());
  const std::string userKey = owner->bareStr();
  const std::string contactKey = contactJid->bareStr();

  auto update = rosters_.updateItem(
      userKey, contactKey,
      [](const std::optional<RosterItem>& current) -> std::optional<RosterItem> {
        // A hidden item (an unanswered request from someone not in the roster) is not part of
        // the roster the client sees, so it cannot be removed from it either.
        if (!current || current->hidden) return current;
        return std::nullopt;
      });
  if (!update) return xmpp::unexpected(fromStoreError(update.error()));
  if (!update->changed) return xmpp::unexpected(RosterError::kItemNotFound);

  const RosterItem& before = *update->before;
  RosterChange out;
  out.contact = contactKey;
  out.changed = true;
  out.push = RosterPush{userKey, removedItem(contactKey), std::to_string(update->version)};
  if (hasTo(before.subscription) || before.askOut) {
    out.routeToContact.push_back(makePresence(userKey, contactKey, "unsubscribe"));
  }
  if (hasFrom(before.subscription) || before.pendingIn) {
    out.routeToContact.push_back(makePresence(userKey, contactKey, "unsubscribed"));
  }
  if (hasFrom(before.subscription)) out.presence = PresenceAction::kSendUnavailable;
  return out;
}

Result<RosterChange> RosterLogic::rosterSet(std::string_view user,
                                            const stanza::RosterQuery& query) {
  // RFC 6121 §2.3.3: a roster set with more (or fewer) than one item is bad-request.
  if (query.items.size() != 1) return xmpp::unexpected(RosterError::kBadRequest);
  const auto& item = query.items.front();
  if (item.subscription == "remove") return removeItem(user, item.jid);
  return setItem(user, item);
}

Result<SubscriptionResult> RosterLogic::outboundSubscription(std::string_view user,
                                                             std::string_view contact,
                                                             SubscriptionType type,
                                                             std::string_view originalStanzaBytes) {
  return processSubscription(Direction::kOutbound, user, contact, type, originalStanzaBytes);
}

Result<SubscriptionResult> RosterLogic::inboundSubscription(std::string_view user,
                                                            std::string_view contact,
                                                            SubscriptionType type,
                                                            std::string_view originalStanzaBytes) {
  return processSubscription(Direction::kInbound, user, contact, type, originalStanzaBytes);
}

Result<SubscriptionResult> RosterLogic::processSubscription(Direction direction,
                                                            std::string_view user,
                                                            std::string_view contact,
                                                            SubscriptionType type,
                                                            std::string_view originalStanzaBytes) {
  auto owner = parseUser(user);
  if (!owner) return xmpp::unexpected(owner.error());
  auto contactJid = parseContact(contact);
  if (!contactJid) return xmpp::unexpected(contactJid.error());
  const std::string userKey = owner->bareStr();
  const std::string contactKey = contactJid->bareStr();

  SubscriptionResult out;
  out.contact = contactKey;
  // A user's own resources share presence without any subscription; a subscription to oneself
  // would only create a roster item nobody needs.
  if (userKey == contactKey) return out;

  const bool outbound = direction == Direction::kOutbound;
  const std::string_view typeName = toString(type);
  // The stanza as the other side will see it: bare JIDs on both ends, original id and children.
  const v1::Stanza stamped =
      outbound ? subscriptionPresence(originalStanzaBytes, userKey, contactKey, typeName)
               : subscriptionPresence(originalStanzaBytes, contactKey, userKey, typeName);
  const bool inboundSubscribe = !outbound && type == SubscriptionType::kSubscribe;
  std::string pendingBytes = inboundSubscribe ? serialize(stamped) : std::string();
  // Stored until answered, so bounded (issue 9, case 13): a larger request is stored without
  // its payload (the user still receives it whole if online).
  if (pendingBytes.size() > config_.maxPendingStanzaBytes) {
    pendingBytes = serialize(makePresence(contactKey, userKey, typeName));
  }
  // A request from a stranger creates a (hidden) item: the roster's size bound counts it.
  bool full = false;
  if (inboundSubscribe) {
    auto count = rosters_.countItems(userKey);
    if (!count) return xmpp::unexpected(fromStoreError(count.error()));
    full = *count >= config_.maxItems;
  }
  bool rejected = false;
  // The user listing the contact: asking for its presence or granting it makes the item part
  // of the visible roster (RFC 6121 §3.1.2, §3.1.5, §3.4).
  const bool userActs =
      outbound && (type == SubscriptionType::kSubscribe || type == SubscriptionType::kSubscribed);

  // Written by the mutator; a database store may call it more than once, the last call counts.
  Decision decision{};
  auto update = rosters_.updateItem(
      userKey, contactKey,
      [&](const std::optional<RosterItem>& current) -> std::optional<RosterItem> {
        rejected = !current && full;
        if (rejected) return std::nullopt;
        const SubState state = current ? stateOf(*current) : SubState::kNone;
        decision =
            decide(direction, type, state, current && current->approved, config_.preApproval);
        if (!current && decision.next == SubState::kNone && !decision.approved) {
          return std::nullopt;  // nothing to remember about a stranger
        }
        RosterItem next = current.value_or(RosterItem{});
        if (!current) next.hidden = true;
        if (userActs) next.hidden = false;
        next.subscription = subscriptionOf(decision.next);
        next.askOut = pendingOutOf(decision.next);
        const bool pendingIn = pendingInOf(decision.next);
        if (pendingIn && !next.pendingIn) next.pendingInStanza = pendingBytes;
        if (!pendingIn) next.pendingInStanza.clear();
        next.pendingIn = pendingIn;
        next.approved = decision.approved;
        // A hidden item only exists to hold a pending request; once that is gone, so is it.
        if (next.hidden && decision.next == SubState::kNone && !next.approved) return std::nullopt;
        return next;
      });
  if (!update) return xmpp::unexpected(fromStoreError(update.error()));
  if (rejected) return xmpp::unexpected(RosterError::kNotAllowed);  // the roster is full

  out.before = update->before ? stateOf(*update->before) : SubState::kNone;
  out.after = update->after ? stateOf(*update->after) : SubState::kNone;
  out.push = pushFor(userKey, *update);
  if (decision.forward) {
    if (outbound) {
      out.routeToContact = stamped;
    } else {
      out.deliverToUser = stamped;
    }
  }
  if (decision.autoReplySubscribed) {
    out.autoReply = makePresence(userKey, contactKey, "subscribed");
  }
  out.presence = decision.presence;
  return out;
}

Result<PresenceTargets> RosterLogic::presenceTargets(std::string_view user) {
  auto owner = parseUser(user);
  if (!owner) return xmpp::unexpected(owner.error());
  auto roster = rosters_.getRoster(owner->bareStr());
  if (!roster) return xmpp::unexpected(fromStoreError(roster.error()));
  PresenceTargets out;
  for (const auto& item : roster->items) {
    if (hasTo(item.subscription)) out.probe.push_back(item.contact);
    if (hasFrom(item.subscription)) out.broadcast.push_back(item.contact);
  }
  return out;
}

Result<std::vector<v1::Stanza>> RosterLogic::pendingInbound(std::string_view user) {
  auto owner = parseUser(user);
  if (!owner) return xmpp::unexpected(owner.error());
  const std::string userKey = owner->bareStr();
  auto items = rosters_.itemsWithPendingIn(userKey);
  if (!items) return xmpp::unexpected(fromStoreError(items.error()));
  std::vector<v1::Stanza> out;
  out.reserve(items->size());
  for (const auto& item : *items) {
    // Rebuilt from the stored bytes when they parse; readdressed in any case.
    out.push_back(subscriptionPresence(item.pendingInStanza, item.contact, userKey, "subscribe"));
  }
  return out;
}

}  // namespace xmpp::roster
