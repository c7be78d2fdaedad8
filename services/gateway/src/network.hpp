#pragma once
// The gateway's plumbing around C2sSession: the session registry (router deliveries find
// their connection), the auth client (async gRPC, answers posted to the connection's strand),
// and the router links (one bidi stream per router; a session's events all go to the router
// picked by a stable hash of its bare JID).

#include <grpcpp/grpcpp.h>
#include <boost/asio.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "ports.hpp"
#include "router_channel.hpp"
#include "xmpp/v1/auth.grpc.pb.h"
#include "xmpp/v1/router.grpc.pb.h"

namespace xmpp::gateway {

class Connection;

struct GatewayMetrics {
  explicit GatewayMetrics(prometheus::Registry& registry);
  prometheus::Family<prometheus::Gauge>& connections;  // by transport: tcp, tls
  prometheus::Gauge& connectionsTcp;
  prometheus::Gauge& connectionsTls;
  prometheus::Counter& connectionsAccepted;
  prometheus::Family<prometheus::Counter>& stanzasIn;   // by kind
  prometheus::Family<prometheus::Counter>& stanzasOut;  // deliveries written, by kind
  prometheus::Counter& undeliverable;
  // Deliveries for a session this gateway no longer has that need nothing more (presence,
  // errors, results; a stored offline message stays stored), by kind.
  prometheus::Family<prometheus::Counter>& deliveriesToGone;
  prometheus::Gauge& sendQueueBytes;
  prometheus::Gauge& routerStreams;
  prometheus::Gauge& routerBacklogBytes;
  prometheus::Counter& routerRefused;
  prometheus::Counter& routerBatchesResent;
  prometheus::Counter& sessionsAnnounced;
  prometheus::Counter& routerFailovers;
  prometheus::Counter& acceptFailures;
  prometheus::Counter& sessionsMoved;
  prometheus::Counter& shaped;  // reads paused by a connection's shaper
  /// Counts one stanza in (from a client) or out (delivered to a client) by kind.
  void countIn(const v1::Stanza& s);
  void countOut(const v1::Stanza& s);
};

/// Live connections by session id.
class SessionRegistry {
 public:
  void add(const std::string& sessionId, std::weak_ptr<Connection> c);
  void remove(const std::string& sessionId);
  std::shared_ptr<Connection> find(const std::string& sessionId) const;
  std::vector<std::shared_ptr<Connection>> all() const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::weak_ptr<Connection>> sessions_;
};

/// The auth service's stub, shared; per-connection adapters post answers to the strand.
class StrandAuthClient final : public AuthClient {
 public:
  StrandAuthClient(v1::Auth::Stub& stub, boost::asio::strand<boost::asio::any_io_executor> strand,
                   std::weak_ptr<Connection> owner)
      : stub_(stub), strand_(std::move(strand)), owner_(std::move(owner)) {}
  void saslStart(const v1::SaslStartRequest&, Callback<v1::SaslStep>) override;
  void saslContinue(const v1::SaslContinueRequest&, Callback<v1::SaslStep>) override;
  void legacyAuthFields(const v1::LegacyAuthFieldsRequest&,
                        Callback<v1::LegacyAuthFieldsResponse>) override;
  void legacyAuth(const v1::LegacyAuthRequest&, Callback<v1::LegacyAuthResponse>) override;
  void registerAccount(const v1::RegisterRequest&, Callback<v1::AuthEmpty>) override;

 private:
  template <class Req, class Res, class Method>
  void call(Method method, const Req& req, Callback<Res> cb);
  template <class Req, class Res, class Method>
  void attempt(Method method, std::shared_ptr<const Req> req, Callback<Res> cb,
               std::chrono::steady_clock::time_point until, std::chrono::milliseconds backoff);
  v1::Auth::Stub& stub_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  std::weak_ptr<Connection> owner_;
};

/// Bare JID of a full JID.
std::string bareOf(const std::string& jid);

}  // namespace xmpp::gateway
