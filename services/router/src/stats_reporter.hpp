#pragma once
// Exports RouterCore's give-up counters (stanzas dropped by a rule, errors sent, failed backend
// calls, resource conflicts) to Prometheus, and logs at info, at most once per `logEvery`,
// how many stanzas were dropped and backend calls failed since the last line, so an operator
// sees every give-up path in /metrics and in the log without a line per stanza.

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "router_core.hpp"

namespace xmpp::router {

class StatsReporter {
 public:
  StatsReporter(const RouterCore& core, prometheus::Registry& registry,
                std::chrono::milliseconds every = std::chrono::seconds(1),
                std::chrono::seconds logEvery = std::chrono::seconds(10));
  ~StatsReporter();
  StatsReporter(const StatsReporter&) = delete;
  StatsReporter& operator=(const StatsReporter&) = delete;

  /// Brings the counters up to date (also called by the reporter's own thread).
  void update();

 private:
  void run();

  const RouterCore& core_;
  prometheus::Counter& dropped_;
  prometheus::Counter& errorsSent_;
  prometheus::Counter& backendErrors_;
  prometheus::Counter& conflicts_;
  prometheus::Counter& restored_;
  prometheus::Family<prometheus::Counter>& resumption_;  // XEP-0198, by outcome
  const std::chrono::milliseconds every_;
  const std::chrono::seconds logEvery_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                               // guarded by mu_
  RouterStats last_;                                // guarded by mu_
  RouterStats lastLogged_;                          // guarded by mu_
  std::chrono::steady_clock::time_point loggedAt_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace xmpp::router
