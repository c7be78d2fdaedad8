#pragma once
// Test support: a real PostgreSQL in a temporary directory on a free loopback port,
// started through deploy/local/postgres.sh (as the 'postgres' user when run as root).

#include <string>

#include "xmpp/testing/free_port.hpp"

namespace xmpp::testing {

class TestPostgres {
 public:
  TestPostgres();  // starts; throws on failure
  ~TestPostgres();
  TestPostgres(const TestPostgres&) = delete;
  TestPostgres& operator=(const TestPostgres&) = delete;

  /// libpq connection string for the 'xmpp' database.
  std::string connectionString() const;
  int port() const { return port_; }

  void stop();
  void start();

 private:
  std::string base_;
  std::string datadir_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace xmpp::testing
