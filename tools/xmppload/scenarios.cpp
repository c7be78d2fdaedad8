#include "scenarios.hpp"

#include <csignal>
#include <cstdio>

namespace xmppload {

std::string userName(const Options& o, int index) { return o.prefix + std::to_string(index); }

void Client::onReady() {
  if (pacer != nullptr) pacer->finished(true, nowNs() - loginStarted());
  if (ready) ready(*this);
}

void Client::onElement(const Element& e) {
  if (element) element(*this, e);
}

void Client::onFailed(const char* why) {
  if (failed) failed(*this, why);
  if (pacer != nullptr) {
    Pacer* p = pacer;
    pacer = nullptr;  // a session that ends after its login is not a failed login
    p->finished(false, 0);
  }
}

Pacer::Pacer(std::vector<Client*> clients, int concurrency, std::vector<std::string> users,
             std::vector<Endpoint> targets, std::vector<std::string> sources)
    : clients_(std::move(clients)),
      concurrency_(concurrency),
      users_(std::move(users)),
      sources_(std::move(sources)),
      targets_(std::move(targets)) {}

void Pacer::start() {
  while (inFlight_ < concurrency_ && next_ < clients_.size()) launch();
}

void Pacer::launch() {
  Client* c = clients_[next_];
  size_t i = next_++;
  ++inFlight_;
  c->pacer = this;
  c->login(users_[i], targets_[i % targets_.size()],
           sources_.empty() ? std::string() : sources_[i % sources_.size()]);
}

void Pacer::finished(bool ok, uint64_t latencyNs) {
  --inFlight_;
  if (ok) {
    ++ok_;
    latencies_.add(latencyNs);
  } else {
    ++failed_;
  }
  start();
}

void answerIq(Session& s, const Element& e) {
  if (e.name != "iq") return;
  std::string_view type = attribute(e.text, "type");
  if (type != "get" && type != "set") return;
  std::string reply = "<iq type='result' id='";
  reply.append(attribute(e.text, "id"));
  reply += "'";
  std::string_view from = attribute(e.text, "from");
  if (!from.empty()) {
    reply += " to='";
    reply.append(from);
    reply += "'";
  }
  reply += "/>";
  s.send(reply);
}

namespace {

volatile std::sig_atomic_t stopRequested = 0;

void onSignal(int) { stopRequested = 1; }

// 127.0.x.y, never 127.0.0.1's /24 neighbours only: spreads the 4-tuples past 64k ports.
std::vector<std::string> spreadSources(int count) {
  std::vector<std::string> out;
  int per = 20000;  // sessions per source address
  for (int i = 0; i * per < count; ++i)
    out.push_back("127.0." + std::to_string(1 + i / 250) + "." + std::to_string(1 + i % 250));
  return out;
}

}  // namespace

// Login storm: `count` logins with `concurrency` in flight, each closed once bound (the
// stream ended with </stream:stream>), round-robin over the accounts.
int runLogin(const Options& o, Loop& loop, const ServerProbe& probe, Report& r) {
  SaltCache salts;
  int slots = std::min(o.concurrency, o.count);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < slots; ++i) clients.push_back(std::make_unique<Client>(loop, o.login, salts));
  size_t next = 0, ok = 0, failed = 0;
  Latencies lat;
  std::map<std::string, int> why;
  auto launch = [&](Client& c) {
    if (next >= size_t(o.count)) return;
    size_t i = next++;
    c.login(userName(o, o.first + int(i % size_t(o.users))), o.targets[i % o.targets.size()]);
  };
  for (auto& c : clients) {
    c->ready = [&](Client& cl) {
      lat.add(nowNs() - cl.loginStarted());
      ++ok;
      cl.send("</stream:stream>");
      cl.close();
      launch(cl);
    };
    c->failed = [&](Client& cl, const char* w) {
      ++failed;
      ++why[w];
      launch(cl);
    };
  }
  // Warm the salt cache and the servers' first-login paths, unmeasured.
  Window w(probe);
  w.begin();
  for (auto& c : clients) launch(*c);
  loop.run([&] { return ok + failed >= size_t(o.count); }, nowNs() + uint64_t(600e9));
  w.end();
  r.add("logins", double(ok));
  r.add("failed", double(failed));
  for (auto& [k, v] : why) r.add("failed: " + k, double(v));
  r.add("seconds", w.seconds());
  r.add("logins_per_s", double(ok) / w.seconds());
  r.add("login_p50_ms", lat.percentileMs(50));
  r.add("login_p99_ms", lat.percentileMs(99));
  r.add("driver_cpu_s", w.driverCpu());
  if (!probe.empty()) {
    r.add("server_cpu_s", w.serverCpu());
    r.add("server_cpu_ms_per_login", w.serverCpu() * 1e3 / double(std::max<size_t>(ok, 1)));
  }
  return failed == 0 ? 0 : 1;
}

// Idle sessions: `count` sessions logged in (initial presence sent), held `hold` seconds
// (or until a signal); reports the servers' RSS growth per session.
int runIdle(const Options& o, Loop& loop, const ServerProbe& probe, Report& r) {
  SaltCache salts;
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  std::vector<std::unique_ptr<Client>> owned;
  std::vector<Client*> clients;
  std::vector<std::string> users;
  size_t dropped = 0;
  for (int i = 0; i < o.count; ++i) {
    owned.push_back(std::make_unique<Client>(loop, o.login, salts));
    Client* c = owned.back().get();
    c->ready = [](Client& cl) { cl.send("<presence/>"); };
    c->element = [](Client& cl, const Element& e) { answerIq(cl, e); };
    c->failed = [&](Client&, const char*) { ++dropped; };
    if (o.count > o.users) c->setResource("r" + std::to_string(i / o.users));
    clients.push_back(c);
    users.push_back(userName(o, o.first + i % o.users));
  }
  long rss0 = probe.rssKiB();
  Pacer pacer(clients, o.concurrency, users, o.targets,
              o.spreadSources ? spreadSources(o.count) : std::vector<std::string>{});
  Window w(probe);
  w.begin();
  pacer.start();
  loop.run([&] { return pacer.done() || stopRequested; }, nowNs() + uint64_t(1800e9));
  w.end();
  // Settle: the servers' first replies (presence, roster) written and their buffers released.
  loop.run([] { return stopRequested != 0; }, nowNs() + uint64_t(3e9));
  long rss1 = probe.rssKiB();
  r.add("sessions", double(pacer.ok()));
  r.add("failed", double(pacer.failed()));
  r.add("login_seconds", w.seconds());
  r.add("logins_per_s", double(pacer.ok()) / w.seconds());
  r.add("login_p50_ms", pacer.latencies().percentileMs(50));
  r.add("driver_cpu_s", w.driverCpu());
  if (!probe.empty()) {
    r.add("server_rss_kib_before", double(rss0));
    r.add("server_rss_kib_after", double(rss1));
    r.add("kib_per_session", double(rss1 - rss0) / double(std::max<size_t>(pacer.ok(), 1)));
  }
  r.print();
  std::printf("READY %zu\n", pacer.ok());
  std::fflush(stdout);
  uint64_t until = o.hold > 0 ? nowNs() + uint64_t(o.hold * 1e9) : UINT64_MAX;
  loop.run([] { return stopRequested != 0; }, until);
  Report after;
  after.add("dropped_while_idle", double(dropped - pacer.failed()));
  r = after;
  return pacer.failed() == 0 ? 0 : 1;
}

}  // namespace xmppload
