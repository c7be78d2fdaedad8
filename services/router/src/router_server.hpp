#pragma once
// The router's side of the data path: one gRPC bidi stream per gateway (callback API, never
// blocking a reactor), events handed to ordered workers, deliveries batched per gateway.

#include <grpcpp/grpcpp.h>

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

#include "ports.hpp"
#include "xmpp/v1/router.grpc.pb.h"

namespace xmpp::router {

class RouterCore;
class RedisSessionDirectory;

/// Tasks with the same key run in order on the same thread (RFC 6120 §10.1: one bare JID's
/// stanzas are processed in order); different keys spread over the threads.
class KeyedWorkers {
 public:
  explicit KeyedWorkers(size_t threads);
  ~KeyedWorkers();
  void post(std::string_view key, std::function<void()> task);
  size_t queued() const;

 private:
  struct Worker {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> queue;
    bool stop = false;
    std::thread thread;
  };
  std::vector<std::unique_ptr<Worker>> workers_;
};

class GatewayStream;

/// Outbound commands of one gateway stream, batched: while a write is in flight, commands
/// accumulate into the next batch.
class Outbox {
 public:
  explicit Outbox(GatewayStream* stream) : stream_(stream) {}
  void push(v1::RouterCommand command);
  void writeDone(bool ok);
  void finish();      // finish the stream once no write is in flight
  void streamGone();  // OnDone: drop everything from now on

 private:
  void startWriteLocked();
  std::mutex mu_;
  GatewayStream* stream_;
  v1::RouterBatch pending_;
  v1::RouterBatch inFlight_;
  bool writing_ = false;
  bool finishing_ = false;
  bool finished_ = false;
};

/// GatewaySink over the connected gateways' outboxes.
class GatewayHub final : public GatewaySink {
 public:
  void deliver(const std::string& gatewayId, v1::Delivery delivery) override;
  void close(const std::string& gatewayId, v1::CloseSession close) override;
  void bindResult(const std::string& gatewayId, v1::BindResult result) override;
  void attach(const std::string& gatewayId, std::shared_ptr<Outbox> outbox);
  void detach(const std::string& gatewayId, const std::shared_ptr<Outbox>& outbox);
  std::vector<std::string> connected() const;

 private:
  void push(const std::string& gatewayId, v1::RouterCommand command);
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Outbox>> outboxes_;
};

struct RouterMetrics {
  explicit RouterMetrics(prometheus::Registry& registry);
  prometheus::Family<prometheus::Counter>& events;
  prometheus::Family<prometheus::Counter>& stanzas;
  prometheus::Histogram& routingSeconds;
  prometheus::Gauge& gateways;
  prometheus::Gauge& queued;
  prometheus::Counter& gatewaysCleanedUp;
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

 private:
  std::function<void()> onHello_ = [] {};
  std::function<void(const std::string&)> onClosed_ = [](const std::string&) {};
  RouterCore& core_;
  KeyedWorkers& workers_;
  GatewayHub& hub_;
  RouterMetrics& metrics_;
};

/// Keeps connected gateways' heartbeat keys alive and cleans up after dead ones, once.
class GatewayLiveness {
 public:
  GatewayLiveness(RedisSessionDirectory& directory, GatewayHub& hub, RouterCore& core,
                  KeyedWorkers& workers, RouterMetrics& metrics, std::chrono::seconds ttl,
                  std::chrono::milliseconds interval);
  ~GatewayLiveness();
  /// Runs a tick now: a new gateway is registered in Redis at once, so that even one that
  /// dies within its first second is known, and found dead.
  void wake();
  /// A gateway's stream to this router ended (reactor thread: only queues).
  void streamClosed(const std::string& gatewayId);

 private:
  void loop();
  void tick();
  RedisSessionDirectory& directory_;
  GatewayHub& hub_;
  RouterCore& core_;
  KeyedWorkers& workers_;
  RouterMetrics& metrics_;
  std::chrono::seconds ttl_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::vector<std::string> closed_;  // gateways whose stream ended since the last tick
  std::thread thread_;
};

}  // namespace xmpp::router
