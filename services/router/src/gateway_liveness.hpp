#pragma once
// Gateway liveness and the session directory's self-healing (issue 9, case 1). Every router
// keeps the heartbeat key of each gateway connected to it alive; a gateway whose key expired
// is dead, and exactly one router sweeps its sessions (unavailable to contacts, directory
// cleaned). Sweeping waits a grace period after the router starts listening, so gateways
// reconnect and announce their sessions first; one that connected here since and is gone
// again needs no grace. A sweep removes only the directory values it
// read, so a gateway back from a break keeps the sessions it announced again. A changed
// directory epoch (Redis came back empty) makes every gateway announce its sessions anew.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace xmpp::router {

class GatewayHub;
class KeyedWorkers;
class RedisSessionDirectory;
class RouterCore;
struct RouterMetrics;

class RedisResumableSessions;

struct LivenessOptions {
  std::chrono::seconds ttl{5};                   // heartbeat key lifetime
  std::chrono::milliseconds interval{1000};      // between ticks
  std::chrono::milliseconds sweepGrace{10'000};  // after listening, before the first sweep
  /// The directory came back empty (e.g. drops the routing cache); called before gateways
  /// are asked to announce.
  std::function<void()> onDirectoryReset = [] {};
  /// XEP-0198: detached sessions whose resumption time ran out are ended (null: none kept).
  RedisResumableSessions* resumable = nullptr;
};

class GatewayLiveness {
 public:
  GatewayLiveness(RedisSessionDirectory& directory, GatewayHub& hub, RouterCore& core,
                  KeyedWorkers& workers, RouterMetrics& metrics, LivenessOptions options);
  ~GatewayLiveness();
  /// The router listens: heartbeats start, sweeps after the grace period.
  void start();
  /// Runs a tick now: a new gateway is registered in Redis at once, so that even one that
  /// dies within its first second is known, and found dead.
  void wake();
  /// A gateway's stream to this router ended (reactor thread: only queues).
  void streamClosed(const std::string& gatewayId);

 private:
  void loop();
  void tick();
  void expireResumptions();
  void checkEpoch();
  void sweep(const std::string& gatewayId);
  RedisSessionDirectory& directory_;
  GatewayHub& hub_;
  RouterCore& core_;
  KeyedWorkers& workers_;
  RouterMetrics& metrics_;
  const LivenessOptions options_;
  std::string epoch_;  // last seen; empty until read once
  std::chrono::steady_clock::time_point sweepFrom_;
  std::set<std::string> seenInGrace_;  // connected here during the grace (tick thread only)
  std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stop_ = false;
  bool woken_ = false;
  std::vector<std::string> closed_;  // gateways whose stream ended since the last tick
  std::thread thread_;
};

}  // namespace xmpp::router
