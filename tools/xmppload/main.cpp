// xmppload: a single-threaded XMPP load driver (epoll, OpenSSL, pre-built stanzas). It speaks
// plain RFC 6120/6121, so the same command measures this project, ejabberd and Prosody.
// See README.md beside this file for the scenarios and how docs/performance.md uses them.
#include <openssl/ssl.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "scenarios.hpp"

namespace {

using xmppload::Options;

const char kUsage[] =
    "usage: xmppload <login|idle|chat|presence> [--key=value ...]\n"
    "  --target=HOST:PORT   (repeatable; sessions spread over the targets) [127.0.0.1:5222]\n"
    "  --direct-tls         the targets are direct-TLS ports (default: STARTTLS)\n"
    "  --mech=PLAIN|SCRAM-SHA-1|SCRAM-SHA-256 [PLAIN]\n"
    "  --domain=D [localhost]  --password=P [pw]  --prefix=U [u]\n"
    "  --users=N   accounts U0..U(N-1) exist [1000]   --first=I  first account index [0]\n"
    "  --count=N   logins (login), sessions (idle), pairs (chat), users (presence) [1000]\n"
    "  --concurrency=C  logins in flight [100]\n"
    "  --window=W  chat: messages in flight per pair; presence: updates in flight [8]\n"
    "  --rate=R    chat: open loop at R messages/s over all pairs (0: closed loop) [0]\n"
    "  --duration=S [10]  --warmup=S [2]  measured seconds and the unmeasured start\n"
    "  --hold=S    idle: hold the sessions S seconds (0: until SIGINT/SIGTERM) [0]\n"
    "  --roster=K  presence: contacts per user, the ring i+-1..K/2 [20]\n"
    "  --body=B    chat: body bytes [120]\n"
    "  --spread-sources  idle: source addresses over 127.0.0.0/8 (past 64k ports)\n"
    "  --pids=P,P  server processes whose CPU and RSS are measured\n";

bool parse(int argc, char** argv, Options& o) {
  if (argc < 2) return false;
  o.scenario = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) return false;
    std::string key = a.substr(2), value;
    size_t eq = key.find('=');
    if (eq != std::string::npos) {
      value = key.substr(eq + 1);
      key.resize(eq);
    }
    if (key == "target") {
      size_t colon = value.rfind(':');
      if (colon == std::string::npos) return false;
      o.targets.push_back({value.substr(0, colon), std::atoi(value.c_str() + colon + 1)});
    } else if (key == "direct-tls") {
      o.login.directTls = true;
    } else if (key == "spread-sources") {
      o.spreadSources = true;
    } else if (key == "mech") {
      o.login.mech = value;
    } else if (key == "domain") {
      o.login.domain = value;
    } else if (key == "password") {
      o.login.password = value;
    } else if (key == "prefix") {
      o.prefix = value;
    } else if (key == "pids") {
      for (char* p = value.data(); *p != '\0';) {
        o.pids.push_back(pid_t(std::strtol(p, &p, 10)));
        if (*p == ',') ++p;
      }
    } else {
      static const std::map<std::string, double Options::*> doubles = {
          {"rate", &Options::rate},
          {"duration", &Options::duration},
          {"warmup", &Options::warmup},
          {"hold", &Options::hold}};
      static const std::map<std::string, int Options::*> ints = {
          {"users", &Options::users},   {"first", &Options::first},
          {"count", &Options::count},   {"concurrency", &Options::concurrency},
          {"window", &Options::window}, {"roster", &Options::roster},
          {"body", &Options::body}};
      if (auto d = doubles.find(key); d != doubles.end()) {
        o.*(d->second) = std::atof(value.c_str());
      } else if (auto n = ints.find(key); n != ints.end()) {
        o.*(n->second) = std::atoi(value.c_str());
      } else {
        std::fprintf(stderr, "unknown option --%s\n", key.c_str());
        return false;
      }
    }
  }
  if (o.targets.empty()) o.targets.push_back({});
  const std::string& m = o.login.mech;
  return m == "PLAIN" || m == "SCRAM-SHA-1" || m == "SCRAM-SHA-256";
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  static const std::map<std::string, xmppload::Scenario> scenarios = {
      {"login", xmppload::runLogin},
      {"idle", xmppload::runIdle},
      {"chat", xmppload::runChat},
      {"presence", xmppload::runPresence}};
  auto it = scenarios.find(o.scenario);
  if (it == scenarios.end()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);
  SSL_CTX* ctx = xmppload::makeClientContext();
  xmppload::Loop loop(ctx);
  xmppload::ServerProbe probe(o.pids);
  xmppload::Report report;
  int rc = it->second(o, loop, probe, report);
  report.add("scenario", o.scenario);
  report.add("mech", o.login.mech);
  report.add("tls", o.login.directTls ? std::string("direct") : std::string("starttls"));
  report.print();
  SSL_CTX_free(ctx);
  return rc;
}
