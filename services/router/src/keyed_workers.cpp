#include "keyed_workers.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>

#include "xmpp/runtime/runtime.hpp"

namespace xmpp::router {

namespace {
constexpr int kBurst = 32;  // tasks of one key run in a row before other keys get a turn
}  // namespace

KeyedWorkers::KeyedWorkers(size_t threads, WorkerLimits limits) : limits_(limits) {
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i)
    threads_.emplace_back([this] { loop(); });
}

KeyedWorkers::~KeyedWorkers() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void KeyedWorkers::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_;
    cv_.wait(lock, [&] { return stop_ || !ready_.empty(); });
    --idle_;
    if (ready_.empty()) return;  // stopping, and nothing is left that no thread holds
    Keys::value_type* entry = ready_.front();
    ready_.pop_front();
    KeyQueue& q = entry->second;
    q.running = true;
    for (int n = 0; n < kBurst && !q.tasks.empty(); ++n) {
      Task task = std::move(q.tasks.front());
      q.tasks.pop_front();
      --tasks_;
      lock.unlock();
      try {
        task.run();
      } catch (const std::exception& e) {
        runtime::logError("router task failed", {{"error", e.what()}});
      }
      done(task.bytes);
      lock.lock();
    }
    q.running = false;
    if (q.tasks.empty()) {
      keys_.erase(keys_.find(entry->first));
    } else {
      ready_.push_back(entry);
      if (idle_ > 0) cv_.notify_one();
    }
  }
}

void KeyedWorkers::post(std::string_view key, std::function<void()> task, size_t bytes) {
  bytes_.fetch_add(bytes, std::memory_order_relaxed);
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    auto it = keys_.find(key);
    if (it == keys_.end()) it = keys_.emplace(std::string(key), KeyQueue{}).first;
    KeyQueue& q = it->second;
    q.tasks.push_back({std::move(task), bytes});
    ++tasks_;
    if (!q.running && q.tasks.size() == 1) {
      ready_.push_back(&*it);
      wake = idle_ > 0;  // a busy thread takes it when it is done
    }
  }
  if (wake) cv_.notify_one();
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
  std::unique_lock lock(mu_);
  if (keys_.empty()) {
    lock.unlock();
    f();
    return;
  }
  // Behind every key's queued tasks (and the one running): the last of them calls f.
  auto remaining = std::make_shared<std::atomic<size_t>>(keys_.size());
  auto shared = std::make_shared<std::function<void()>>(std::move(f));
  for (auto& [key, q] : keys_) {
    q.tasks.push_back({[remaining, shared] {
                         if (remaining->fetch_sub(1) == 1) (*shared)();
                       },
                       0});
    ++tasks_;
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
  std::lock_guard lock(mu_);
  return tasks_;
}

}  // namespace xmpp::router
