#include "router_links.hpp"

#include <mutex>

#include "network.hpp"
#include "xmpp/runtime/runtime.hpp"

namespace xmpp::gateway {

namespace {
constexpr auto kWatchEvery = std::chrono::milliseconds(200);

// FNV-1a: the same on every gateway, independent of the standard library's hash.
uint64_t score(std::string_view bareJid, size_t channel) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : bareJid) h = (h ^ ch) * 1099511628211ULL;
  h = (h ^ static_cast<unsigned char>(channel)) * 1099511628211ULL;
  h ^= h >> 29;  // the last byte alone decides too little
  return h * 0xbf58476d1ce4e5b9ULL;
}
}  // namespace

RouterLinks::RouterLinks(std::vector<std::string> addresses, std::string gatewayId,
                         SessionRegistry& registry, boost::asio::io_context& io,
                         GatewayMetrics& metrics, RouterChannelLimits limits)
    : metrics_(metrics), timer_(io) {
  for (auto& a : addresses) {
    channels_.push_back(
        std::make_unique<RouterChannel>(a, gatewayId, registry, io, metrics, limits));
  }
  serving_.assign(channels_.size(), true);
}

RouterLinks::~RouterLinks() { stop(); }

void RouterLinks::start() {
  for (auto& c : channels_) c->start();
  if (channels_.size() > 1) watch();
}

void RouterLinks::stop() {
  {
    std::unique_lock lock(mu_);
    if (std::exchange(stopped_, true)) return;
    timer_.cancel();
  }
  for (auto& c : channels_) c->stop();
}

bool RouterLinks::congested() const {
  for (const auto& c : channels_) {
    if (c->congested()) return true;
  }
  return false;
}

bool RouterLinks::connected() const {
  for (const auto& c : channels_) {
    if (!c->up()) return false;
  }
  return !channels_.empty();
}

size_t RouterLinks::indexFor(std::string_view bareJid) const {
  // Rendezvous: the serving channel with the highest score; all of them when none serves
  // (events wait in the backlogs, as with a single router).
  bool any = false;
  for (bool s : serving_) any = any || s;
  size_t best = 0;
  uint64_t bestScore = 0;
  for (size_t i = 0; i < channels_.size(); ++i) {
    if (any && !serving_[i]) continue;
    const uint64_t s = score(bareJid, i);
    if (s >= bestScore) {
      best = i;
      bestScore = s;
    }
  }
  return best;
}

void RouterLinks::watch() {
  timer_.expires_after(kWatchEvery);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const auto now = std::chrono::steady_clock::now();
    std::vector<bool> serving;
    for (const auto& c : channels_) serving.push_back(c->serving(now));
    bool changed;
    {
      std::shared_lock lock(mu_);
      if (stopped_) return;
      changed = serving != serving_;
    }
    if (changed) rebalance(std::move(serving));
    watch();
  });
}

void RouterLinks::rebalance(std::vector<bool> serving) {
  std::unique_lock lock(mu_);
  const std::vector<bool> before = std::exchange(serving_, std::move(serving));
  for (size_t i = 0; i < channels_.size(); ++i) {
    if (before[i] == serving_[i]) continue;
    runtime::logWarn(serving_[i] ? "router serving again: its users move back"
                                 : "router gone: its users move to the routers left",
                     {{"router", channels_[i]->address()}});
  }
  // Every channel gives up the users that hash elsewhere now; a channel that stopped serving
  // gives up its unsent events too (a serving one still sends its own).
  std::vector<Handover> moved(channels_.size());
  size_t sessions = 0;
  for (size_t i = 0; i < channels_.size(); ++i) {
    auto h = channels_[i]->handOver(
        [&](const std::string& bare) { return !bare.empty() && indexFor(bare) != i; },
        !serving_[i]);
    for (auto* list : {&h.confirmed, &h.pending}) {
      for (auto& s : *list) {
        auto& to = moved[indexFor(bareOf(s.full_jid()))];
        (list == &h.confirmed ? to.confirmed : to.pending).push_back(std::move(s));
        ++sessions;
      }
    }
    for (auto& ev : h.events) {
      // moves() held for its user: that user decides where it goes.
      moved[indexFor(userOf(ev))].events.push_back(std::move(ev));
    }
  }
  for (size_t i = 0; i < channels_.size(); ++i) channels_[i]->takeOver(std::move(moved[i]));
  metrics_.routerFailovers.Increment();
  metrics_.sessionsMoved.Increment(static_cast<double>(sessions));
}

void RouterLinks::sessionBound(const v1::SessionInfo& s) {
  std::shared_lock lock(mu_);
  pick(bareOf(s.full_jid())).sessionBound(s);
}

void RouterLinks::sessionUpdated(const v1::SessionInfo& s) {
  std::shared_lock lock(mu_);
  pick(bareOf(s.full_jid())).sessionUpdated(s);
}

void RouterLinks::sessionEnded(const v1::SessionEnded& e) {
  std::shared_lock lock(mu_);
  pick(bareOf(e.full_jid())).sessionEnded(e);
}

bool RouterLinks::stanza(const std::string& sessionId, const std::string& bareJid,
                         v1::Stanza& stanza) {
  metrics_.countIn(stanza);
  std::shared_lock lock(mu_);
  return pick(bareJid).sendStanza(sessionId, stanza);
}

void RouterLinks::undeliverable(const std::string& sessionId, const std::string& bareJid,
                                std::vector<v1::Stanza> stanzas) {
  v1::GatewayEvent ev;
  ev.mutable_undeliverable()->set_session_id(sessionId);
  for (auto& s : stanzas) *ev.mutable_undeliverable()->add_stanzas() = std::move(s);
  std::shared_lock lock(mu_);
  pick(bareJid).send(std::move(ev));
}

void RouterLinks::offlineAck(const std::string& bareJid, std::vector<int64_t> ids) {
  v1::GatewayEvent ev;
  ev.mutable_offline_ack()->set_user(bareJid);
  for (auto id : ids) ev.mutable_offline_ack()->add_ids(id);
  std::shared_lock lock(mu_);
  pick(bareJid).send(std::move(ev));
}

}  // namespace xmpp::gateway
