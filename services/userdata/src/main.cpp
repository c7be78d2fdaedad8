// xmpp-userdata: rosters, subscriptions, offline messages and vCards over gRPC, data in
// PostgreSQL. Wiring only: the logic is RosterLogic, the translation RosterGrpcService.

#include <prometheus/counter.h>

#include "blocklist.hpp"
#include "last_activity.hpp"
#include "private_storage.hpp"
#include "roster_grpc_service.hpp"
#include "roster_logic.hpp"
#include "xmpp/config/config.hpp"
#include "xmpp/runtime/runtime.hpp"
#include "xmpp/service/database.hpp"
#include "xmpp/service/grpc_host.hpp"
#include "xmpp/storage_pg/pg_blocklist_store.hpp"
#include "xmpp/storage_pg/pg_last_activity_store.hpp"
#include "xmpp/storage_pg/pg_offline_store.hpp"
#include "xmpp/storage_pg/pg_private_store.hpp"
#include "xmpp/storage_pg/pg_roster_store.hpp"
#include "xmpp/storage_pg/pg_vcard_store.hpp"

using namespace xmpp;

int main(int argc, char** argv) try {
  runtime::blockShutdownSignals();
  const auto cfg = config::Config::load(argc, argv);
  service::configureLogging(cfg, "userdata");

  auto registry = std::make_shared<prometheus::Registry>();
  observability::RpcMetrics metrics(*registry, "userdata");
  auto pool = service::openDatabase(cfg, "roster", storage_pg::rosterMigrations(), metrics);
  storage_pg::PgRosterStore rosters(*pool);
  storage_pg::PgOfflineStore offline(*pool);
  storage_pg::PgVcardStore vcards(*pool);
  storage_pg::PgPrivateStore privateStore(*pool);
  storage_pg::PgBlockListStore blockList(*pool);
  storage_pg::PgLastActivityStore lastActivity(*pool);

  roster::RosterConfig rc;
  rc.maxItems = static_cast<size_t>(cfg.getInt("roster.max_items", 1000));
  rc.preApproval = cfg.getBool("roster.pre_approval", true);
  rc.offlineQuota = static_cast<size_t>(cfg.getInt("roster.offline_quota", 100));
  rc.offlineFetchLimit = static_cast<size_t>(cfg.getInt("roster.offline_fetch_limit", 100));
  rc.maxPendingStanzaBytes =
      static_cast<size_t>(cfg.getInt("roster.max_pending_request_bytes", 4096));
  rc.offlineFetchBytes = static_cast<size_t>(cfg.getInt("roster.offline_fetch_bytes", 1 << 20));
  rc.maxVcardBytes = static_cast<size_t>(cfg.getInt("roster.max_vcard_bytes", 64 * 1024));
  SystemClock clock;
  roster::RosterLogic logic(rosters, offline, vcards, clock, rc);
  logic.alsoDeleteWithAccount([&](std::string_view user) -> storage::StoreStatus {
    auto removed = privateStore.removeUser(user);
    if (!removed) return unexpected(removed.error());
    return std::monostate{};
  });
  roster::PrivateStorageLogic privateLogic(
      privateStore,
      {.maxElementBytes = static_cast<size_t>(cfg.getInt("private.max_element_bytes", 64 * 1024)),
       .maxElementsPerUser = static_cast<size_t>(cfg.getInt("private.max_elements", 100))});
  roster::PrivateStorageGrpcService privateService(privateLogic, metrics);
  logic.alsoDeleteWithAccount([&](std::string_view user) -> storage::StoreStatus {
    auto removed = blockList.removeUser(user);
    if (!removed) return unexpected(removed.error());
    return std::monostate{};
  });
  roster::BlockListLogic blockLogic(blockList,
                                    static_cast<size_t>(cfg.getInt("blocking.max_items", 1000)));
  roster::BlockListGrpcService blockService(blockLogic, metrics);
  logic.alsoDeleteWithAccount([&](std::string_view user) -> storage::StoreStatus {
    auto removed = lastActivity.removeUser(user);
    if (!removed) return unexpected(removed.error());
    return std::monostate{};
  });
  roster::LastActivityGrpcService lastService(lastActivity, metrics);
  auto& offlineEvents = prometheus::BuildCounter()
                            .Name("xmpp_offline_messages_total")
                            .Help("Offline messages by event: stored, delivered, quota_full, ...")
                            .Register(*registry);
  roster::RosterGrpcService service(logic, metrics, [&](std::string_view event, size_t n) {
    offlineEvents.Add({{"event", std::string(event)}}).Increment(static_cast<double>(n));
  });

  return service::serveUntilSignal(
      cfg, {.name = "userdata",
            .defaultListen = "127.0.0.1:50052",
            .defaultOpsPort = 9102,
            // Every router worker may be in a call at once: 64 covers eight routers' 8.
            .defaultMaxThreads = 64,
            .services = {&service, &privateService, &blockService, &lastService},
            .registry = registry,
            .ready = [&] { return pool->healthy(); }});
} catch (const std::exception& e) {
  xmpp::runtime::logError("fatal", {{"error", e.what()}});
  return 1;
}
