#include "router_server.hpp"

#include <algorithm>
#include <future>

#include "redis_session_directory.hpp"
#include "router_core.hpp"
#include "xmpp/runtime/runtime.hpp"

namespace xmpp::router {

// ---- GatewayStream ----

namespace {

std::string bareOf(const std::string& jid) {
  auto slash = jid.find('/');
  return slash == std::string::npos ? jid : jid.substr(0, slash);
}

}  // namespace

class GatewayStream final : public grpc::ServerBidiReactor<v1::GatewayBatch, v1::RouterBatch>,
                            public CommandStream {
 public:
  GatewayStream(RouterCore& core, KeyedWorkers& workers, GatewayHub& hub, RouterMetrics& metrics,
                StreamCounts& counts, std::function<void()> onHello,
                std::function<void(const std::string&)> onClosed)
      : core_(core),
        workers_(workers),
        hub_(hub),
        metrics_(metrics),
        counts_(counts),
        onHello_(std::move(onHello)),
        onClosed_(std::move(onClosed)) {
    counts_.reading.fetch_add(1);
    counts_.open.fetch_add(1);
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the gateway closed its side, or the stream broke
      readsEnded();
      if (counts_.draining.load() && outbox_) return;  // the drain ends it, flushed
      if (outbox_) {
        outbox_->finish(this);
      } else {
        Finish(grpc::Status::OK);
      }
      return;
    }
    if (in_.has_hello() && gatewayId_.empty()) {
      gatewayId_ = in_.hello().gateway_id();
      outbox_ = hub_.attach(gatewayId_, this);
      // A draining router takes no new users: the gateway keeps its events for another.
      v1::RouterCommand first;
      if (counts_.draining.load()) {
        first.mutable_going_away();
      } else {
        first.mutable_welcome();
      }
      outbox_->push(std::move(first));
      runtime::logInfo("gateway connected", {{"gateway", gatewayId_}});
      onHello_();
    }
    if (gatewayId_.empty()) {
      Finish(grpc::Status(grpc::INVALID_ARGUMENT, "hello first"));
      return;
    }
    const auto received = std::chrono::steady_clock::now();
    for (auto& ev : *in_.mutable_events()) dispatch(std::move(ev), received);
    in_ = v1::GatewayBatch();  // not Clear(): that keeps a peak batch's events allocated
    if (workers_.overloaded()) {
      // Back-pressure (issue 9, case 6): no more reading until the workers caught up; the
      // gateway's writes wait in HTTP/2 flow control, then in its own bounded backlog.
      metrics_.readPauses.Increment();
      workers_.whenDrained([this] { StartRead(&in_); });
      return;
    }
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override { outbox_->writeDone(this, ok); }

  // CommandStream (called by the outbox, under its lock)
  v1::RouterBatch& outgoing() override { return out_; }
  void startWrite() override { StartWrite(&out_); }
  void finish() override { Finish(grpc::Status::OK); }

  void OnDone() override {
    readsEnded();
    counts_.open.fetch_sub(1);
    counts_.changed();
    if (outbox_) {
      outbox_->streamGone(this);
      runtime::logInfo("gateway stream closed", {{"gateway", gatewayId_}});
      onClosed_(gatewayId_);
    }
    delete this;
  }

 private:
  void readsEnded() {
    if (std::exchange(reading_, false)) {
      counts_.reading.fetch_sub(1);
      counts_.changed();
    }
  }

  void dispatch(v1::GatewayEvent ev, std::chrono::steady_clock::time_point received) {
    const size_t bytes = ev.ByteSizeLong();
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
      case v1::GatewayEvent::kSessionAnnounce:
        key = bareOf(shared->session_announce().full_jid());
        kind = "session_announce";
        break;
      case v1::GatewayEvent::EVENT_NOT_SET:
        return;
    }
    metrics_.events.Add({{"kind", kind}}).Increment();
    RouterCore& core = core_;
    RouterMetrics& metrics = metrics_;
    workers_.post(
        key,
        [&core, &metrics, shared, received] {
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
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - received)
                      .count());
              break;
            }
            case v1::GatewayEvent::kUndeliverable:
              core.onUndeliverable(shared->undeliverable());
              break;
            case v1::GatewayEvent::kOfflineAck:
              core.onOfflineAck(shared->offline_ack());
              break;
            case v1::GatewayEvent::kSessionAnnounce:
              core.onSessionAnnounced(shared->session_announce());
              break;
            case v1::GatewayEvent::EVENT_NOT_SET:
              break;
          }
        },
        bytes);
  }

  RouterCore& core_;
  KeyedWorkers& workers_;
  GatewayHub& hub_;
  RouterMetrics& metrics_;
  StreamCounts& counts_;
  bool reading_ = true;  // reactor callbacks are serialised per stream
  std::function<void()> onHello_;
  std::function<void(const std::string&)> onClosed_;
  v1::GatewayBatch in_;
  v1::RouterBatch out_;
  std::string gatewayId_;
  std::shared_ptr<Outbox> outbox_;
};

grpc::ServerBidiReactor<v1::GatewayBatch, v1::RouterBatch>* RouterService::Connect(
    grpc::CallbackServerContext*) {
  return new GatewayStream(core_, workers_, hub_, metrics_, counts_, onHello_, onClosed_);
}

void RouterService::drain(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  counts_.draining = true;
  const int gateways = counts_.open.load();
  runtime::logInfo("draining: gateways move their users to the other routers",
                   {{"streams", std::to_string(gateways)}});
  hub_.goAway();
  std::unique_lock lock(counts_.mu);
  const bool read = counts_.cv.wait_until(lock, deadline, [&] { return counts_.reading <= 0; });
  lock.unlock();
  // Everything read has been handed to the workers: once they ran it, it is in the outboxes.
  auto ran = std::make_shared<std::promise<void>>();
  auto workersDone = ran->get_future();
  workers_.afterAll([ran] { ran->set_value(); });  // shared: it may run after a timed-out drain
  const bool worked = workersDone.wait_until(deadline) == std::future_status::ready;
  hub_.finishAll();
  lock.lock();
  const bool ended = counts_.cv.wait_until(lock, deadline, [&] { return counts_.open <= 0; });
  runtime::logInfo("drained", {{"all_read", read ? "yes" : "no"},
                               {"all_ended", ended ? "yes" : "no"},
                               {"workers_done", worked ? "yes" : "no"}});
}

// ---- unreachable commands ----

Unreachable handBackUnreachable(RouterCore& core, KeyedWorkers& workers, RouterMetrics& metrics) {
  auto lastLog = std::make_shared<std::atomic<int64_t>>(0);
  return [&core, &workers, &metrics, lastLog](const std::string& gatewayId,
                                              v1::RouterCommand command) {
    const char* kind = "other";
    const char* outcome = "dropped";
    if (command.has_delivery()) {
      auto& d = *command.mutable_delivery();
      kind = d.stanza().kind() == v1::STANZA_KIND_MESSAGE ? "message" : "delivery";
      if (d.offline_id() != 0) {
        outcome = "kept-stored";  // not acknowledged: delivered again at the next login
      } else if (d.stanza().kind() == v1::STANZA_KIND_MESSAGE && d.stanza().type() != "error") {
        outcome = "stored-offline";
        auto u = std::make_shared<v1::Undeliverable>();
        for (const auto& sid : d.session_ids()) {
          u->set_session_id(sid);
          break;
        }
        *u->add_stanzas() = std::move(*d.mutable_stanza());
        const std::string to = u->stanzas(0).to();
        workers.post(to.substr(0, to.find('/')), [&core, u] { core.onUndeliverable(*u); });
      }
    } else if (command.has_close()) {
      kind = "close";
    } else if (command.has_bind_result()) {
      kind = "bind_result";  // the gateway's bind times out and tells its client to wait
    } else if (command.has_announce_sessions()) {
      kind = "announce_sessions";  // the gateway announces at its next stream anyway
    }
    metrics.unreachable.Add({{"kind", kind}, {"outcome", outcome}}).Increment();
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    int64_t last = lastLog->load();
    if (now > last && lastLog->compare_exchange_strong(last, now)) {
      runtime::logWarn("commands for a gateway without a stream",
                       {{"gateway", gatewayId}, {"kind", kind}, {"outcome", outcome}});
    }
  };
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
                            .Add({})),
      readPauses(prometheus::BuildCounter()
                     .Name("xmpp_router_read_pauses_total")
                     .Help("Times a gateway stream stopped reading because the workers' "
                           "queues were past their high mark")
                     .Register(r)
                     .Add({})),
      directoryResets(prometheus::BuildCounter()
                          .Name("xmpp_router_directory_resets_total")
                          .Help("Times the session directory was found emptied (Redis "
                                "restarted without its data) and gateways re-announced")
                          .Register(r)
                          .Add({})),
      outboxBytes(prometheus::BuildGauge()
                      .Name("xmpp_router_outbox_bytes")
                      .Help("Command bytes queued for gateway streams")
                      .Register(r)
                      .Add({})),
      unreachable(prometheus::BuildCounter()
                      .Name("xmpp_router_unreachable_total")
                      .Help("Commands for a gateway without a stream (or whose outbox was "
                            "full), by kind and outcome")
                      .Register(r)) {}

}  // namespace xmpp::router
