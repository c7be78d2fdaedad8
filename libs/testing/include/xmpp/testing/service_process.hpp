#pragma once
// Test support: runs a real service binary as a child process. The service logs
// "listening grpc_port=N ops_port=M" once it serves; start() polls its log for that line
// with a deadline. The destructor sends SIGTERM and waits (SIGKILL after a deadline).

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace xmpp::testing {

class ServiceProcess {
 public:
  /// `binary`: path; `args`: flags such as "--db.url=...". Nothing runs until start().
  ServiceProcess(std::string binary, std::vector<std::string> args);
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  /// Starts and waits until the service logs its ports; throws on exit or timeout.
  void start(std::chrono::seconds timeout = std::chrono::seconds(30));
  /// SIGTERM, then waits; returns the exit status (as from waitpid).
  int stop(std::chrono::seconds timeout = std::chrono::seconds(10));
  /// SIGKILL (a crash), then reaps.
  void kill();

  int grpcPort() const { return grpcPort_; }
  int opsPort() const { return opsPort_; }
  std::string grpcAddress() const { return "127.0.0.1:" + std::to_string(grpcPort_); }
  std::string log() const;  // everything the service wrote to stdout/stderr
  bool running() const { return pid_ > 0; }

 private:
  std::string binary_;
  std::vector<std::string> args_;
  std::string logPath_;
  pid_t pid_ = -1;
  int grpcPort_ = 0;
  int opsPort_ = 0;
};

/// GET http://127.0.0.1:port/path; returns {status, body}, status 0 if unreachable.
std::pair<int, std::string> httpGet(int port, const std::string& path);

/// Polls `predicate` every 20 ms until it holds or `timeout` passes; returns its last value.
template <class F>
bool eventually(F&& predicate, std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace xmpp::testing

#include <thread>

namespace xmpp::testing {
template <class F>
bool eventually(F&& predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (predicate()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}
}  // namespace xmpp::testing
