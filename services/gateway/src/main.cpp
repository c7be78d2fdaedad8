// xmpp-gateway: client connections (TCP 5222 with STARTTLS, 5223 direct TLS), XML stream to
// protobuf, one stream per router. Wiring only: the per-connection logic is C2sSession.

#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <atomic>
#include <thread>

#include "address_limits.hpp"
#include "connection.hpp"
#include "listener.hpp"
#include "memory_trim.hpp"
#include "network.hpp"
#include "operator_events.hpp"
#include "resume_store.hpp"
#include "router_links.hpp"
#include "xmpp/config/config.hpp"
#include "xmpp/observability/http_server.hpp"
#include "xmpp/runtime/runtime.hpp"
#include "xmpp/service/grpc_host.hpp"

using namespace xmpp;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::string randomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::unique_ptr<asio::ssl::context> makeTlsContext(const config::Config& cfg) {
  const std::string cert = cfg.getString("tls.certificate", "");
  const std::string key = cfg.getString("tls.key_file", "");
  if (cert.empty() || key.empty()) return nullptr;
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  // Idle sessions keep no read/write buffers (~34 KiB each otherwise).
  SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  // No per-session entries in a server-side cache (resumption still works with tickets).
  SSL_CTX_set_session_cache_mode(ctx->native_handle(), SSL_SESS_CACHE_OFF);
  ctx->use_certificate_chain_file(cert);
  ctx->use_private_key_file(key, asio::ssl::context::pem);
  return ctx;
}

}  // namespace

int main(int argc, char** argv) try {
  runtime::blockShutdownSignals();
  const auto cfg = config::Config::load(argc, argv);
  service::configureLogging(cfg, "gateway");

  const std::string gatewayId = cfg.getString("gateway.id", "gw") + "-" + randomHex(4);
  gateway::SessionConfig sc;
  sc.domain = cfg.getString("xmpp.domain", "localhost");
  sc.gatewayId = gatewayId;
  auto tls = makeTlsContext(cfg);
  sc.tlsAvailable = tls != nullptr;
  sc.tlsRequired = cfg.getBool("c2s.tls_required", true);
  if (sc.tlsRequired && !sc.tlsAvailable) {
    throw std::runtime_error("c2s.tls_required is on but no tls.certificate/tls.key_file");
  }
  sc.registration = cfg.getBool("auth.registration", false);
  sc.legacyAuth = cfg.getBool("c2s.legacy_auth", true);
  sc.serverPings = cfg.getBool("c2s.server_pings", true);
  sc.csiMaxHeldStanzas = static_cast<size_t>(cfg.getInt("c2s.csi_max_held_stanzas", 100));
  sc.csiMaxHeldBytes = static_cast<size_t>(cfg.getInt("c2s.csi_max_held_bytes", 64 * 1024));
  sc.csiMaxHold = std::chrono::milliseconds(cfg.getInt("c2s.csi_max_hold_ms", 60'000));
  sc.sm.maxUnackedStanzas = static_cast<size_t>(cfg.getInt("c2s.sm_max_unacked_stanzas", 500));
  sc.sm.maxUnackedBytes = static_cast<size_t>(cfg.getInt("c2s.sm_max_unacked_bytes", 1 << 20));
  sc.sm.ackEvery = static_cast<uint32_t>(std::max<int64_t>(1, cfg.getInt("c2s.sm_ack_every", 1)));
  sc.sm.ackAfter = std::chrono::milliseconds(cfg.getInt("c2s.sm_ack_after_ms", 5000));
  sc.sm.resumeMax = std::chrono::seconds(cfg.getInt("c2s.sm_resume_max_s", 300));
  sc.maxStoredPresenceBytes =
      static_cast<size_t>(cfg.getInt("c2s.max_stored_presence_bytes", 8 * 1024));
  gateway::ConnectionOptions co;
  co.maxSendQueueBytes = static_cast<size_t>(cfg.getInt("c2s.max_send_queue_bytes", 512 * 1024));
  co.pingAfter = std::chrono::seconds(cfg.getInt("c2s.ping_after_s", 120));
  co.idleTimeout = std::chrono::seconds(cfg.getInt("c2s.idle_timeout_s", 300));
  co.preAuthTimeout = std::chrono::seconds(cfg.getInt("c2s.preauth_timeout_s", 30));
  co.maxBytesPerSecond = static_cast<double>(cfg.getInt("c2s.max_bytes_per_second", 256 * 1024));
  co.burstBytes = static_cast<double>(cfg.getInt("c2s.burst_bytes", 1 << 20));
  // XEP-0198 resumption needs the cluster's Redis: without an address it is not offered.
  std::unique_ptr<gateway::RedisResumeStore> resumeStore;
  if (const std::string redis = cfg.getString("redis.address", ""); !redis.empty()) {
    resumeStore = std::make_unique<gateway::RedisResumeStore>(
        storage_redis::parseRedisAddress(redis),
        static_cast<size_t>(std::max<int64_t>(1, cfg.getInt("redis.sm_threads", 2))));
    co.resumeStore = resumeStore.get();
  }

  const int threads = static_cast<int>(
      cfg.getInt("gateway.threads", std::max(1u, std::thread::hardware_concurrency())));
  asio::io_context io(threads);
  auto registry = std::make_shared<prometheus::Registry>();
  gateway::GatewayMetrics metrics(*registry);
  co.metrics = &metrics;
  gateway::OperatorEvents events(*registry);
  sc.events = &events;
  gateway::SessionRegistry sessions;
  gateway::RouterLinks routers(
      cfg.getList("router.addresses", "127.0.0.1:50053"), gatewayId, sessions, io, metrics,
      {.failoverAfter = std::chrono::milliseconds(cfg.getInt("router.failover_after_ms", 1500))});
  auto authStub = v1::Auth::NewStub(grpc::CreateChannel(
      cfg.getString("auth.address", "127.0.0.1:50051"), grpc::InsecureChannelCredentials()));

  std::atomic<uint64_t> counter{0};
  auto perAddress = std::make_shared<gateway::AddressLimits>(
      static_cast<size_t>(cfg.getInt("c2s.max_connections_per_address", 100)),
      static_cast<double>(cfg.getInt("c2s.max_accepts_per_second_per_address", 20)),
      static_cast<double>(cfg.getInt("c2s.accept_burst_per_address", 100)));
  auto onAccept = [&](tcp::socket s, bool directTls) {
    boost::system::error_code ec;
    const auto peer = s.remote_endpoint(ec);
    auto admission = perAddress->admit(ec ? std::string() : peer.address().to_string());
    const std::string transport = directTls ? "tls" : "tcp";
    auto factory =
        [&](asio::strand<asio::any_io_executor> strand,
            std::weak_ptr<gateway::Connection> owner) -> std::unique_ptr<gateway::AuthClient> {
      return std::make_unique<gateway::StrandAuthClient>(*authStub, std::move(strand),
                                                         std::move(owner));
    };
    auto conn = std::make_shared<gateway::Connection>(
        std::move(s), tls.get(), directTls, factory, routers, sessions, sc, co,
        gatewayId + "/" + std::to_string(++counter), randomHex(8));
    conn->start();
    if (admission) {
      conn->holdUntilClosed(std::move(admission.ticket));
    } else {
      conn->closeWithError("policy-violation", admission.refusal);
    }
  };

  asio::io_context acceptIo(1);
  std::vector<std::unique_ptr<gateway::Listener>> listeners;
  listeners.push_back(std::make_unique<gateway::Listener>(
      acceptIo, io, cfg.getString("c2s.listen", "127.0.0.1:5222"), false, metrics.acceptFailures,
      onAccept));
  if (tls) {
    listeners.push_back(std::make_unique<gateway::Listener>(
        acceptIo, io, cfg.getString("c2s.tls_listen", "127.0.0.1:5223"), true,
        metrics.acceptFailures, onAccept));
  }
  routers.start();
  gateway::MemoryTrimmer trimmer(
      io, [&] { return sessions.size(); },
      std::chrono::milliseconds(cfg.getInt("gateway.trim_interval_ms", 5000)));
  trimmer.start();

  observability::OpsHttpServer ops(registry,
                                   {.address = cfg.getString("ops.address", "127.0.0.1"),
                                    .port = static_cast<uint16_t>(cfg.getInt("ops.port", 9104)),
                                    .ready = [&] { return routers.connected(); }});
  std::vector<std::thread> pool;
  auto work = asio::make_work_guard(io);
  for (int i = 0; i < threads; ++i) pool.emplace_back([&] { io.run(); });
  std::thread acceptThread([&] { acceptIo.run(); });

  runtime::logInfo("listening", {{"gateway_id", gatewayId},
                                 {"c2s_port", std::to_string(listeners[0]->port())},
                                 {"tls_port", tls ? std::to_string(listeners[1]->port()) : "-"},
                                 {"ops_port", std::to_string(ops.port())}});

  const std::string sig = runtime::waitForShutdownSignal();
  runtime::logInfo("draining", {{"signal", sig}, {"sessions", std::to_string(sessions.size())}});
  // Drain: stop accepting, end every stream cleanly, wait for them (bounded), then stop.
  for (auto& l : listeners) l->stop();
  acceptIo.stop();
  acceptThread.join();
  for (auto& c : sessions.all()) c->shutdown();
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(cfg.getInt("gateway.drain_timeout_s", 10));
  // Resumable sessions detach (their state stored, the router told) before the streams stop.
  while ((sessions.size() > 0 || (resumeStore && resumeStore->pending() > 0)) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  trimmer.stop();
  routers.stop();  // flushes the session-ended events first
  work.reset();
  io.stop();
  for (auto& t : pool) t.join();
  // No session calls the store any more: its writers finish what is queued (their answers
  // are posted to the stopped io_context, which drops them) before the io_context goes.
  resumeStore.reset();
  runtime::logInfo("stopped");
  return 0;
} catch (const std::exception& e) {
  xmpp::runtime::logError("fatal", {{"error", e.what()}});
  return 1;
}
