#pragma once
// The router's worker threads. Tasks with the same key run in order on the same thread
// (RFC 6120 §10.1: one bare JID's stanzas are processed in order); different keys spread
// over the threads. What is queued is counted in bytes (issue 9, case 6): past the high mark
// the gateway streams stop reading (gRPC's flow control then holds the gateways back, whose
// backlogs pause their clients), and read again once the queues are below the low mark.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
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
  /// Queues `task` on `key`'s thread; `bytes` is what it holds (the event's size).
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
  struct Worker {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Task> queue;
    bool stop = false;
    std::thread thread;
  };
  void done(size_t bytes);
  const WorkerLimits limits_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<size_t> bytes_{0};
  std::mutex waitMu_;
  std::vector<std::function<void()>> waiting_;  // guarded by waitMu_
};

}  // namespace xmpp::router
