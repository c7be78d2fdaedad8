#include "router_server.hpp"

#include <algorithm>

#include "redis_session_directory.hpp"
#include "router_core.hpp"
#include "xmpp/runtime/runtime.hpp"

namespace xmpp::router {

// ---- KeyedWorkers ----

KeyedWorkers::KeyedWorkers(size_t threads) {
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) {
    auto w = std::make_unique<Worker>();
    Worker* self = w.get();
    w->thread = std::thread([self] {
      for (;;) {
        std::function<void()> task;
        {
          std::unique_lock lock(self->mu);
          self->cv.wait(lock, [&] { return self->stop || !self->queue.empty(); });
          if (self->queue.empty()) return;  // stopping and drained
          task = std::move(self->queue.front());
          self->queue.pop_front();
        }
        try {
          task();
        } catch (const std::exception& e) {
          runtime::logError("router task failed", {{"error", e.what()}});
        }
      }
    });
    workers_.push_back(std::move(w));
  }
}

KeyedWorkers::~KeyedWorkers() {
  for (auto& w : workers_) {
    {
      std::lock_guard lock(w->mu);
      w->stop = true;
    }
    w->cv.notify_one();
  }
  for (auto& w : workers_) w->thread.join();
}

void KeyedWorkers::post(std::string_view key, std::function<void()> task) {
  Worker& w = *workers_[std::hash<std::string_view>{}(key) % workers_.size()];
  bool wasEmpty;
  {
    std::lock_guard lock(w.mu);
    wasEmpty = w.queue.empty();
    w.queue.push_back(std::move(task));
  }
  // A busy worker drains its queue without waiting: wake it only when it may be asleep
  // (one futex call per burst instead of per event).
  if (wasEmpty) w.cv.notify_one();
}

size_t KeyedWorkers::queued() const {
  size_t n = 0;
  for (const auto& w : workers_) {
    std::lock_guard lock(w->mu);
    n += w->queue.size();
  }
  return n;
}

// ---- GatewayStream ----

namespace {

std::string bareOf(const std::string& jid) {
  auto slash = jid.find('/');
  return slash == std::string::npos ? jid : jid.substr(0, slash);
}

}  // namespace

class GatewayStream final : public grpc::ServerBidiReactor<v1::GatewayBatch, v1::RouterBatch> {
 public:
  GatewayStream(RouterCore& core, KeyedWorkers& workers, GatewayHub& hub, RouterMetrics& metrics,
                std::function<void()> onHello, std::function<void(const std::string&)> onClosed)
      : core_(core),
        workers_(workers),
        hub_(hub),
        metrics_(metrics),
        onHello_(std::move(onHello)),
        onClosed_(std::move(onClosed)) {
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the gateway closed its side, or the stream broke
      if (outbox_) {
        outbox_->finish();
      } else {
        Finish(grpc::Status::OK);
      }
      return;
    }
    if (in_.has_hello() && gatewayId_.empty()) {
      gatewayId_ = in_.hello().gateway_id();
      outbox_ = std::make_shared<Outbox>(this);
      hub_.attach(gatewayId_, outbox_);
      runtime::logInfo("gateway connected", {{"gateway", gatewayId_}});
      onHello_();
    }
    if (gatewayId_.empty()) {
      Finish(grpc::Status(grpc::INVALID_ARGUMENT, "hello first"));
      return;
    }
    const auto received = std::chrono::steady_clock::now();
    for (auto& ev : *in_.mutable_events()) dispatch(std::move(ev), received);
    in_.Clear();
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override { outbox_->writeDone(ok); }

  void OnDone() override {
    if (outbox_) {
      hub_.detach(gatewayId_, outbox_);
      outbox_->streamGone();
      runtime::logInfo("gateway stream closed", {{"gateway", gatewayId_}});
      onClosed_(gatewayId_);
    }
    delete this;
  }

 private:
  void dispatch(v1::GatewayEvent ev, std::chrono::steady_clock::time_point received) {
    auto shared = std::make_shared<v1::GatewayEvent>(std::move(ev));
    std::string key;
    const char* kind = "other";
    switch (shared->event_case()) {
      case v1::GatewayEvent::kSessionBound:
        key = bareOf(shared->session_bound().full_jid());
        kind = "session_bound";
        break;
      case v1::GatewayEvent::kSessionEnded:
        key = bareOf(shared->session_ended().full_jid());
        kind = "session_ended";
        break;
      case v1::GatewayEvent::kSessionUpdate:
        key = bareOf(shared->session_update().session().full_jid());
        kind = "session_update";
        break;
      case v1::GatewayEvent::kStanza:
        key = bareOf(shared->stanza().stanza().from());
        kind = "stanza";
        break;
      case v1::GatewayEvent::kUndeliverable:
        key = shared->undeliverable().session_id();
        kind = "undeliverable";
        break;
      case v1::GatewayEvent::kOfflineAck:
        key = shared->offline_ack().user();
        kind = "offline_ack";
        break;
      case v1::GatewayEvent::EVENT_NOT_SET:
        return;
    }
    metrics_.events.Add({{"kind", kind}}).Increment();
    RouterCore& core = core_;
    RouterMetrics& metrics = metrics_;
    workers_.post(key, [&core, &metrics, shared, received] {
      switch (shared->event_case()) {
        case v1::GatewayEvent::kSessionBound:
          core.onSessionBound(shared->session_bound());
          break;
        case v1::GatewayEvent::kSessionEnded:
          core.onSessionEnded(shared->session_ended());
          break;
        case v1::GatewayEvent::kSessionUpdate:
          core.onSessionUpdated(shared->session_update().session());
          break;
        case v1::GatewayEvent::kStanza: {
          auto* s = shared->mutable_stanza();
          const char* k = s->stanza().kind() == v1::STANZA_KIND_MESSAGE    ? "message"
                          : s->stanza().kind() == v1::STANZA_KIND_PRESENCE ? "presence"
                          : s->stanza().kind() == v1::STANZA_KIND_IQ       ? "iq"
                                                                           : "other";
          metrics.stanzas.Add({{"kind", k}}).Increment();
          core.onStanza(s->session_id(), std::move(*s->mutable_stanza()));
          metrics.routingSeconds.Observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - received).count());
          break;
        }
        case v1::GatewayEvent::kUndeliverable:
          core.onUndeliverable(shared->undeliverable());
          break;
        case v1::GatewayEvent::kOfflineAck:
          core.onOfflineAck(shared->offline_ack());
          break;
        case v1::GatewayEvent::EVENT_NOT_SET:
          break;
      }
    });
  }

  RouterCore& core_;
  KeyedWorkers& workers_;
  GatewayHub& hub_;
  RouterMetrics& metrics_;
  std::function<void()> onHello_;
  std::function<void(const std::string&)> onClosed_;
  v1::GatewayBatch in_;
  std::string gatewayId_;
  std::shared_ptr<Outbox> outbox_;
};

grpc::ServerBidiReactor<v1::GatewayBatch, v1::RouterBatch>* RouterService::Connect(
    grpc::CallbackServerContext*) {
  return new GatewayStream(core_, workers_, hub_, metrics_, onHello_, onClosed_);
}

// ---- Outbox ----

void Outbox::startWriteLocked() {
  writing_ = true;
  inFlight_.Clear();
  inFlight_.Swap(&pending_);
  stream_->StartWrite(&inFlight_);
}

void Outbox::push(v1::RouterCommand command) {
  std::lock_guard lock(mu_);
  if (stream_ == nullptr || finishing_) return;
  *pending_.add_commands() = std::move(command);
  if (!writing_) startWriteLocked();
}

void Outbox::writeDone(bool ok) {
  std::lock_guard lock(mu_);
  writing_ = false;
  if (!ok || stream_ == nullptr) return;
  if (finishing_) {
    if (!finished_) {
      finished_ = true;
      stream_->Finish(grpc::Status::OK);
    }
    return;
  }
  if (pending_.commands_size() > 0) startWriteLocked();
}

void Outbox::finish() {
  std::lock_guard lock(mu_);
  finishing_ = true;
  if (!writing_ && !finished_ && stream_ != nullptr) {
    finished_ = true;
    stream_->Finish(grpc::Status::OK);
  }
}

void Outbox::streamGone() {
  std::lock_guard lock(mu_);
  stream_ = nullptr;
  pending_.Clear();
}

// ---- GatewayHub ----

void GatewayHub::push(const std::string& gatewayId, v1::RouterCommand command) {
  std::shared_ptr<Outbox> box;
  {
    std::lock_guard lock(mu_);
    auto it = outboxes_.find(gatewayId);
    if (it == outboxes_.end()) return;  // gateway gone: its sessions are being cleaned up
    box = it->second;
  }
  box->push(std::move(command));
}

void GatewayHub::deliver(const std::string& gatewayId, v1::Delivery delivery) {
  v1::RouterCommand c;
  *c.mutable_delivery() = std::move(delivery);
  push(gatewayId, std::move(c));
}

void GatewayHub::close(const std::string& gatewayId, v1::CloseSession close) {
  v1::RouterCommand c;
  *c.mutable_close() = std::move(close);
  push(gatewayId, std::move(c));
}

void GatewayHub::bindResult(const std::string& gatewayId, v1::BindResult result) {
  v1::RouterCommand c;
  *c.mutable_bind_result() = std::move(result);
  push(gatewayId, std::move(c));
}

void GatewayHub::attach(const std::string& gatewayId, std::shared_ptr<Outbox> outbox) {
  std::lock_guard lock(mu_);
  outboxes_[gatewayId] = std::move(outbox);
}

void GatewayHub::detach(const std::string& gatewayId, const std::shared_ptr<Outbox>& outbox) {
  std::lock_guard lock(mu_);
  auto it = outboxes_.find(gatewayId);
  if (it != outboxes_.end() && it->second == outbox) outboxes_.erase(it);
}

std::vector<std::string> GatewayHub::connected() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> ids;
  for (const auto& [id, box] : outboxes_) ids.push_back(id);
  return ids;
}

// ---- metrics ----

RouterMetrics::RouterMetrics(prometheus::Registry& r)
    : events(prometheus::BuildCounter()
                 .Name("xmpp_router_events_total")
                 .Help("Events received from gateways, by kind")
                 .Register(r)),
      stanzas(prometheus::BuildCounter()
                  .Name("xmpp_router_stanzas_total")
                  .Help("Client stanzas routed, by kind")
                  .Register(r)),
      routingSeconds(
          prometheus::BuildHistogram()
              .Name("xmpp_routing_duration_seconds")
              .Help("From receipt of a stanza to its deliveries queued")
              .Register(r)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.00005, 0.0001, 0.00025, 0.0005,
                                                               0.001, 0.0025, 0.005, 0.01, 0.025,
                                                               0.05, 0.1, 0.25, 1})),
      gateways(prometheus::BuildGauge()
                   .Name("xmpp_router_gateways_connected")
                   .Help("Gateways with an open stream to this router")
                   .Register(r)
                   .Add({})),
      queued(prometheus::BuildGauge()
                 .Name("xmpp_router_queue_depth")
                 .Help("Events waiting for a router worker")
                 .Register(r)
                 .Add({})),
      gatewaysCleanedUp(prometheus::BuildCounter()
                            .Name("xmpp_router_dead_gateways_total")
                            .Help("Dead gateways whose sessions this router cleaned up")
                            .Register(r)
                            .Add({})) {}

// ---- GatewayLiveness ----

GatewayLiveness::GatewayLiveness(RedisSessionDirectory& directory, GatewayHub& hub,
                                 RouterCore& core, KeyedWorkers& workers, RouterMetrics& metrics,
                                 std::chrono::seconds ttl, std::chrono::milliseconds interval)
    : directory_(directory),
      hub_(hub),
      core_(core),
      workers_(workers),
      metrics_(metrics),
      ttl_(ttl),
      interval_(interval),
      thread_([this] { loop(); }) {}

GatewayLiveness::~GatewayLiveness() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
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
    lock.unlock();
    tick();
    lock.lock();
    cv_.wait_for(lock, interval_, [&] { return stop_ || woken_; });
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
  for (const auto& id : connected) (void)directory_.heartbeat(id, ttl_);
  for (const auto& id : closed) {
    // Not reconnected meanwhile: let its heartbeat lapse sooner (2 s, or what is left).
    if (std::find(connected.begin(), connected.end(), id) == connected.end()) {
      (void)directory_.expireSoon(id, std::min(ttl_, std::chrono::seconds(2)));
    }
  }
  auto dead = directory_.deadGateways();
  if (!dead) return;
  for (const auto& id : *dead) {
    auto claimed = directory_.claimCleanup(id);
    if (!claimed || !*claimed) continue;  // another router does it
    auto sessions = directory_.sessionsOfGateway(id);
    if (!sessions) {
      (void)directory_.releaseClaim(id);  // try again at the next tick
      continue;
    }
    runtime::logWarn("gateway dead, cleaning up",
                     {{"gateway", id}, {"sessions", std::to_string(sessions->size())}});
    metrics_.gatewaysCleanedUp.Increment();
    RouterCore& core = core_;
    RedisSessionDirectory& directory = directory_;
    workers_.post(id, [&core, &directory, id, sessions = std::move(*sessions)] {
      core.onGatewayGone(id, sessions);
      (void)directory.forgetGateway(id);
    });
  }
}

}  // namespace xmpp::router
