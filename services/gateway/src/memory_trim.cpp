#include "memory_trim.hpp"

#include <malloc.h>

#include <algorithm>

#include "xmpp/runtime/runtime.hpp"

namespace xmpp::gateway {

bool TrimPolicy::tick(size_t sessions) {
  if (settle_) {
    settle_ = false;
    return true;
  }
  if (peak_ > sessions && peak_ - sessions >= std::max<size_t>(64, peak_ / 10)) {
    peak_ = sessions;
    settle_ = true;
    return true;
  }
  peak_ = std::max(peak_, sessions);
  return false;
}

MemoryTrimmer::MemoryTrimmer(boost::asio::io_context& io, std::function<size_t()> sessions,
                             std::chrono::milliseconds interval)
    : timer_(io), sessions_(std::move(sessions)), interval_(interval) {}

void MemoryTrimmer::start() {
  if (interval_.count() > 0) arm();
}

void MemoryTrimmer::stop() { timer_.cancel(); }

void MemoryTrimmer::arm() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const size_t now = sessions_();
    if (policy_.tick(now)) {
      const auto t0 = std::chrono::steady_clock::now();
      malloc_trim(0);
      runtime::logInfo("memory returned after sessions ended",
                       {{"sessions", std::to_string(now)},
                        {"ms", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::steady_clock::now() - t0)
                                                  .count())}});
    }
    arm();
  });
}

}  // namespace xmpp::gateway
