#include "network.hpp"

#include "connection.hpp"
#include "router_channel.hpp"
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
      deliveriesToGone(prometheus::BuildCounter()
                           .Name("xmpp_gateway_deliveries_to_gone_sessions_total")
                           .Help("Deliveries for a session the gateway no longer has that need "
                                 "nothing more (presence, errors, results; stored offline "
                                 "messages stay stored), by kind")
                           .Register(r)),
      sendQueueBytes(prometheus::BuildGauge()
                         .Name("xmpp_send_queue_bytes")
                         .Help("Bytes queued for clients, all connections")
                         .Register(r)
                         .Add({})),
      routerStreams(prometheus::BuildGauge()
                        .Name("xmpp_gateway_router_streams")
                        .Help("Open streams to routers")
                        .Register(r)
                        .Add({})),
      routerBacklogBytes(prometheus::BuildGauge()
                             .Name("xmpp_gateway_router_backlog_bytes")
                             .Help("Event bytes waiting for a router stream, all routers")
                             .Register(r)
                             .Add({})),
      routerRefused(prometheus::BuildCounter()
                        .Name("xmpp_gateway_router_refused_total")
                        .Help("Client stanzas refused (resource-constraint) because the "
                              "router backlog was full")
                        .Register(r)
                        .Add({})),
      routerBatchesResent(prometheus::BuildCounter()
                              .Name("xmpp_gateway_router_batches_resent_total")
                              .Help("Batches a broken router stream failed to write, queued "
                                    "again for the next stream")
                              .Register(r)
                              .Add({})),
      sessionsAnnounced(prometheus::BuildCounter()
                            .Name("xmpp_gateway_sessions_announced_total")
                            .Help("Sessions announced to routers (stream starts, directory "
                                  "resets)")
                            .Register(r)
                            .Add({})),
      routerFailovers(prometheus::BuildCounter()
                          .Name("xmpp_gateway_router_failovers_total")
                          .Help("Times users moved between routers: one stopped serving (gone "
                                "past router.failover_after_ms) or serves again")
                          .Register(r)
                          .Add({})),
      acceptFailures(prometheus::BuildCounter()
                         .Name("xmpp_gateway_accept_failures_total")
                         .Help("Failed accepts (e.g. EMFILE: out of descriptors); accepting "
                               "pauses 100 ms after each")
                         .Register(r)
                         .Add({})),
      sessionsMoved(prometheus::BuildCounter()
                        .Name("xmpp_gateway_sessions_moved_total")
                        .Help("Sessions moved to another router by a failover or a return")
                        .Register(r)
                        .Add({})),
      shaped(prometheus::BuildCounter()
                 .Name("xmpp_gateway_shaper_pauses_total")
                 .Help("Times a connection's reading paused because the client sent faster "
                       "than c2s.max_bytes_per_second")
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

}  // namespace xmpp::gateway
