#include "keyed_workers.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>

#include "xmpp/runtime/runtime.hpp"

namespace xmpp::router {

KeyedWorkers::KeyedWorkers(size_t threads, WorkerLimits limits) : limits_(limits) {
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) {
    auto w = std::make_unique<Worker>();
    Worker* self = w.get();
    w->thread = std::thread([this, self] {
      for (;;) {
        Task task;
        {
          std::unique_lock lock(self->mu);
          self->cv.wait(lock, [&] { return self->stop || !self->queue.empty(); });
          if (self->queue.empty()) return;  // stopping and drained
          task = std::move(self->queue.front());
          self->queue.pop_front();
        }
        try {
          task.run();
        } catch (const std::exception& e) {
          runtime::logError("router task failed", {{"error", e.what()}});
        }
        done(task.bytes);
      }
    });
    workers_.push_back(std::move(w));
  }
}

KeyedWorkers::~KeyedWorkers() {
  for (auto& w : workers_) {
    {
      std::lock_guard lock(w->mu);
      w->stop = true;
    }
    w->cv.notify_one();
  }
  for (auto& w : workers_) w->thread.join();
}

void KeyedWorkers::post(std::string_view key, std::function<void()> task, size_t bytes) {
  Worker& w = *workers_[std::hash<std::string_view>{}(key) % workers_.size()];
  bytes_.fetch_add(bytes, std::memory_order_relaxed);
  bool wasEmpty;
  {
    std::lock_guard lock(w.mu);
    wasEmpty = w.queue.empty();
    w.queue.push_back({std::move(task), bytes});
  }
  // A busy worker drains its queue without waiting: wake it only when it may be asleep
  // (one futex call per burst instead of per event).
  if (wasEmpty) w.cv.notify_one();
}

void KeyedWorkers::done(size_t bytes) {
  const size_t now = bytes_.fetch_sub(bytes, std::memory_order_relaxed) - bytes;
  if (bytes == 0 || now >= limits_.lowBytes) return;
  std::vector<std::function<void()>> resume;
  {
    std::lock_guard lock(waitMu_);
    resume.swap(waiting_);
  }
  for (auto& f : resume) f();
}

void KeyedWorkers::afterAll(std::function<void()> f) {
  auto remaining = std::make_shared<std::atomic<size_t>>(workers_.size());
  auto shared = std::make_shared<std::function<void()>>(std::move(f));
  for (auto& w : workers_) {
    bool wasEmpty;
    {
      std::lock_guard lock(w->mu);
      wasEmpty = w->queue.empty();
      w->queue.push_back({[remaining, shared] {
                            if (remaining->fetch_sub(1) == 1) (*shared)();
                          },
                          0});
    }
    if (wasEmpty) w->cv.notify_one();
  }
}

void KeyedWorkers::whenDrained(std::function<void()> resume) {
  {
    std::lock_guard lock(waitMu_);
    if (queuedBytes() >= limits_.lowBytes) {
      waiting_.push_back(std::move(resume));
      return;
    }
  }
  resume();  // drained meanwhile
}

size_t KeyedWorkers::queued() const {
  size_t n = 0;
  for (const auto& w : workers_) {
    std::lock_guard lock(w->mu);
    n += w->queue.size();
  }
  return n;
}

}  // namespace xmpp::router
