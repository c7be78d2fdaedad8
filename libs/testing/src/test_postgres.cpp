#include "xmpp/testing/test_postgres.hpp"

#include "xmpp/testing/free_port.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace xmpp::testing {

namespace {

void run(const std::string& command) {
  if (std::system(command.c_str()) != 0) {
    throw std::runtime_error("command failed: " + command);
  }
}

}  // namespace

TestPostgres::TestPostgres() {
  char tmpl[] = "/tmp/xmpp-pg-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  base_ = tmpl;
  datadir_ = base_ + "/data";
  port_ = freePort();
  start();
}

TestPostgres::~TestPostgres() {
  try {
    stop();
  } catch (...) {
  }
  std::error_code ec;
  std::filesystem::remove_all(base_, ec);
}

std::string TestPostgres::connectionString() const {
  return "host=127.0.0.1 port=" + std::to_string(port_) +
         " user=xmpp dbname=xmpp connect_timeout=2";
}

void TestPostgres::start() {
  if (running_) return;
  run(std::string(XMPP_SOURCE_DIR) + "/deploy/local/postgres.sh start " + datadir_ + " " +
      std::to_string(port_) + " --fast");
  running_ = true;
}

void TestPostgres::stop() {
  if (!running_) return;
  running_ = false;
  run(std::string(XMPP_SOURCE_DIR) + "/deploy/local/postgres.sh stop " + datadir_);
}

}  // namespace xmpp::testing
