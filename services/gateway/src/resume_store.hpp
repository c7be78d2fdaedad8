#pragma once
// ResumeStore on Redis (xmpp/storage_redis/resumable_sessions.hpp): a few writer threads, each
// owning the ids that hash to it, so one session's commands keep their order; each thread sends
// whatever is queued, from every session, as one pipeline (one round trip for many stanzas).
// StrandResumeStore is a connection's view of it: answers are posted onto its strand, and the
// connection is kept alive until they ran (a detach must reach the router).

#include <boost/asio.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ports.hpp"
#include "xmpp/storage_redis/resumable_sessions.hpp"

namespace xmpp::gateway {

class RedisResumeStore {
 public:
  using OnReply = std::function<void(const redisReply*)>;  // null: Redis failed
  RedisResumeStore(storage_redis::RedisOptions options, size_t threads);
  ~RedisResumeStore();
  RedisResumeStore(const RedisResumeStore&) = delete;
  RedisResumeStore& operator=(const RedisResumeStore&) = delete;

  void submit(const std::string& id, storage_redis::RedisCommand command, OnReply onReply);
  /// One sent stanza: the appends of one session queued together go as one script run.
  void submitAppend(const std::string& id, const std::string& sessionId, std::string entry,
                    uint32_t inbound, OnReply onReply);
  /// Commands queued or running, or answered and not yet handled on their strand (the
  /// SIGTERM drain waits for detaches to be stored and reported).
  size_t pending() const { return pending_.load(); }
  /// An answer posted to a strand: pending until answered().
  void answering() { ++pending_; }
  void answered() { --pending_; }

 private:
  struct Job {
    storage_redis::RedisCommand command;  // empty for an append
    OnReply onReply;
    std::string id;
    std::string sessionId, entry;  // an append
    uint32_t inbound = 0;
  };
  void enqueue(const std::string& id, Job job);
  struct Writer {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Job> jobs;
    std::thread thread;
  };
  void run(Writer& w);

  storage_redis::RedisPool pool_;
  std::vector<std::unique_ptr<Writer>> writers_;
  std::atomic<size_t> pending_{0};
  std::atomic<bool> stop_{false};
};

class Connection;

class StrandResumeStore final : public ResumeStore {
 public:
  StrandResumeStore(RedisResumeStore& store,
                    boost::asio::strand<boost::asio::any_io_executor> strand,
                    std::weak_ptr<Connection> owner)
      : store_(store), strand_(std::move(strand)), owner_(std::move(owner)) {}

  void create(const std::string& id, Record record, Done done) override;
  void append(const std::string& id, const std::string& sessionId, std::string entry,
              uint32_t inbound, Done done) override;
  void ack(const std::string& id, const std::string& sessionId, uint32_t count, uint32_t h,
           uint32_t inbound, Done done) override;
  void update(const std::string& id, const std::string& sessionId, std::string info,
              uint32_t inbound, Done done) override;
  void detach(const std::string& id, const std::string& sessionId, uint32_t inbound,
              Done done) override;
  void release(const std::string& id, const std::string& sessionId) override;
  void takeover(const std::string& id, const std::string& account, const std::string& sessionId,
                uint32_t h, std::function<void(Resumed)> done) override;

 private:
  void submit(const std::string& id, storage_redis::RedisCommand command, Done done);
  RedisResumeStore& store_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  std::weak_ptr<Connection> owner_;
};

}  // namespace xmpp::gateway
