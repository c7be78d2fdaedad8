#pragma once
// RouterCore test set-up: the in-memory session directory (with call counters and a failure
// switch), the real roster logic behind its gRPC service class (called directly, no network),
// a set of accounts, and a gateway sink that records every command.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "blocklist.hpp"
#include "caching_roster_client.hpp"
#include "grpc_status.hpp"
#include "in_memory_session_directory.hpp"
#include "last_activity.hpp"
#include "private_storage.hpp"
#include "roster_grpc_service.hpp"
#include "roster_logic.hpp"
#include "router_core.hpp"
#include "xmpp/common/clock.hpp"
#include "xmpp/stanza/codec.hpp"
#include "xmpp/storage/in_memory_blocklist_store.hpp"
#include "xmpp/storage/in_memory_last_activity_store.hpp"
#include "xmpp/storage/in_memory_offline_store.hpp"
#include "xmpp/storage/in_memory_private_store.hpp"
#include "xmpp/storage/in_memory_roster_store.hpp"
#include "xmpp/storage/in_memory_vcard_store.hpp"

namespace xmpp::router::testing {

inline constexpr const char* kDomain = "example.com";

/// Stanza from XML text written as a client sends it (jabber:client is the default).
inline v1::Stanza parseStanza(const std::string& text) {
  xml::Document doc;
  if (!doc.load_string(text.c_str())) throw std::runtime_error("bad test XML: " + text);
  xml::Element root = doc.document_element();
  if (!root.attribute("xmlns")) root.append_attribute("xmlns") = "jabber:client";
  return stanza::toProto(root);
}

inline std::string xmlOf(const v1::Stanza& s) { return stanza::toXml(s); }

/// The session directory with call counters and a switch that makes every call fail.
class TestDirectory final : public SessionDirectory {
 public:
  Expected<std::map<std::string, v1::SessionInfo>, storage::StoreError> sessions(
      const std::string& bareJid) override {
    ++sessionsCalls;
    if (failing) return unexpected(storage::StoreError::kUnavailable);
    return inner.sessions(bareJid);
  }
  Expected<std::map<std::string, std::map<std::string, v1::SessionInfo>>, storage::StoreError>
  sessionsOf(const std::vector<std::string>& bareJids) override {
    ++sessionsOfCalls;
    if (failing) return unexpected(storage::StoreError::kUnavailable);
    return inner.sessionsOf(bareJids);
  }
  Expected<std::optional<v1::SessionInfo>, storage::StoreError> bind(
      const std::string& bareJid, const std::string& resource,
      const v1::SessionInfo& session) override {
    if (failing) return unexpected(storage::StoreError::kUnavailable);
    return inner.bind(bareJid, resource, session);
  }
  storage::StoreStatus update(const std::string& bareJid, const std::string& resource,
                              const v1::SessionInfo& session) override {
    if (failing) return unexpected(storage::StoreError::kUnavailable);
    return inner.update(bareJid, resource, session);
  }
  Expected<bool, storage::StoreError> remove(const std::string& bareJid,
                                             const std::string& resource,
                                             const std::string& sessionId) override {
    if (failing) return unexpected(storage::StoreError::kUnavailable);
    return inner.remove(bareJid, resource, sessionId);
  }
  Expected<bool, storage::StoreError> removeUnchanged(const std::string& bareJid,
                                                      const std::string& resource,
                                                      const v1::SessionInfo& read) override {
    if (failing) return unexpected(storage::StoreError::kUnavailable);
    return inner.removeUnchanged(bareJid, resource, read);
  }

  InMemorySessionDirectory inner;
  std::atomic<int> sessionsCalls{0};
  std::atomic<int> sessionsOfCalls{0};
  std::atomic<bool> failing{false};
};

/// RosterClient over the real roster logic: RosterGrpcService's methods called in-process
/// (they never touch the ServerContext), over in-memory stores and a manual clock.
class TestRoster final : public RosterClient {
 public:
  explicit TestRoster(roster::RosterConfig config = {})
      : metrics_(registry_, "roster"),
        logic_(rosters, offline, vcards, clock, config),
        service_(logic_, metrics_) {}

  BackendStatus getRoster(const v1::GetRosterRequest& r, v1::GetRosterResponse* o) override {
    return call([&] { return fromGrpc(service_.GetRoster(nullptr, &r, o)); });
  }
  BackendStatus setItem(const v1::SetItemRequest& r, v1::RosterEffects* o) override {
    return call([&] { return fromGrpc(service_.SetItem(nullptr, &r, o)); });
  }
  BackendStatus processSubscription(const v1::SubscriptionRequest& r,
                                    v1::SubscriptionResponse* o) override {
    return call([&] { return fromGrpc(service_.ProcessSubscription(nullptr, &r, o)); });
  }
  BackendStatus presenceTargets(const v1::UserRequest& r, v1::PresenceTargetsResponse* o) override {
    ++presenceTargetsCalls;
    return call([&] { return fromGrpc(service_.PresenceTargets(nullptr, &r, o)); });
  }
  BackendStatus pendingSubscriptions(const v1::UserRequest& r,
                                     v1::PendingSubscriptionsResponse* o) override {
    return call([&] { return fromGrpc(service_.PendingSubscriptions(nullptr, &r, o)); });
  }
  BackendStatus storeOffline(const v1::StoreOfflineRequest& r,
                             v1::StoreOfflineResponse* o) override {
    ++storeOfflineCalls;
    return call([&] { return fromGrpc(service_.StoreOffline(nullptr, &r, o)); });
  }
  BackendStatus fetchOffline(const v1::FetchOfflineRequest& r,
                             v1::FetchOfflineResponse* o) override {
    return call([&] { return fromGrpc(service_.FetchOffline(nullptr, &r, o)); });
  }
  BackendStatus ackOffline(const v1::AckOfflineRequest& r) override {
    v1::RosterEmpty empty;
    return call([&] { return fromGrpc(service_.AckOffline(nullptr, &r, &empty)); });
  }
  BackendStatus getVcard(const v1::VcardRequest& r, v1::VcardResponse* o) override {
    return call([&] { return fromGrpc(service_.GetVcard(nullptr, &r, o)); });
  }
  BackendStatus setVcard(const v1::SetVcardRequest& r) override {
    v1::RosterEmpty empty;
    return call([&] { return fromGrpc(service_.SetVcard(nullptr, &r, &empty)); });
  }

  /// Sets a subscription state directly (test set-up without a handshake).
  void setSubscription(const std::string& user, const std::string& contact,
                       storage::Subscription subscription) {
    auto r = rosters.updateItem(user, contact, [&](const std::optional<storage::RosterItem>& cur) {
      storage::RosterItem item = cur.value_or(storage::RosterItem{});
      item.subscription = subscription;
      return std::optional<storage::RosterItem>(item);
    });
    ASSERT_TRUE(r.has_value());
  }
  storage::RosterItem item(const std::string& user, const std::string& contact) {
    auto r = rosters.getItem(user, contact);
    return r ? *r : storage::RosterItem{};
  }
  std::size_t offlineCount(const std::string& user) {
    auto r = offline.fetch(user, 1000);
    return r ? r->size() : 0;
  }

  storage::InMemoryRosterStore rosters;
  storage::InMemoryOfflineStore offline;
  storage::InMemoryVcardStore vcards;
  ManualClock clock;
  std::atomic<bool> failing{false};
  std::atomic<int> presenceTargetsCalls{0};
  std::atomic<int> storeOfflineCalls{0};

 private:
  template <class F>
  BackendStatus call(F&& f) {
    if (failing) return fromGrpc({grpc::StatusCode::UNAVAILABLE, "failed to connect"});
    return f();
  }

  prometheus::Registry registry_;
  observability::RpcMetrics metrics_;
  roster::RosterLogic logic_;
  roster::RosterGrpcService service_;
};

/// PrivateStorageClient over the real logic and gRPC class, in-process, in memory.
class TestPrivateStorage final : public PrivateStorageClient {
 public:
  TestPrivateStorage()
      : metrics_(registry_, "roster"),
        logic_(store, {.maxElementBytes = 4096, .maxElementsPerUser = 3}),
        service_(logic_, metrics_) {}
  BackendStatus get(const v1::PrivateGetRequest& r, v1::PrivateGetResponse* o) override {
    return fromGrpc(service_.Get(nullptr, &r, o));
  }
  BackendStatus set(const v1::PrivateSetRequest& r) override {
    v1::RosterEmpty e;
    return fromGrpc(service_.Set(nullptr, &r, &e));
  }
  storage::InMemoryPrivateStore store;

 private:
  prometheus::Registry registry_;
  observability::RpcMetrics metrics_;
  roster::PrivateStorageLogic logic_;
  roster::PrivateStorageGrpcService service_;
};

/// BlockListClient over the real logic and gRPC class, in-process, in memory.
class TestBlockList final : public BlockListClient {
 public:
  TestBlockList() : metrics_(registry_, "roster"), logic_(store, 5), service_(logic_, metrics_) {}
  BackendStatus get(const v1::UserRequest& r, v1::BlockListResponse* o) override {
    ++gets;
    return fromGrpc(service_.Get(nullptr, &r, o));
  }
  BackendStatus block(const v1::BlockListChange& r, v1::BlockListResponse* o) override {
    return fromGrpc(service_.Block(nullptr, &r, o));
  }
  BackendStatus unblock(const v1::BlockListChange& r, v1::BlockListResponse* o) override {
    return fromGrpc(service_.Unblock(nullptr, &r, o));
  }
  storage::InMemoryBlockListStore store;
  std::atomic<int> gets{0};

 private:
  prometheus::Registry registry_;
  observability::RpcMetrics metrics_;
  roster::BlockListLogic logic_;
  roster::BlockListGrpcService service_;
};

/// LastActivityClient over the real gRPC class, in-process, in memory.
class TestLastActivity final : public LastActivityClient {
 public:
  TestLastActivity() : metrics_(registry_, "roster"), service_(store, metrics_) {}
  BackendStatus get(const v1::UserRequest& r, v1::LastActivityResponse* o) override {
    return fromGrpc(service_.Get(nullptr, &r, o));
  }
  BackendStatus set(const v1::SetLastActivityRequest& r) override {
    v1::RosterEmpty e;
    return fromGrpc(service_.Set(nullptr, &r, &e));
  }
  storage::InMemoryLastActivityStore store;

 private:
  prometheus::Registry registry_;
  observability::RpcMetrics metrics_;
  roster::LastActivityGrpcService service_;
};

class TestAccounts final : public AccountDirectory {
 public:
  Expected<bool, storage::StoreError> exists(const std::string& username) override {
    if (failing) return unexpected(storage::StoreError::kUnavailable);
    std::lock_guard lock(mu);
    return users.contains(username);
  }
  void add(const std::string& username) {
    std::lock_guard lock(mu);
    users.insert(username);
  }
  storage::StoreStatus remove(const std::string& username) override {
    std::lock_guard lock(mu);
    if (users.erase(username) == 0) return unexpected(storage::StoreError::kNotFound);
    return std::monostate{};
  }
  std::mutex mu;
  std::set<std::string> users;
  std::atomic<bool> failing{false};
};

/// Records every command, in order.
class RecordingSink final : public GatewaySink {
 public:
  struct Command {
    std::string gateway;
    std::optional<v1::Delivery> delivery;
    std::optional<v1::CloseSession> close;
  };

  void deliver(const std::string& gatewayId, v1::Delivery delivery) override {
    std::lock_guard lock(mu_);
    commands_.push_back({gatewayId, std::move(delivery), std::nullopt});
  }
  void close(const std::string& gatewayId, v1::CloseSession close) override {
    std::lock_guard lock(mu_);
    commands_.push_back({gatewayId, std::nullopt, std::move(close)});
  }
  // Kept apart from the commands: every bind gets one.
  void bindResult(const std::string&, v1::BindResult result) override {
    std::lock_guard lock(mu_);
    bindResults_.push_back(std::move(result));
  }
  std::vector<v1::BindResult> bindResults() const {
    std::lock_guard lock(mu_);
    return bindResults_;
  }

  std::vector<Command> commands() const {
    std::lock_guard lock(mu_);
    return commands_;
  }
  std::vector<v1::Delivery> deliveries() const {
    std::lock_guard lock(mu_);
    std::vector<v1::Delivery> out;
    for (const auto& c : commands_) {
      if (c.delivery) out.push_back(*c.delivery);
    }
    return out;
  }
  std::vector<v1::Delivery> deliveriesTo(const std::string& sessionId) const {
    std::vector<v1::Delivery> out;
    for (auto& d : deliveries()) {
      for (const auto& id : d.session_ids()) {
        if (id == sessionId) out.push_back(d);
      }
    }
    return out;
  }
  /// What a session received, as XML, in order (a to_recipient delivery addressed as the
  /// gateway does: to the session's bare JID).
  std::vector<std::string> received(const std::string& sessionId) const {
    std::vector<std::string> out;
    for (const auto& d : deliveriesTo(sessionId)) {
      if (!d.to_recipient()) {
        out.push_back(xmlOf(d.stanza()));
        continue;
      }
      v1::Stanza addressed = d.stanza();
      std::lock_guard lock(mu_);
      auto it = bares_.find(sessionId);
      addressed.set_to(it == bares_.end() ? "unknown-session" : it->second);
      out.push_back(xmlOf(addressed));
    }
    return out;
  }
  /// The bare JID a session is bound to (what a gateway knows).
  void knowSession(const std::string& sessionId, const std::string& bare) {
    std::lock_guard lock(mu_);
    bares_[sessionId] = bare;
  }
  void clear() {
    std::lock_guard lock(mu_);
    commands_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Command> commands_;
  std::vector<v1::BindResult> bindResults_;
  std::map<std::string, std::string> bares_;
};

/// A client session as the tests drive it.
/// The invalidation feed within one process: always active, announcements reach the
/// listeners at once.
class LocalInvalidationFeed final : public InvalidationFeed {
 public:
  int listen(const std::string& channel, Listener listener) override {
    listeners_[++nextId_] = {channel, std::move(listener)};
    return nextId_;
  }
  void unlisten(int id) override { listeners_.erase(id); }
  bool active() const override { return true; }
  bool publish(const std::string& channel, const std::string& key) override {
    ++published;
    for (auto& [id, l] : listeners_) {
      if (l.first == channel) l.second.evict(key);
    }
    return true;
  }
  int published = 0;

 private:
  std::map<int, std::pair<std::string, Listener>> listeners_;
  int nextId_ = 0;
};

struct Client {
  std::string sessionId;
  std::string gateway;
  std::string fullJid;
  std::string bare;
};

class RouterTest : public ::testing::Test {
 protected:
  /// `cacheRoster`: the router reads presence targets through a CachingRosterClient.
  explicit RouterTest(roster::RosterConfig rosterConfig = {}, RouterLimits limits = {},
                      RouterConfig routerConfig = config(), bool cacheRoster = false)
      : roster_(rosterConfig),
        cachedRoster_(roster_, feed_, {}),
        core_(directory_, cacheRoster ? static_cast<RosterClient&>(cachedRoster_) : roster_,
              accounts_, sink_, std::move(routerConfig), limits,
              {.privateStorage = &private_,
               .blockList = &blockList_,
               .lastActivity = &lastActivity_}) {
    for (const char* user : {"alice", "bob", "carol", "dave"}) accounts_.add(user);
  }

  static RouterConfig config() {
    RouterConfig c;
    c.domain = kDomain;
    c.serverName = "xmppd";
    c.serverVersion = "9.9";
    return c;
  }

  static std::string bareOf(const std::string& user) { return user + "@" + kDomain; }

  /// Binds a resource as the gateway does (sessionBound).
  Client bind(const std::string& user, const std::string& resource,
              const std::string& gateway = "gw1") {
    Client c{gateway + "/" + std::to_string(++counter_), gateway, bareOf(user) + "/" + resource,
             bareOf(user)};
    sink_.knowSession(c.sessionId, c.bare);
    core_.onSessionBound(info(c, false, 0, {}));
    return c;
  }

  static v1::SessionInfo info(const Client& c, bool available, int priority,
                              const std::optional<v1::Stanza>& presence, bool interested = false) {
    v1::SessionInfo s;
    s.set_session_id(c.sessionId);
    s.set_gateway_id(c.gateway);
    s.set_full_jid(c.fullJid);
    s.set_available(available);
    s.set_priority(priority);
    s.set_interested(interested);
    if (presence) *s.mutable_presence() = *presence;
    return s;
  }

  /// A client stanza, stamped with the client's full JID as the gateway does.
  void send(const Client& c, const std::string& xml) {
    v1::Stanza s = parseStanza(xml);
    s.set_from(c.fullJid);
    core_.onStanza(c.sessionId, std::move(s));
  }

  /// Available presence as the gateway handles it: sessionUpdated first, then the stanza.
  void available(const Client& c, int priority = 0, const std::string& show = {}) {
    std::string xml = "<presence>";
    if (!show.empty()) xml += "<show>" + show + "</show>";
    if (priority != 0) xml += "<priority>" + std::to_string(priority) + "</priority>";
    xml += "</presence>";
    v1::Stanza p = parseStanza(xml);
    p.set_from(c.fullJid);
    const bool interested = directory_.inner.find(c.bare, resourceOf(c)).has_value() &&
                            directory_.inner.find(c.bare, resourceOf(c))->interested();
    core_.onSessionUpdated(info(c, true, priority, p, interested));
    core_.onStanza(c.sessionId, p);
  }

  void unavailable(const Client& c) {
    core_.onSessionUpdated(info(c, false, 0, std::nullopt, interested(c)));
    send(c, "<presence type='unavailable'/>");
  }

  /// Requests the roster (the session becomes interested).
  void requestRoster(const Client& c) {
    send(c, "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
  }

  void end(const Client& c, bool wasAvailable = true) {
    v1::SessionEnded e;
    e.set_session_id(c.sessionId);
    e.set_full_jid(c.fullJid);
    e.set_was_available(wasAvailable);
    core_.onSessionEnded(e);
  }

  bool interested(const Client& c) {
    auto s = directory_.inner.find(c.bare, resourceOf(c));
    return s && s->interested();
  }

  static std::string resourceOf(const Client& c) {
    return c.fullJid.substr(c.fullJid.find('/') + 1);
  }

  std::vector<std::string> received(const Client& c) const { return sink_.received(c.sessionId); }
  /// The presence stanzas among them.
  std::vector<std::string> presences(const Client& c) const {
    std::vector<std::string> out;
    for (const auto& x : received(c)) {
      if (x.find("<presence") == 0) out.push_back(x);
    }
    return out;
  }

  /// Two users subscribed to each other ('both' on both sides).
  void befriend(const std::string& a, const std::string& b) {
    roster_.setSubscription(bareOf(a), bareOf(b), storage::Subscription::kBoth);
    roster_.setSubscription(bareOf(b), bareOf(a), storage::Subscription::kBoth);
  }

  TestDirectory directory_;
  TestRoster roster_;
  LocalInvalidationFeed feed_;
  CachingRosterClient cachedRoster_;
  TestAccounts accounts_;
  RecordingSink sink_;
  TestPrivateStorage private_;
  TestBlockList blockList_;
  TestLastActivity lastActivity_;
  RouterCore core_;
  int counter_ = 0;
};

}  // namespace xmpp::router::testing
