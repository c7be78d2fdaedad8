#pragma once
// Gives memory back to the system after many sessions ended (issue 9, case 12): glibc keeps
// freed heap pages in its arenas, so a gateway that held 10,000 sessions stayed at its peak
// RSS after they logged out. Every `interval`, if the session count fell by at least a tenth
// (and 64) since its peak, malloc_trim(0) returns the free pages; one interval later it runs
// once more, for what the ended sessions freed late (lingering connections, the batches
// telling the routers). What else keeps pages: docs/performance.md.

#include <boost/asio.hpp>

#include <chrono>
#include <cstddef>
#include <functional>

namespace xmpp::gateway {

/// When to trim, given the session count at each tick.
class TrimPolicy {
 public:
  bool tick(size_t sessions);

 private:
  size_t peak_ = 0;
  bool settle_ = false;
};

class MemoryTrimmer {
 public:
  MemoryTrimmer(boost::asio::io_context& io, std::function<size_t()> sessions,
                std::chrono::milliseconds interval);
  void start();
  void stop();

 private:
  void arm();
  boost::asio::steady_timer timer_;
  std::function<size_t()> sessions_;
  std::chrono::milliseconds interval_;
  TrimPolicy policy_;
};

}  // namespace xmpp::gateway
