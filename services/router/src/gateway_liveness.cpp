#include "gateway_liveness.hpp"

#include <algorithm>
#include <atomic>
#include <random>
#include <set>

#include "redis_session_directory.hpp"
#include "router_core.hpp"
#include "router_server.hpp"
#include "xmpp/runtime/runtime.hpp"

namespace xmpp::router {

namespace {
std::string randomEpoch() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) out += hex[rd() % 16];
  return out;
}
}  // namespace

GatewayLiveness::GatewayLiveness(RedisSessionDirectory& directory, GatewayHub& hub,
                                 RouterCore& core, KeyedWorkers& workers, RouterMetrics& metrics,
                                 LivenessOptions options)
    : directory_(directory),
      hub_(hub),
      core_(core),
      workers_(workers),
      metrics_(metrics),
      options_(std::move(options)),
      thread_([this] { loop(); }) {}

GatewayLiveness::~GatewayLiveness() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void GatewayLiveness::start() {
  {
    std::lock_guard lock(mu_);
    sweepFrom_ = std::chrono::steady_clock::now() + options_.sweepGrace;
    started_ = true;
    woken_ = true;
  }
  cv_.notify_one();
}

void GatewayLiveness::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

void GatewayLiveness::streamClosed(const std::string& gatewayId) {
  {
    std::lock_guard lock(mu_);
    closed_.push_back(gatewayId);
    woken_ = true;
  }
  cv_.notify_one();
}

void GatewayLiveness::loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    woken_ = false;
    if (started_) {
      lock.unlock();
      tick();
      lock.lock();
    }
    cv_.wait_for(lock, options_.interval, [&] { return stop_ || woken_; });
  }
}

void GatewayLiveness::tick() {
  std::vector<std::string> closed;
  {
    std::lock_guard lock(mu_);
    closed.swap(closed_);
  }
  const auto connected = hub_.connected();
  metrics_.gateways.Set(static_cast<double>(connected.size()));
  metrics_.queued.Set(static_cast<double>(workers_.queued()));
  hub_.expireParked();
  metrics_.outboxBytes.Set(static_cast<double>(hub_.queuedBytes()));
  checkEpoch();
  expireResumptions();
  // Ours first: a gateway connected here is alive, whatever the directory says.
  for (const auto& id : connected) (void)directory_.heartbeat(id, options_.ttl);
  for (const auto& id : closed) {
    // Not reconnected meanwhile: let its heartbeat lapse sooner (2 s, or what is left).
    if (std::find(connected.begin(), connected.end(), id) == connected.end()) {
      (void)directory_.expireSoon(id, std::min(options_.ttl, std::chrono::seconds(2)));
    }
  }
  // During the grace, gateways are still coming back: only one that came and went again
  // is swept (a gateway killed right after a router restart goes unavailable in seconds).
  const bool inGrace = std::chrono::steady_clock::now() < sweepFrom_;
  if (inGrace) {
    seenInGrace_.insert(connected.begin(), connected.end());
    if (seenInGrace_.empty()) return;
  } else {
    seenInGrace_.clear();
  }
  auto dead = directory_.deadGateways();
  if (!dead) return;
  for (const auto& id : *dead) {
    if (inGrace && seenInGrace_.count(id) == 0) continue;
    if (!hub_.isConnected(id)) sweep(id);  // connected since: the next heartbeat revives it
  }
}

// Whichever router takes a due session out of Redis ends it, on its bare JID's worker.
void GatewayLiveness::expireResumptions() {
  if (options_.resumable == nullptr) return;
  constexpr size_t kPerTick = 200;
  auto expired = options_.resumable->redis().expireDue(kPerTick);
  if (!expired) return;
  RouterCore& core = core_;
  for (auto& e : *expired) {
    auto info = std::make_shared<v1::SessionInfo>();
    (void)info->ParseFromString(e.info);
    auto unacked = std::make_shared<std::vector<v1::ResumableStanza>>();
    for (const auto& bytes : e.unacked) {
      if (!unacked->emplace_back().ParseFromString(bytes)) unacked->pop_back();
    }
    runtime::logInfo("resumption time ran out",
                     {{"session", e.sessionId}, {"unacked", std::to_string(unacked->size())}});
    workers_.post(e.account, [&core, sid = e.sessionId, jid = e.fullJid, info, unacked] {
      core.onResumptionExpired(sid, jid, *info, *unacked);
    });
  }
}

void GatewayLiveness::checkEpoch() {
  auto epoch = directory_.epoch(randomEpoch());
  if (!epoch) return;
  if (epoch_.empty() || *epoch == epoch_) {
    epoch_ = *epoch;
    return;
  }
  epoch_ = *epoch;
  runtime::logWarn(
      "session directory was emptied (Redis restarted without its data): "
      "gateways announce their sessions again",
      {{"epoch", epoch_}});
  metrics_.directoryResets.Increment();
  options_.onDirectoryReset();
  hub_.announceSessions();
}

void GatewayLiveness::sweep(const std::string& id) {
  auto claimed = directory_.claimCleanup(id);
  if (!claimed || !*claimed) return;  // another router does it
  auto sessions = directory_.sessionsOfGateway(id);
  if (!sessions) {
    (void)directory_.releaseClaim(id);  // try again at the next tick
    return;
  }
  // Sessions this router knows that never reached the directory end too.
  std::set<std::string> listed;
  for (const auto& s : *sessions) listed.insert(s.session_id());
  // Detached ones (XEP-0198) wait for a resume or their expiry, which ends them: a sweep has
  // nothing to do for them (they keep the gateway listed until then, and it is swept again).
  std::erase_if(*sessions, [](const v1::SessionInfo& s) { return s.detached(); });
  for (auto& s : core_.localSessionsOfGateway(id)) {
    if (listed.count(s.session_id()) == 0) sessions->push_back(std::move(s));
  }
  if (sessions->empty() && !listed.empty()) {
    (void)directory_.finishCleanup(id);  // only detached ones left: nothing to log or count
    return;
  }
  runtime::logWarn("gateway dead, cleaning up",
                   {{"gateway", id}, {"sessions", std::to_string(sessions->size())}});
  hub_.giveUp(id);  // parked for it: messages to the sessions' next place, or offline
  metrics_.gatewaysCleanedUp.Increment();
  // Each session is swept on its bare JID's worker, in order with whatever the gateway
  // announces for it later; the gateway is forgotten after the last one (unless it is back).
  auto remaining = std::make_shared<std::atomic<size_t>>(sessions->size() + 1);
  RedisSessionDirectory& directory = directory_;
  auto done = [&directory, id, remaining] {
    if (remaining->fetch_sub(1) == 1) (void)directory.finishCleanup(id);
  };
  RouterCore& core = core_;
  for (auto& s : *sessions) {
    const std::string bare = s.full_jid().substr(0, s.full_jid().find('/'));
    workers_.post(bare, [&core, s = std::move(s), done] {
      core.onSessionSwept(s);
      done();
    });
  }
  done();
}

}  // namespace xmpp::router
