// RosterLogic: offline messages, vCards and account deletion. Rosters and subscriptions live in
// roster_logic.cpp.

#include <algorithm>
#include <string>
#include <utility>

#include "delay.hpp"
#include "offline_policy.hpp"
#include "roster_logic.hpp"  // IWYU pragma: associated
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::roster {

Result<OfflineStatus> RosterLogic::storeOffline(std::string_view user,
                                                std::string_view stanzaBytes) {
  auto owner = parseUser(user);
  if (!owner) return xmpp::unexpected(owner.error());
  auto stanza = parseStanza(stanzaBytes);
  if (!stanza) return xmpp::unexpected(RosterError::kBadRequest);
  if (const OfflineStatus status = classifyOffline(*stanza); status != OfflineStatus::kStored) {
    return status;
  }
  storage::StoredMessage message;
  message.stanzaBytes = std::string(stanzaBytes);
  message.stamp = clock_.now();
  auto put = offline_.store(owner->bareStr(), message, config_.offlineQuota);
  if (!put) return xmpp::unexpected(fromStoreError(put.error()));
  return put->stored() ? OfflineStatus::kStored : OfflineStatus::kQuotaFull;
}

Result<OfflineBatch> RosterLogic::fetchOffline(std::string_view user, std::int64_t afterId,
                                               std::size_t maxBytes) {
  auto owner = parseUser(user);
  if (!owner) return xmpp::unexpected(owner.error());
  storage::OfflinePage page{.limit = config_.offlineFetchLimit,
                            .maxBytes = config_.offlineFetchBytes,
                            .afterId = afterId};
  if (maxBytes > 0) page.maxBytes = std::min(page.maxBytes, maxBytes);
  auto stored = offline_.fetchPage(owner->bareStr(), page);
  if (!stored) return xmpp::unexpected(fromStoreError(stored.error()));
  OfflineBatch out;
  out.messages.reserve(stored->size());
  for (const auto& message : *stored) {
    auto stanza = parseStanza(message.stanzaBytes);
    if (!stanza) {
      out.undecodable.push_back(message.id);
      continue;
    }
    // XEP-0203: 'from' is the entity that delayed the delivery, here the user's server.
    addDelay(*stanza, owner->domain(), message.stamp);
    out.messages.push_back(OfflineMessage{message.id, *std::move(stanza)});
  }
  return out;
}

Result<std::size_t> RosterLogic::ackOffline(std::string_view user,
                                            const std::vector<std::int64_t>& ids) {
  auto owner = parseUser(user);
  if (!owner) return xmpp::unexpected(owner.error());
  auto deleted = offline_.ack(owner->bareStr(), ids);
  if (!deleted) return xmpp::unexpected(fromStoreError(deleted.error()));
  return *deleted;
}

Result<std::string> RosterLogic::getVcard(std::string_view user) {
  auto owner = parseUser(user);
  if (!owner) return xmpp::unexpected(owner.error());
  auto bytes = vcards_.get(owner->bareStr());
  if (!bytes) return xmpp::unexpected(fromStoreError(bytes.error()));
  return *std::move(bytes);
}

Result<std::monostate> RosterLogic::setVcard(std::string_view user, std::string_view elementBytes) {
  auto owner = parseUser(user);
  if (!owner) return xmpp::unexpected(owner.error());
  if (elementBytes.size() > config_.maxVcardBytes) {
    return xmpp::unexpected(RosterError::kNotAcceptable);
  }
  v1::Element element;
  if (!element.ParseFromArray(elementBytes.data(), static_cast<int>(elementBytes.size())) ||
      element.name() != "vCard" || element.ns() != ns::kVcard) {
    return xmpp::unexpected(RosterError::kBadRequest);
  }
  auto stored = vcards_.set(owner->bareStr(), elementBytes);
  if (!stored) return xmpp::unexpected(fromStoreError(stored.error()));
  return std::monostate{};
}

Result<DeletedUserData> RosterLogic::deleteUserData(std::string_view user) {
  auto owner = parseUser(user);
  if (!owner) return xmpp::unexpected(owner.error());
  const std::string userKey = owner->bareStr();

  // Read first to tell the contacts; the account is being deleted, so nothing should change
  // the roster between the read and the removal (the auth service refuses logins first).
  auto roster = rosters_.getRoster(userKey);
  if (!roster) return xmpp::unexpected(fromStoreError(roster.error()));
  DeletedUserData out;
  for (const auto& item : roster->items) {
    const bool to = item.subscription == storage::Subscription::kTo ||
                    item.subscription == storage::Subscription::kBoth;
    const bool from = item.subscription == storage::Subscription::kFrom ||
                      item.subscription == storage::Subscription::kBoth;
    if (to || item.askOut) {
      out.routeToContacts.push_back(makePresence(userKey, item.contact, "unsubscribe"));
    }
    if (from || item.pendingIn) {
      out.routeToContacts.push_back(makePresence(userKey, item.contact, "unsubscribed"));
    }
  }

  auto items = rosters_.removeUser(userKey);
  if (!items) return xmpp::unexpected(fromStoreError(items.error()));
  auto messages = offline_.removeUser(userKey);
  if (!messages) return xmpp::unexpected(fromStoreError(messages.error()));
  auto vcard = vcards_.removeUser(userKey);
  if (!vcard) return xmpp::unexpected(fromStoreError(vcard.error()));
  for (const auto& remove : removers_) {
    auto removed = remove(userKey);
    if (!removed) return xmpp::unexpected(fromStoreError(removed.error()));
  }
  out.rosterItems = *items;
  out.offlineMessages = *messages;
  out.vcard = *vcard > 0;
  return out;
}

}  // namespace xmpp::roster
