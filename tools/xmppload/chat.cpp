// Chat pairs: sender <prefix>(first+2p) on target p, receiver <prefix>(first+2p+1) on the next
// target, messages to the receiver's full JID with the send time in the body. Closed loop
// (`window` in flight per pair) or open loop (`rate` messages/s over all pairs).
#include <cinttypes>
#include <cstdio>

#include "scenarios.hpp"

namespace xmppload {
namespace {

struct Pair {
  Client* tx = nullptr;
  Client* rx = nullptr;
  std::string prefix, suffix;
  uint64_t sent = 0, received = 0;
};

void sendOne(Pair& p) {
  char stamp[17];
  std::snprintf(stamp, sizeof stamp, "%016" PRIx64, nowNs());
  std::string m;
  m.reserve(p.prefix.size() + 16 + p.suffix.size());
  m.append(p.prefix).append(stamp, 16).append(p.suffix);
  p.tx->send(m);
  ++p.sent;
}

uint64_t stampOf(std::string_view message) {
  size_t b = message.find("<body>");
  if (b == std::string_view::npos || b + 6 + 16 > message.size()) return 0;
  uint64_t v = 0;
  for (size_t i = b + 6; i < b + 22; ++i) {
    char c = message[i];
    v = v * 16 + uint64_t(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return v;
}

}  // namespace

int runChat(const Options& o, Loop& loop, const ServerProbe& probe, Report& r) {
  SaltCache salts;
  const int pairs = o.count;
  std::vector<std::unique_ptr<Client>> owned;
  std::vector<Client*> clients;
  std::vector<std::string> users;
  std::vector<Endpoint> to;
  std::vector<Pair> ps(static_cast<size_t>(pairs));
  const size_t T = o.targets.size();
  for (int p = 0; p < pairs; ++p) {
    for (int side = 0; side < 2; ++side) {
      owned.push_back(std::make_unique<Client>(loop, o.login, salts));
      owned.back()->index = p;
      clients.push_back(owned.back().get());
      users.push_back(userName(o, o.first + 2 * p + side));
      to.push_back(o.targets[(size_t(p) + size_t(side)) % T]);
    }
    Pair& pr = ps[size_t(p)];
    pr.tx = clients[clients.size() - 2];
    pr.rx = clients.back();
    pr.prefix = "<message to='" + users.back() + "@" + o.login.domain + "/" + o.login.resource +
                "' type='chat' id='m'><body>";
    pr.suffix = std::string(size_t(o.body), 'x') + "</body></message>";
  }
  bool sending = false, measuring = false;
  uint64_t measuredIn = 0, errors = 0, closedAfterLogin = 0, t0 = 0, t1 = 0;
  Latencies lat;
  Window w(probe);
  for (Client* c : clients) {
    c->ready = [](Client& cl) { cl.send("<presence/>"); };
    c->failed = [&](Client&, const char*) { ++closedAfterLogin; };
  }
  for (auto& pr : ps) {
    Pair* p = &pr;
    pr.rx->element = [&, p](Client& cl, const Element& e) {
      if (e.name != "message") return answerIq(cl, e);
      if (attribute(e.text, "type") == "error") {
        ++errors;
        return;
      }
      ++p->received;
      uint64_t stamp = stampOf(e.text);
      if (measuring) {
        ++measuredIn;
        if (stamp >= t0) lat.add(nowNs() - stamp);
      }
      if (sending && o.rate <= 0) sendOne(*p);
    };
    pr.tx->element = [&](Client& cl, const Element& e) {
      if (e.name == "message")
        ++errors;  // an error bounced to the sender
      else
        answerIq(cl, e);
    };
  }
  Pacer pacer(clients, o.concurrency, users, to, {});
  pacer.start();
  loop.run([&] { return pacer.done(); }, nowNs() + uint64_t(600e9));
  if (pacer.failed() > 0) {
    r.add("failed_logins", double(pacer.failed()));
    return 1;
  }
  closedAfterLogin = 0;
  sending = true;
  uint64_t start = nowNs(), sentOpen = 0;
  size_t rr = 0;
  if (o.rate <= 0)
    for (auto& p : ps)
      for (int i = 0; i < o.window; ++i) sendOne(p);
  auto tick = [&] {
    uint64_t now = nowNs();
    if (o.rate > 0 && sending) {
      auto due = uint64_t(o.rate * double(now - start) / 1e9);
      while (sentOpen < due) {
        Pair& p = ps[rr++ % ps.size()];
        if (p.tx->pendingOut() < (1u << 20)) sendOne(p);
        ++sentOpen;  // skipped when the socket is 1 MiB behind: the driver cannot keep the rate
      }
    }
    if (!measuring && t0 == 0 && now >= start + uint64_t(o.warmup * 1e9)) {
      measuring = true;
      t0 = now;
      w.begin();
    } else if (measuring && now >= t0 + uint64_t(o.duration * 1e9)) {
      measuring = false;
      t1 = now;
      w.end();
      sending = false;
    }
  };
  loop.run([&] { return t1 != 0; }, UINT64_MAX, tick);
  // Drain: whatever was sent arrives (or the report says how much did not).
  auto outstanding = [&] {
    uint64_t s = 0, rcv = 0;
    for (auto& p : ps) s += p.sent, rcv += p.received;
    return s - rcv;
  };
  loop.run([&] { return outstanding() <= errors; }, nowNs() + uint64_t(10e9));
  uint64_t sentTotal = 0;
  for (auto& p : ps) sentTotal += p.sent;
  r.add("pairs", double(pairs));
  r.add("mode", o.rate > 0 ? std::string("open loop") : std::string("closed loop"));
  if (o.rate > 0)
    r.add("offered_per_s", o.rate);
  else
    r.add("window_per_pair", double(o.window));
  r.add("seconds", w.seconds());
  r.add("delivered_per_s", double(measuredIn) / w.seconds());
  r.add("latency_p50_ms", lat.percentileMs(50));
  r.add("latency_p99_ms", lat.percentileMs(99));
  r.add("latency_p999_ms", lat.percentileMs(99.9));
  r.add("driver_cpu_s", w.driverCpu());
  r.add("driver_cpu_share", w.driverCpu() / w.seconds());
  if (!probe.empty()) {
    r.add("server_cpu_s", w.serverCpu());
    r.add("server_cpu_s_per_1000",
          w.serverCpu() * 1000.0 / double(std::max<uint64_t>(measuredIn, 1)));
  }
  r.add("sent", double(sentTotal));
  r.add("not_delivered", double(outstanding()));
  r.add("errors", double(errors));
  r.add("sessions_closed", double(closedAfterLogin));
  return outstanding() == 0 && errors == 0 ? 0 : 1;
}

}  // namespace xmppload
