#pragma once
// The router's worker threads. Tasks with the same key run in order, one at a time (RFC 6120
// §10.1: one bare JID's stanzas are processed in order); each key has its own queue, and any
// free thread runs the next key that has work, so a key stalled in a slow backend call holds
// one thread, not the keys that happened to share it (issue 9, case 6). What is queued is
// counted in bytes: past the high mark the gateway streams stop reading (gRPC's flow control
// then holds the gateways back, whose backlogs pause their clients), and read again once the
// queues are below the low mark.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace xmpp::router {

struct WorkerLimits {
  size_t highBytes = 64u << 20;  // queued past this: producers pause
  size_t lowBytes = 32u << 20;   // back under this: they resume
};

class KeyedWorkers {
 public:
  explicit KeyedWorkers(size_t threads, WorkerLimits limits = {});
  ~KeyedWorkers();
  /// Queues `task` behind `key`'s earlier tasks; `bytes` is what it holds (the event's size).
  void post(std::string_view key, std::function<void()> task, size_t bytes = 0);
  size_t queued() const;
  size_t queuedBytes() const { return bytes_.load(std::memory_order_relaxed); }
  /// Past the high mark: a producer should wait (whenDrained) before it adds more.
  bool overloaded() const { return queuedBytes() > limits_.highBytes; }
  /// Runs `resume` once the queues are under the low mark (at once if they are; else on the
  /// worker thread that brings them there).
  void whenDrained(std::function<void()> resume);
  /// Runs `f` once every task queued before this call has run (on the last worker to get
  /// there).
  void afterAll(std::function<void()> f);

 private:
  struct Task {
    std::function<void()> run;
    size_t bytes = 0;
  };
  struct KeyQueue {
    std::deque<Task> tasks;
    bool running = false;  // a thread holds this key
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
  };
  using Keys = std::unordered_map<std::string, KeyQueue, KeyHash, std::equal_to<>>;
  void loop();
  void done(size_t bytes);
  const WorkerLimits limits_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Keys keys_;  // keys with work, or running
  // Keys with work that no thread holds (elements of keys_: stable until erased, and only
  // the thread that ran a key erases it).
  std::deque<Keys::value_type*> ready_;
  size_t idle_ = 0;  // threads waiting for a ready key
  size_t tasks_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
  std::atomic<size_t> bytes_{0};
  std::mutex waitMu_;
  std::vector<std::function<void()>> waiting_;  // guarded by waitMu_
};

}  // namespace xmpp::router
