#include "network.hpp"

#include "connection.hpp"
#include "xmpp/runtime/runtime.hpp"

namespace xmpp::gateway {

std::string bareOf(const std::string& jid) {
  auto slash = jid.find('/');
  return slash == std::string::npos ? jid : jid.substr(0, slash);
}

// ---- metrics ----

GatewayMetrics::GatewayMetrics(prometheus::Registry& r)
    : connections(prometheus::BuildGauge()
                      .Name("xmpp_connections")
                      .Help("Open client connections, by transport")
                      .Register(r)),
      connectionsTcp(connections.Add({{"transport", "tcp"}})),
      connectionsTls(connections.Add({{"transport", "tls"}})),
      connectionsAccepted(prometheus::BuildCounter()
                              .Name("xmpp_connections_accepted_total")
                              .Help("Client connections accepted")
                              .Register(r)
                              .Add({})),
      stanzasIn(prometheus::BuildCounter()
                    .Name("xmpp_stanzas_in_total")
                    .Help("Stanzas received from clients, by kind")
                    .Register(r)),
      stanzasOut(prometheus::BuildCounter()
                     .Name("xmpp_stanzas_out_total")
                     .Help("Stanzas delivered to clients, by kind")
                     .Register(r)),
      undeliverable(prometheus::BuildCounter()
                        .Name("xmpp_undeliverable_total")
                        .Help("Deliveries that could not be written and took the offline path")
                        .Register(r)
                        .Add({})),
      sendQueueBytes(prometheus::BuildGauge()
                         .Name("xmpp_send_queue_bytes")
                         .Help("Bytes queued for clients, all connections")
                         .Register(r)
                         .Add({})),
      routerStreams(prometheus::BuildGauge()
                        .Name("xmpp_gateway_router_streams")
                        .Help("Open streams to routers")
                        .Register(r)
                        .Add({})) {}

namespace {
const char* kindName(const v1::Stanza& s) {
  switch (s.kind()) {
    case v1::STANZA_KIND_MESSAGE:
      return "message";
    case v1::STANZA_KIND_PRESENCE:
      return "presence";
    case v1::STANZA_KIND_IQ:
      return "iq";
    default:
      return "other";
  }
}
}  // namespace

void GatewayMetrics::countIn(const v1::Stanza& s) {
  stanzasIn.Add({{"kind", kindName(s)}}).Increment();
}
void GatewayMetrics::countOut(const v1::Stanza& s) {
  stanzasOut.Add({{"kind", kindName(s)}}).Increment();
}

// ---- SessionRegistry ----

void SessionRegistry::add(const std::string& id, std::weak_ptr<Connection> c) {
  std::lock_guard lock(mu_);
  sessions_[id] = std::move(c);
}

void SessionRegistry::remove(const std::string& id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
}

std::shared_ptr<Connection> SessionRegistry::find(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.lock();
}

std::vector<std::shared_ptr<Connection>> SessionRegistry::all() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Connection>> out;
  for (const auto& [id, w] : sessions_) {
    if (auto c = w.lock()) out.push_back(std::move(c));
  }
  return out;
}

size_t SessionRegistry::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

// ---- StrandAuthClient ----

namespace {
// An auth call may take this long in all, retries included.
constexpr auto kAuthCallBudget = std::chrono::seconds(10);
}  // namespace

template <class Req, class Res, class Method>
void StrandAuthClient::call(Method invoke, const Req& req, Callback<Res> cb) {
  attempt<Req, Res>(std::move(invoke), std::make_shared<const Req>(req), std::move(cb),
                    std::chrono::steady_clock::now() + kAuthCallBudget,
                    std::chrono::milliseconds(10));
}

// RESOURCE_EXHAUSTED: the auth service's handler threads are all busy and it did not run the
// call, so the call is safe to repeat; it is, after a growing pause, until the budget is
// spent (issue 9, case 11: a login storm queues instead of failing).
template <class Req, class Res, class Method>
void StrandAuthClient::attempt(Method invoke, std::shared_ptr<const Req> req, Callback<Res> cb,
                               std::chrono::steady_clock::time_point until,
                               std::chrono::milliseconds backoff) {
  struct Call {
    grpc::ClientContext ctx;
    Res res;
  };
  auto c = std::make_shared<Call>();
  c->ctx.set_deadline(std::chrono::system_clock::now() +
                      (until - std::chrono::steady_clock::now()));
  auto strand = strand_;
  auto owner = owner_;
  invoke(stub_.async(), &c->ctx, req.get(), &c->res,
         [this, c, req, invoke, cb = std::move(cb), strand, owner, until,
          backoff](grpc::Status s) mutable {
           boost::asio::post(strand, [this, c, req, invoke, cb = std::move(cb), owner, until,
                                      backoff, s = std::move(s)]() mutable {
             auto self = owner.lock();
             if (!self) return;  // the connection is gone, and this client with it
             if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
                 std::chrono::steady_clock::now() + backoff < until) {
               auto timer = std::make_shared<boost::asio::steady_timer>(strand_, backoff);
               timer->async_wait([this, timer, req, invoke, cb = std::move(cb), owner, until,
                                  backoff](const boost::system::error_code& ec) mutable {
                 if (ec || owner.expired()) return;
                 attempt<Req, Res>(std::move(invoke), std::move(req), std::move(cb), until,
                                   std::min(backoff * 2, std::chrono::milliseconds(200)));
               });
               return;
             }
             cb(s, c->res);
           });
         });
}

void StrandAuthClient::saslStart(const v1::SaslStartRequest& r, Callback<v1::SaslStep> cb) {
  call<v1::SaslStartRequest, v1::SaslStep>(
      [](auto* a, auto* ctx, auto* q, auto* o, std::function<void(grpc::Status)> done) {
        a->SaslStart(ctx, q, o, std::move(done));
      },
      r, std::move(cb));
}
void StrandAuthClient::saslContinue(const v1::SaslContinueRequest& r, Callback<v1::SaslStep> cb) {
  call<v1::SaslContinueRequest, v1::SaslStep>(
      [](auto* a, auto* ctx, auto* q, auto* o, std::function<void(grpc::Status)> done) {
        a->SaslContinue(ctx, q, o, std::move(done));
      },
      r, std::move(cb));
}
void StrandAuthClient::legacyAuthFields(const v1::LegacyAuthFieldsRequest& r,
                                        Callback<v1::LegacyAuthFieldsResponse> cb) {
  call<v1::LegacyAuthFieldsRequest, v1::LegacyAuthFieldsResponse>(
      [](auto* a, auto* ctx, auto* q, auto* o, std::function<void(grpc::Status)> done) {
        a->LegacyAuthFields(ctx, q, o, std::move(done));
      },
      r, std::move(cb));
}
void StrandAuthClient::legacyAuth(const v1::LegacyAuthRequest& r,
                                  Callback<v1::LegacyAuthResponse> cb) {
  call<v1::LegacyAuthRequest, v1::LegacyAuthResponse>(
      [](auto* a, auto* ctx, auto* q, auto* o, std::function<void(grpc::Status)> done) {
        a->LegacyAuth(ctx, q, o, std::move(done));
      },
      r, std::move(cb));
}
void StrandAuthClient::registerAccount(const v1::RegisterRequest& r, Callback<v1::AuthEmpty> cb) {
  call<v1::RegisterRequest, v1::AuthEmpty>(
      [](auto* a, auto* ctx, auto* q, auto* o, std::function<void(grpc::Status)> done) {
        a->Register(ctx, q, o, std::move(done));
      },
      r, std::move(cb));
}

// ---- RouterChannel: one router, reconnecting ----

class RouterChannel {
 public:
  RouterChannel(std::string address, std::string gatewayId, SessionRegistry& registry,
                boost::asio::io_context& io, GatewayMetrics& metrics)
      : address_(std::move(address)),
        gatewayId_(std::move(gatewayId)),
        registry_(registry),
        timer_(io),
        metrics_(metrics),
        stub_(v1::Router::NewStub(
            grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()))) {}

  void start() { connect(); }
  void stop() {
    std::unique_lock lock(mu_);
    // Flush what is queued (session-ended events of a drain) before half-closing.
    doneCv_.wait_for(lock, std::chrono::seconds(3), [&] {
      return stream_ == nullptr || (!writing_ && pending_.events_size() == 0);
    });
    stopping_ = true;
    timer_.cancel();
    if (stream_ != nullptr) stream_->finishWrites();
    // Wait until the stream is done (OnDone), so no callback outlives us.
    doneCv_.wait_for(lock, std::chrono::seconds(5), [&] { return stream_ == nullptr; });
  }

  // The router closed its side: finish ours (at most once, under the lock, while the hold
  // keeps the stream alive).
  void readEnded(void* s) {
    std::lock_guard lock(mu_);
    if (stream_ == s) stream_->finishWrites();
  }
  bool up() const {
    std::lock_guard lock(mu_);
    return stream_ != nullptr && ready_;
  }

  void send(v1::GatewayEvent ev) {
    std::lock_guard lock(mu_);
    if (pending_.events_size() >= kMaxPending) {
      return;  // router unreachable for long: shed, the sessions will be cleaned up
    }
    *pending_.add_events() = std::move(ev);
    writeLocked();
  }

 private:
  static constexpr int kMaxPending = 200'000;

  class Stream final : public grpc::ClientBidiReactor<v1::GatewayBatch, v1::RouterBatch> {
   public:
    explicit Stream(RouterChannel& ch) : ch_(ch) {
      ch_.stub_->async()->Connect(&ctx_, this);
      StartRead(&in_);
      AddHold();  // released by finishWrites(): keeps writes possible until then
      StartCall();
    }
    void write(const v1::GatewayBatch* b) { StartWrite(b); }
    void finishWrites() {
      if (!holdReleased_.exchange(true)) {
        StartWritesDone();
        RemoveHold();
      }
    }
    void OnWriteDone(bool ok) override { ch_.writeDone(ok); }
    void OnReadDone(bool ok) override {
      if (!ok) {
        ch_.readEnded(this);
        return;
      }
      ch_.onBatch(in_);
      in_.Clear();
      StartRead(&in_);
    }
    void OnDone(const grpc::Status& status) override {
      ch_.streamDone(this, status);
      delete this;
    }

   private:
    RouterChannel& ch_;
    grpc::ClientContext ctx_;
    v1::RouterBatch in_;
    std::atomic<bool> holdReleased_{false};
  };

  void connect() {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    // The hello leads the first batch of every stream.
    v1::GatewayBatch withHello;
    withHello.mutable_hello()->set_gateway_id(gatewayId_);
    for (auto& ev : *pending_.mutable_events()) *withHello.add_events() = std::move(ev);
    pending_.Swap(&withHello);
    writing_ = false;
    ready_ = true;
    stream_ = new Stream(*this);
    metrics_.routerStreams.Increment();
    writeLocked();
  }

  void writeLocked() {
    if (stream_ == nullptr || writing_ || stopping_) return;
    if (pending_.events_size() == 0 && !pending_.has_hello()) return;
    writing_ = true;
    inFlight_.Clear();
    inFlight_.Swap(&pending_);
    stream_->write(&inFlight_);
  }

  void writeDone(bool ok) {
    std::lock_guard lock(mu_);
    writing_ = false;
    doneCv_.notify_all();
    if (!ok) {
      ready_ = false;
      return;
    }
    writeLocked();
  }

  void onBatch(const v1::RouterBatch& batch) {
    for (const auto& cmd : batch.commands()) {
      if (cmd.has_delivery()) {
        const auto& d = cmd.delivery();
        for (const auto& sid : d.session_ids()) {
          auto conn = registry_.find(sid);
          if (conn && d.offline_id() != 0) {
            conn->deliverOffline(d);
          } else if (conn) {
            conn->deliver(d.stanza());
          } else if (d.stanza().kind() == v1::STANZA_KIND_MESSAGE && d.offline_id() == 0) {
            // The session went away meanwhile: the message takes the offline path.
            v1::GatewayEvent ev;
            auto* u = ev.mutable_undeliverable();
            u->set_session_id(sid);
            *u->add_stanzas() = d.stanza();
            metrics_.undeliverable.Increment();
            send(std::move(ev));
          }
        }
      } else if (cmd.has_close()) {
        if (auto conn = registry_.find(cmd.close().session_id())) {
          conn->closeWithError(cmd.close().condition(), cmd.close().text());
        }
      } else if (cmd.has_bind_result()) {
        if (auto conn = registry_.find(cmd.bind_result().session_id())) {
          conn->bindResult(cmd.bind_result().condition());
        }
      }
    }
  }

  void streamDone(Stream* s, const grpc::Status& status) {
    std::lock_guard lock(mu_);
    if (stream_ == s) stream_ = nullptr;
    ready_ = false;
    metrics_.routerStreams.Decrement();
    // What was in flight is lost with the stream; pending events wait for the next one.
    if (stopping_) {
      doneCv_.notify_all();
      return;
    }
    runtime::logWarn("router stream ended, reconnecting",
                     {{"router", address_}, {"status", status.error_message()}});
    timer_.expires_after(std::chrono::milliseconds(500));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) connect();
    });
  }

  std::string address_;
  std::string gatewayId_;
  SessionRegistry& registry_;
  boost::asio::steady_timer timer_;
  GatewayMetrics& metrics_;
  std::unique_ptr<v1::Router::Stub> stub_;
  // Recursive: gRPC may run a reaction (OnWriteDone, OnDone) inline from a Start* call made
  // under this lock.
  mutable std::recursive_mutex mu_;
  std::condition_variable_any doneCv_;
  Stream* stream_ = nullptr;
  v1::GatewayBatch pending_;
  v1::GatewayBatch inFlight_;
  bool writing_ = false;
  bool ready_ = false;
  bool stopping_ = false;
};

// ---- RouterLinks ----

RouterLinks::RouterLinks(std::vector<std::string> addresses, std::string gatewayId,
                         SessionRegistry& registry, boost::asio::io_context& io,
                         GatewayMetrics& metrics)
    : metrics_(metrics) {
  for (auto& a : addresses) {
    channels_.push_back(std::make_unique<RouterChannel>(a, gatewayId, registry, io, metrics));
  }
}

RouterLinks::~RouterLinks() { stop(); }

void RouterLinks::start() {
  for (auto& c : channels_) c->start();
}

void RouterLinks::stop() {
  for (auto& c : channels_) c->stop();
}

bool RouterLinks::connected() const {
  for (const auto& c : channels_) {
    if (!c->up()) return false;
  }
  return !channels_.empty();
}

RouterChannel& RouterLinks::pick(std::string_view bareJid) {
  // Stable across gateways: std::hash of the same bytes in the same binary; FNV-1a to be
  // independent of the standard library's choice.
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : bareJid) h = (h ^ ch) * 1099511628211ULL;
  return *channels_[h % channels_.size()];
}

void RouterLinks::sessionBound(const v1::SessionInfo& s) {
  v1::GatewayEvent ev;
  *ev.mutable_session_bound() = s;
  pick(bareOf(s.full_jid())).send(std::move(ev));
}

void RouterLinks::sessionUpdated(const v1::SessionInfo& s) {
  v1::GatewayEvent ev;
  *ev.mutable_session_update()->mutable_session() = s;
  pick(bareOf(s.full_jid())).send(std::move(ev));
}

void RouterLinks::sessionEnded(const v1::SessionEnded& e) {
  v1::GatewayEvent ev;
  *ev.mutable_session_ended() = e;
  pick(bareOf(e.full_jid())).send(std::move(ev));
}

void RouterLinks::stanza(const std::string& sessionId, const std::string& bareJid,
                         v1::Stanza stanza) {
  metrics_.countIn(stanza);
  v1::GatewayEvent ev;
  ev.mutable_stanza()->set_session_id(sessionId);
  *ev.mutable_stanza()->mutable_stanza() = std::move(stanza);
  pick(bareJid).send(std::move(ev));
}

void RouterLinks::undeliverable(const std::string& sessionId, const std::string& bareJid,
                                std::vector<v1::Stanza> stanzas) {
  v1::GatewayEvent ev;
  ev.mutable_undeliverable()->set_session_id(sessionId);
  for (auto& s : stanzas) *ev.mutable_undeliverable()->add_stanzas() = std::move(s);
  pick(bareJid).send(std::move(ev));
}

void RouterLinks::offlineAck(const std::string& bareJid, std::vector<int64_t> ids) {
  v1::GatewayEvent ev;
  ev.mutable_offline_ack()->set_user(bareJid);
  for (auto id : ids) ev.mutable_offline_ack()->add_ids(id);
  pick(bareJid).send(std::move(ev));
}

}  // namespace xmpp::gateway
