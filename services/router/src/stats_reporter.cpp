#include "stats_reporter.hpp"

#include <string>

#include "xmpp/runtime/runtime.hpp"

namespace xmpp::router {
namespace {

prometheus::Counter& counter(prometheus::Registry& r, const std::string& name,
                             const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}

void advance(prometheus::Counter& c, std::uint64_t now, std::uint64_t before) {
  if (now > before) c.Increment(static_cast<double>(now - before));
}

}  // namespace

StatsReporter::StatsReporter(const RouterCore& core, prometheus::Registry& registry,
                             std::chrono::milliseconds every, std::chrono::seconds logEvery)
    : core_(core),
      dropped_(counter(registry, "xmpp_router_stanzas_dropped_total",
                       "Stanzas dropped by a routing rule (errors to nobody, blocked presence, "
                       "headlines to no resource, gone sessions)")),
      errorsSent_(counter(registry, "xmpp_router_errors_sent_total",
                          "Stanza error replies the router generated")),
      backendErrors_(counter(registry, "xmpp_router_backend_errors_total",
                             "Failed directory, roster, auth or module backend calls")),
      conflicts_(counter(registry, "xmpp_router_conflicts_total",
                         "Older sessions closed by a resource conflict")),
      restored_(counter(registry, "xmpp_router_sessions_restored_total",
                        "Sessions a gateway announced that the directory had lost (swept "
                        "during a break, Redis emptied), registered again")),
      resumption_(prometheus::BuildCounter()
                      .Name("xmpp_router_sm_sessions_total")
                      .Help("XEP-0198 sessions: detached (kept for a resume), resumed (bound "
                            "again by a resume), expired (resumption time ran out); "
                            "stanza-queued: stanzas queued for a detached session")
                      .Register(registry)),
      every_(every),
      logEvery_(logEvery),
      loggedAt_(std::chrono::steady_clock::now()),
      thread_([this] { run(); }) {}

StatsReporter::~StatsReporter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void StatsReporter::update() {
  const RouterStats now = core_.stats();
  std::lock_guard lock(mu_);
  advance(dropped_, now.dropped, last_.dropped);
  advance(errorsSent_, now.errorsSent, last_.errorsSent);
  advance(backendErrors_, now.backendErrors, last_.backendErrors);
  advance(conflicts_, now.conflicts, last_.conflicts);
  advance(restored_, now.restored, last_.restored);
  advance(resumption_.Add({{"outcome", "detached"}}), now.detached, last_.detached);
  advance(resumption_.Add({{"outcome", "resumed"}}), now.resumed, last_.resumed);
  advance(resumption_.Add({{"outcome", "expired"}}), now.resumptionsExpired,
          last_.resumptionsExpired);
  advance(resumption_.Add({{"outcome", "stanza-queued"}}), now.queuedDetached,
          last_.queuedDetached);
  last_ = now;
  const auto t = std::chrono::steady_clock::now();
  const bool news =
      now.dropped != lastLogged_.dropped || now.backendErrors != lastLogged_.backendErrors;
  if (news && t - loggedAt_ >= logEvery_) {
    runtime::logInfo(
        "router gave up on stanzas or backend calls",
        {{"dropped", std::to_string(now.dropped - lastLogged_.dropped)},
         {"backend_errors", std::to_string(now.backendErrors - lastLogged_.backendErrors)},
         {"errors_sent", std::to_string(now.errorsSent - lastLogged_.errorsSent)}});
    lastLogged_ = now;
    loggedAt_ = t;
  }
}

void StatsReporter::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, every_, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    update();
    lock.lock();
  }
}

}  // namespace xmpp::router
