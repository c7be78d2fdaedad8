#pragma once
// The router's side of the data path: one gRPC bidi stream per gateway (callback API, never
// blocking a reactor), events handed to ordered workers, deliveries batched per gateway.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "gateway_hub.hpp"
#include "keyed_workers.hpp"
#include "ports.hpp"
#include "xmpp/v1/router.grpc.pb.h"

namespace xmpp::router {

class RouterCore;
class RedisSessionDirectory;

struct RouterMetrics {
  explicit RouterMetrics(prometheus::Registry& registry);
  prometheus::Family<prometheus::Counter>& events;
  prometheus::Family<prometheus::Counter>& stanzas;
  prometheus::Histogram& routingSeconds;
  prometheus::Gauge& gateways;
  prometheus::Gauge& queued;
  prometheus::Counter& gatewaysCleanedUp;
  prometheus::Counter& readPauses;  // gateway streams paused: the workers' queues were full
  prometheus::Counter& directoryResets;
  prometheus::Gauge& outboxBytes;
  prometheus::Family<prometheus::Counter>& unreachable;  // by command kind and outcome
};

/// The router's Unreachable handler: a message delivery goes to offline storage (on its
/// recipient's worker), an offline delivery stays stored (it comes again), the rest is given
/// up on; each counted in xmpp_router_unreachable_total and logged (at most once a second).
Unreachable handBackUnreachable(RouterCore& core, KeyedWorkers& workers, RouterMetrics& metrics);

/// What the streams tell a drain: how many still read, how many are open.
struct StreamCounts {
  std::atomic<bool> draining{false};
  std::atomic<int> reading{0};
  std::atomic<int> open{0};
  std::mutex mu;
  std::condition_variable cv;
  void changed() {
    { std::lock_guard lock(mu); }
    cv.notify_all();
  }
};

class RouterService final : public v1::Router::CallbackService {
 public:
  RouterService(RouterCore& core, KeyedWorkers& workers, GatewayHub& hub, RouterMetrics& metrics)
      : core_(core), workers_(workers), hub_(hub), metrics_(metrics) {}
  grpc::ServerBidiReactor<v1::GatewayBatch, v1::RouterBatch>* Connect(
      grpc::CallbackServerContext* context) override;
  /// Called (on a reactor thread: must not block) when a gateway says hello, and when its
  /// stream ends, with the gateway id.
  void onGatewayHello(std::function<void()> f) { onHello_ = std::move(f); }
  void onGatewayStreamClosed(std::function<void(const std::string&)> f) {
    onClosed_ = std::move(f);
  }
  /// A graceful stop (SIGTERM), bounded by `limit`: every gateway is told GoingAway, moves
  /// this router's users to the others and half-closes; once every stream's reads ended and
  /// the workers ran what was read, the outboxes are flushed and the streams end. Nothing
  /// the gateways wrote is left unread, nothing routed is left unsent.
  void drain(std::chrono::milliseconds limit);

 private:
  std::function<void()> onHello_ = [] {};
  std::function<void(const std::string&)> onClosed_ = [](const std::string&) {};
  RouterCore& core_;
  KeyedWorkers& workers_;
  GatewayHub& hub_;
  RouterMetrics& metrics_;
  StreamCounts counts_;
};

}  // namespace xmpp::router
