#pragma once
// Test support: a real redis-server on a free loopback port, no persistence; stopped and
// its directory removed on destruction.

#include <sys/types.h>

#include <string>

namespace xmpp::testing {

class TestRedis {
 public:
  TestRedis();  // starts and waits until it answers PING; throws on failure
  ~TestRedis();
  TestRedis(const TestRedis&) = delete;
  TestRedis& operator=(const TestRedis&) = delete;

  /// kill -9 and a fresh start on the same port: Redis back without its data.
  void restart();

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void start();
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace xmpp::testing
