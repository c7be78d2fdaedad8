// Presence: `count` users log in, fetch their rosters (of `roster` contacts each: the ring
// i +- 1..roster/2, as provisioned) and send initial presence; then, in a closed loop with
// `window` updates in flight over all users, each update is broadcast to the online contacts.
#include <cstdio>

#include "scenarios.hpp"

namespace xmppload {

int runPresence(const Options& o, Loop& loop, const ServerProbe& probe, Report& r) {
  SaltCache salts;
  const int n = o.count;
  const uint64_t k = uint64_t(o.roster);
  std::vector<std::unique_ptr<Client>> owned;
  std::vector<Client*> clients;
  std::vector<std::string> users;
  std::vector<uint64_t> rosterAsked(size_t(n), 0);
  for (int i = 0; i < n; ++i) {
    owned.push_back(std::make_unique<Client>(loop, o.login, salts));
    owned.back()->index = i;
    clients.push_back(owned.back().get());
    users.push_back(userName(o, o.first + i));
  }
  int phase = 1;
  uint64_t initialSent = 0, delivered1 = 0, delivered2 = 0, updates = 0, rosterItems = 0,
           errors = 0, lastDelivery = 0, closed = 0;
  size_t rr = 0;
  bool sending = false;
  Latencies rosterLat;
  auto refill = [&] {
    size_t skipped = 0;
    while (sending && updates * k < delivered2 + uint64_t(o.window) * k &&
           skipped < clients.size()) {
      Client* c = clients[rr++ % clients.size()];
      if (!c->open()) {
        ++skipped;
        continue;
      }
      c->send("<presence><status>busy</status></presence>");
      ++updates;
    }
  };
  for (Client* c : clients) {
    c->ready = [&](Client& cl) {
      rosterAsked[size_t(cl.index)] = nowNs();
      cl.send("<iq type='get' id='roster'><query xmlns='jabber:iq:roster'/></iq>");
    };
    c->failed = [&](Client&, const char*) { ++closed; };
    c->element = [&](Client& cl, const Element& e) {
      if (e.name == "presence") {
        std::string_view type = attribute(e.text, "type");
        if (type == "error") {
          ++errors;
          return;
        }
        if (!type.empty()) return;
        std::string_view from = attribute(e.text, "from");
        if (from.substr(0, from.find('/')) == cl.bareJid()) return;  // our own, echoed
        lastDelivery = nowNs();
        if (phase == 1) {
          ++delivered1;
        } else {
          ++delivered2;
          refill();
        }
        return;
      }
      if (e.name == "iq" && attribute(e.text, "id") == "roster") {
        rosterLat.add(nowNs() - rosterAsked[size_t(cl.index)]);
        for (size_t p = 0; (p = e.text.find("<item", p)) != std::string_view::npos; ++p)
          ++rosterItems;
        cl.send("<presence/>");
        ++initialSent;
        return;
      }
      answerIq(cl, e);
    };
  }
  Pacer pacer(clients, o.concurrency, users, o.targets, {});
  Window w1(probe);
  w1.begin();
  uint64_t start = nowNs();
  pacer.start();
  const uint64_t expected = uint64_t(n) * k;
  loop.run([&] { return pacer.done() && initialSent + pacer.failed() >= size_t(n); },
           nowNs() + uint64_t(600e9));
  loop.run([&] { return delivered1 >= expected; }, nowNs() + uint64_t(30e9));
  w1.end();
  double phase1 = double(lastDelivery - start) / 1e9;
  r.add("users", double(n));
  r.add("contacts_per_user", double(k));
  r.add("failed_logins", double(pacer.failed()));
  r.add("roster_items_per_user", double(rosterItems) / double(std::max(n, 1)));
  r.add("login_phase_s", phase1);
  r.add("login_phase_presence", double(delivered1));
  r.add("login_phase_presence_per_s", double(delivered1) / phase1);
  r.add("roster_p50_ms", rosterLat.percentileMs(50));
  r.add("roster_p99_ms", rosterLat.percentileMs(99));
  if (!probe.empty()) r.add("login_phase_server_cpu_s", w1.serverCpu());
  r.add("login_phase_driver_cpu_s", w1.driverCpu());

  phase = 2;
  sending = true;
  Window w(probe);
  uint64_t t0 = 0, t1 = 0, counted0 = 0, counted = 0;
  uint64_t fanStart = nowNs();
  refill();
  loop.run([&] { return t1 != 0; }, UINT64_MAX,
           [&] {
             uint64_t now = nowNs();
             if (t0 == 0 && now >= fanStart + uint64_t(o.warmup * 1e9)) {
               t0 = now;
               counted0 = delivered2;
               w.begin();
             } else if (t0 != 0 && now >= t0 + uint64_t(o.duration * 1e9)) {
               t1 = now;
               counted = delivered2 - counted0;
               w.end();
               sending = false;
             }
           });
  loop.run([&] { return delivered2 >= updates * k; }, nowNs() + uint64_t(10e9));
  r.add("fanout_seconds", w.seconds());
  r.add("fanout_updates", double(updates));
  r.add("fanout_delivered_per_s", double(counted) / w.seconds());
  r.add("fanout_driver_cpu_s", w.driverCpu());
  if (!probe.empty()) {
    r.add("fanout_server_cpu_s", w.serverCpu());
    r.add("fanout_server_cpu_s_per_1000",
          w.serverCpu() * 1000.0 / double(std::max<uint64_t>(counted, 1)));
  }
  r.add("fanout_not_delivered", double(updates * k > delivered2 ? updates * k - delivered2 : 0));
  r.add("errors", double(errors));
  r.add("sessions_closed", double(closed));
  return pacer.failed() == 0 && errors == 0 && delivered2 >= updates * k ? 0 : 1;
}

}  // namespace xmppload
