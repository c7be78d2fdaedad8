// xmpp-router: the session directory in Redis, RFC 6121 delivery, presence, server iqs.
// Wiring only: the logic is RouterCore; the streams, workers and liveness are router_server.

#include "caching_roster_client.hpp"
#include "caching_session_directory.hpp"
#include "gateway_liveness.hpp"
#include "grpc_clients.hpp"
#include "redis_invalidation_feed.hpp"
#include "redis_session_directory.hpp"
#include "router_core.hpp"
#include "router_server.hpp"
#include "stats_reporter.hpp"
#include "xmpp/config/config.hpp"
#include "xmpp/runtime/runtime.hpp"
#include "xmpp/service/grpc_host.hpp"

using namespace xmpp;

int main(int argc, char** argv) try {
  runtime::blockShutdownSignals();
  const auto cfg = config::Config::load(argc, argv);
  service::configureLogging(cfg, "router");

  auto redisOptions =
      storage_redis::parseRedisAddress(cfg.getString("redis.address", "127.0.0.1:6379"));
  redisOptions.size = static_cast<size_t>(cfg.getInt("redis.pool_size", 8));
  auto registry = std::make_shared<prometheus::Registry>();
  auto& redisErrors = prometheus::BuildCounter()
                          .Name("xmpp_redis_errors_total")
                          .Help("Redis errors by kind")
                          .Register(*registry);
  for (const char* kind : {"connect", "broken"}) redisErrors.Add({{"kind", kind}});
  redisOptions.onError = [&](std::string_view kind) {
    redisErrors.Add({{"kind", std::string(kind)}}).Increment();
  };
  auto& redisLatency =
      prometheus::BuildHistogram()
          .Name("xmpp_redis_command_duration_seconds")
          .Help("Redis call latency (one command or pipeline)")
          .Register(*registry)
          .Add({}, prometheus::Histogram::BucketBoundaries{0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                           0.0025, 0.005, 0.01, 0.025, 0.05, 0.1});
  redisOptions.onDuration = [&](double s) { redisLatency.Observe(s); };
  storage_redis::RedisPool redis(redisOptions);
  router::RedisSessionDirectory directory(redis);

  router::GrpcRosterClient roster(grpc::CreateChannel(
      cfg.getString("userdata.address", "127.0.0.1:50052"), grpc::InsecureChannelCredentials()));
  router::GrpcAccountDirectory accounts(grpc::CreateChannel(
      cfg.getString("auth.address", "127.0.0.1:50051"), grpc::InsecureChannelCredentials()));

  router::RouterConfig rc;
  rc.domain = cfg.getString("xmpp.domain", "localhost");
  rc.discloseOs = cfg.getBool("router.version_discloses_os", false);
  rc.blockListCacheTtl = std::chrono::milliseconds(cfg.getInt("router.blocklist_cache_ms", 30'000));
  rc.maxResourcesPerAccount =
      static_cast<size_t>(cfg.getInt("router.max_resources_per_account", 10));
  rc.offlinePageBytes = static_cast<size_t>(cfg.getInt("router.offline_page_bytes", 192 * 1024));
  // XEP-0157: xmpp.contact.<kind> = comma-separated URIs (mailto:, xmpp:, https:).
  for (const char* kind :
       {"abuse", "admin", "feedback", "sales", "security", "status", "support"}) {
    auto uris = cfg.getList(std::string("xmpp.contact.") + kind);
    if (!uris.empty()) rc.contactAddresses[std::string(kind) + "-addresses"] = std::move(uris);
  }
  // router.service_domains = "conference.example.com=muc, upload.example.com=upload".
  for (const std::string& entry : cfg.getList("router.service_domains")) {
    const size_t eq = entry.find('=');
    auto domain = jid::Jid::parse(entry.substr(0, eq));
    if (eq == std::string::npos || !domain || !domain->local().empty() ||
        !domain->resource().empty()) {
      throw std::runtime_error("router.service_domains: expected domain=kind, got " + entry);
    }
    rc.serviceDomains[domain->domain()] = entry.substr(eq + 1);
  }
  router::GatewayHub hub(
      {.parkFor = std::chrono::milliseconds(cfg.getInt("router.park_timeout_ms", 15'000))});
  // Routing reads sessions and presence targets through caches invalidated over Redis
  // pub/sub (no round trip per stanza or per broadcast); gateway liveness works on Redis
  // directly.
  auto& unannounced = prometheus::BuildCounter()
                          .Name("xmpp_router_cache_unannounced_total")
                          .Help(
                              "Cache invalidations that could not be published to the other "
                              "routers (they see the change when their entry expires)")
                          .Register(*registry)
                          .Add({});
  router::RedisInvalidationFeed feed(redisOptions, redis, [&] { unannounced.Increment(); });
  auto& cacheLookups = prometheus::BuildCounter()
                           .Name("xmpp_router_cache_lookups_total")
                           .Help("Router cache lookups by cache and result (hit, miss)")
                           .Register(*registry);
  auto cacheOptions = [&](const std::string& prefix, const std::string& name) {
    auto& hit = cacheLookups.Add({{"cache", name}, {"result", "hit"}});
    auto& miss = cacheLookups.Add({{"cache", name}, {"result", "miss"}});
    return router::CacheOptions{
        .maxAge = std::chrono::milliseconds(cfg.getInt(prefix + "max_age_ms", 30'000)),
        .maxEntries = static_cast<size_t>(cfg.getInt(prefix + "max_entries", 200'000)),
        .onLookup = [&hit, &miss](bool found) { (found ? hit : miss).Increment(); }};
  };
  router::CachingSessionDirectory cached(directory, feed,
                                         cacheOptions("router.cache_", "sessions"));
  router::SessionDirectory& sessions = cfg.getBool("router.session_cache", true)
                                           ? static_cast<router::SessionDirectory&>(cached)
                                           : directory;
  router::CachingRosterClient cachedRoster(roster, feed,
                                           cacheOptions("router.roster_cache_", "roster"));
  router::RosterClient& rosterClient = cfg.getBool("router.roster_cache", true)
                                           ? static_cast<router::RosterClient&>(cachedRoster)
                                           : roster;
  feed.start();
  // Private storage lives in the userdata service, on the same channel.
  router::GrpcPrivateStorageClient privateStorage(grpc::CreateChannel(
      cfg.getString("userdata.address", "127.0.0.1:50052"), grpc::InsecureChannelCredentials()));
  router::GrpcBlockListClient blockList(grpc::CreateChannel(
      cfg.getString("userdata.address", "127.0.0.1:50052"), grpc::InsecureChannelCredentials()));
  router::GrpcLastActivityClient lastActivity(grpc::CreateChannel(
      cfg.getString("userdata.address", "127.0.0.1:50052"), grpc::InsecureChannelCredentials()));
  router::RouterCore core(
      sessions, rosterClient, accounts, hub, rc, {},
      {.privateStorage = &privateStorage, .blockList = &blockList, .lastActivity = &lastActivity});
  if (auto unserved = core.unservedDomains(); !unserved.empty()) {
    std::string list;
    for (const auto& d : unserved) list += (list.empty() ? "" : ", ") + d;
    throw std::runtime_error("router.service_domains: no module serves " + list);
  }
  router::RedisResumableSessions resumable(redis);
  core.setResumableSessions(&resumable);
  router::RouterMetrics metrics(*registry);
  router::StatsReporter stats(core, *registry);
  router::KeyedWorkers workers(
      static_cast<size_t>(cfg.getInt("router.workers", 8)),
      {.highBytes = static_cast<size_t>(cfg.getInt("router.queue_high_bytes", 64 << 20)),
       .lowBytes = static_cast<size_t>(cfg.getInt("router.queue_low_bytes", 32 << 20))});
  hub.onUnreachable(router::handBackUnreachable(core, workers, metrics));
  router::RouterService service(core, workers, hub, metrics);
  router::GatewayLiveness liveness(
      directory, hub, core, workers, metrics,
      {.ttl = std::chrono::seconds(cfg.getInt("router.gateway_ttl_s", 5)),
       .interval = std::chrono::milliseconds(cfg.getInt("router.sweep_interval_ms", 1000)),
       .sweepGrace = std::chrono::milliseconds(cfg.getInt("router.sweep_grace_ms", 10'000)),
       .onDirectoryReset = [&] { cached.dropAll(); },
       .resumable = &resumable});
  service.onGatewayHello([&] { liveness.wake(); });
  service.onGatewayStreamClosed([&](const std::string& id) { liveness.streamClosed(id); });

  return service::serveUntilSignal(
      cfg,
      {.name = "router",
       .defaultListen = "127.0.0.1:50053",
       .defaultOpsPort = 9103,
       .services = {&service},
       .registry = registry,
       .ready = [&] { return redis.healthy(); },
       .maxMessageBytes = hub.limits().maxMessageBytes,
       .onListening = [&] { liveness.start(); },
       .onShutdown =
           [&] { service.drain(std::chrono::milliseconds(cfg.getInt("router.drain_ms", 8000))); }});
} catch (const std::exception& e) {
  xmpp::runtime::logError("fatal", {{"error", e.what()}});
  return 1;
}
