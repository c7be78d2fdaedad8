#include "xmpp/testing/free_port.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace xmpp::testing {
namespace {

constexpr int kLowest = 20000;  // below: well-known and default cluster ports (5222, 15400)
constexpr const char* kLockDir = "/tmp/xmpp-test-ports";

/// [lo, hi] for test ports: kLowest up to the ephemeral range's start, or above its end when
/// the ephemeral range starts too low to leave room.
std::pair<int, int> testRange() {
  int eLo = 32768;
  int eHi = 60999;
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  in >> eLo >> eHi;
  if (eLo - 1 - kLowest >= 2000) return {kLowest, eLo - 1};
  if (65535 - (eHi + 1) >= 2000) return {eHi + 1, 65535};
  throw std::runtime_error("no room for test ports outside the ephemeral range");
}

bool bindable(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

/// Takes the port's lock file; the descriptor stays open (and the lock held) until exit.
bool reserve(int port) {
  ::mkdir(kLockDir, 01777);
  ::chmod(kLockDir, 01777);
  const std::string path = std::string(kLockDir) + "/" + std::to_string(port) + ".lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) return false;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return false;
  }
  return true;  // fd deliberately kept: the reservation is the open, locked descriptor
}

}  // namespace

int freePort() {
  static std::mutex mu;
  std::lock_guard lock(mu);
  const auto [lo, hi] = testRange();
  std::random_device rd;
  std::mt19937 gen(rd());
  std::uniform_int_distribution<int> pick(lo, hi);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int port = pick(gen);
    if (reserve(port) && bindable(port)) return port;
  }
  throw std::runtime_error("cannot find a free port");
}

}  // namespace xmpp::testing
