// xmppload scenarios: login storm, idle sessions, chat pairs (closed or open loop), presence.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "report.hpp"
#include "session.hpp"

namespace xmppload {

struct Options {
  std::string scenario;
  std::vector<Endpoint> targets;
  LoginOptions login;
  std::string prefix = "u";  // accounts are <prefix><index>, index in [0, users)
  int users = 1000;
  int first = 0;               // this driver's first account index (several drivers share a set)
  int count = 1000;            // logins, sessions, pairs or users, by scenario
  int concurrency = 100;       // logins in flight
  int window = 8;              // chat: in flight per pair; presence: updates in flight per user
  double rate = 0;             // chat: messages/s for the open loop (0: closed loop)
  double duration = 10;        // measured seconds
  double warmup = 2;           // seconds before the measured window
  double hold = 0;             // idle: seconds to hold once up (0: until SIGINT/SIGTERM)
  int roster = 20;             // presence: contacts per user (as provisioned: the ring, see README)
  int body = 120;              // chat: body bytes (the stanza is ~200 bytes with 120)
  bool spreadSources = false;  // idle: bind source addresses across 127.0.0.0/8
  std::vector<pid_t> pids;     // server processes measured
};

using Scenario = int (*)(const Options&, Loop&, const ServerProbe&, Report&);

int runLogin(const Options&, Loop&, const ServerProbe&, Report&);
int runIdle(const Options&, Loop&, const ServerProbe&, Report&);
int runChat(const Options&, Loop&, const ServerProbe&, Report&);
int runPresence(const Options&, Loop&, const ServerProbe&, Report&);

class Pacer;

// A session whose scenario sets its hooks.
class Client : public Session {
 public:
  Client(Loop& loop, const LoginOptions& opts, SaltCache& salts) : Session(loop, opts, salts) {}
  std::function<void(Client&)> ready;
  std::function<void(Client&, const Element&)> element;
  std::function<void(Client&, const char*)> failed;
  int index = 0;
  Pacer* pacer = nullptr;  // told when this login ends, either way

 protected:
  void onReady() override;
  void onElement(const Element& e) override;
  void onFailed(const char* why) override;
};

// Starts logins with at most `concurrency` in flight; each client's user, target and source
// address are set by the caller (Client::index picks them).
class Pacer {
 public:
  Pacer(std::vector<Client*> clients, int concurrency, std::vector<std::string> users,
        std::vector<Endpoint> targets, std::vector<std::string> sources);
  void start();
  void finished(bool ok, uint64_t latencyNs);
  bool done() const { return ok_ + failed_ == clients_.size(); }
  size_t ok() const { return ok_; }
  size_t failed() const { return failed_; }
  Latencies& latencies() { return latencies_; }

 private:
  void launch();
  std::vector<Client*> clients_;
  int concurrency_;
  std::vector<std::string> users_, sources_;
  std::vector<Endpoint> targets_;
  size_t next_ = 0, ok_ = 0, failed_ = 0;
  int inFlight_ = 0;
  Latencies latencies_;
};

// Answers the server's iq get/set (pings, roster pushes) so that idle peers stay polite.
void answerIq(Session& s, const Element& e);

std::string userName(const Options& o, int index);

}  // namespace xmppload
