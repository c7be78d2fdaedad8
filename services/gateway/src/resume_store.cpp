#include "resume_store.hpp"

#include "connection.hpp"

namespace xmpp::gateway {

namespace sr = storage_redis;
namespace resumable = storage_redis::resumable;

// A batch is at most this many commands (one pipeline, one round trip).
constexpr size_t kMaxBatch = 512;
// How long a resume has to bind before another resume of the same id may take it.
constexpr auto kSettle = std::chrono::milliseconds(15'000);

RedisResumeStore::RedisResumeStore(sr::RedisOptions options, size_t threads)
    : pool_([&] {
        options.size = std::max<size_t>(1, threads);
        return options;
      }()) {
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) {
    writers_.push_back(std::make_unique<Writer>());
  }
  for (auto& w : writers_) w->thread = std::thread([this, &w = *w] { run(w); });
}

RedisResumeStore::~RedisResumeStore() {
  stop_ = true;
  for (auto& w : writers_) {
    { std::lock_guard lock(w->mu); }
    w->cv.notify_one();
    w->thread.join();
  }
}

void RedisResumeStore::submit(const std::string& id, sr::RedisCommand command, OnReply onReply) {
  Writer& w = *writers_[std::hash<std::string>{}(id) % writers_.size()];
  ++pending_;
  {
    std::lock_guard lock(w.mu);
    w.jobs.push_back({std::move(command), std::move(onReply)});
  }
  w.cv.notify_one();
}

void RedisResumeStore::run(Writer& w) {
  std::vector<Job> batch;
  while (true) {
    {
      std::unique_lock lock(w.mu);
      w.cv.wait(lock, [&] { return stop_ || !w.jobs.empty(); });
      if (w.jobs.empty()) return;  // stopping, nothing left
      while (!w.jobs.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(w.jobs.front()));
        w.jobs.pop_front();
      }
    }
    std::vector<std::vector<std::string_view>> commands;
    commands.reserve(batch.size());
    for (const Job& j : batch) commands.emplace_back(j.command.begin(), j.command.end());
    auto replies = pool_.run([&](sr::RedisConnection& c) { return c.pipeline(commands, true); });
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].onReply(replies ? (*replies)[i].get() : nullptr);
      --pending_;
    }
    batch.clear();
  }
}

namespace {
ResumeStore::Outcome outcomeOf(const redisReply* r) {
  if (r == nullptr) return ResumeStore::Outcome::kFailed;
  const long long v = resumable::integerOf(r);
  if (v < 0) return ResumeStore::Outcome::kFailed;
  return v == 0 ? ResumeStore::Outcome::kLost : ResumeStore::Outcome::kOk;
}
}  // namespace

void StrandResumeStore::submit(const std::string& id, sr::RedisCommand command, Done done) {
  auto self = owner_.lock();  // kept until the answer ran
  store_.submit(
      id, std::move(command),
      [&store = store_, strand = strand_, self, done = std::move(done)](const redisReply* r) {
        if (!done) return;
        store.answering();
        boost::asio::post(strand, [&store, self, done, o = outcomeOf(r)] {
          done(o);
          store.answered();
        });
      });
}

void StrandResumeStore::create(const std::string& id, Record record, Done done) {
  submit(id,
         resumable::create(
             id, {record.account, record.fullJid, record.sessionId, record.info, record.max}),
         std::move(done));
}

void StrandResumeStore::append(const std::string& id, const std::string& sessionId,
                               std::string entry, uint32_t inbound, Done done) {
  submit(id, resumable::append(id, sessionId, entry, inbound), std::move(done));
}

void StrandResumeStore::ack(const std::string& id, const std::string& sessionId, uint32_t count,
                            uint32_t h, uint32_t inbound, Done done) {
  submit(id, resumable::ack(id, sessionId, count, h, inbound), std::move(done));
}

void StrandResumeStore::update(const std::string& id, const std::string& sessionId,
                               std::string info, uint32_t inbound, Done done) {
  submit(id, resumable::update(id, sessionId, info, inbound), std::move(done));
}

void StrandResumeStore::detach(const std::string& id, const std::string& sessionId,
                               uint32_t inbound, Done done) {
  submit(id, resumable::detach(id, sessionId, inbound, std::chrono::system_clock::now()),
         std::move(done));
}

void StrandResumeStore::release(const std::string& id, const std::string& sessionId) {
  submit(id, resumable::release(id, sessionId), {});
}

void StrandResumeStore::settle(const std::string& id, const std::string& sessionId) {
  submit(id, resumable::settle(id, sessionId), {});
}

void StrandResumeStore::takeover(const std::string& id, const std::string& account,
                                 const std::string& sessionId, uint32_t h,
                                 std::function<void(Resumed)> done) {
  auto self = owner_.lock();
  store_.submit(
      id, resumable::takeover(id, account, sessionId, h, std::chrono::system_clock::now(), kSettle),
      [strand = strand_, self, done = std::move(done)](const redisReply* r) {
        sr::ResumedState state;
        Resumed out;
        switch (resumable::parseTakeover(r, state)) {
          case resumable::TakeoverOutcome::kTaken:
            out.result = Resumed::Result::kTaken;
            out.previousSessionId = std::move(state.previousSessionId);
            out.fullJid = std::move(state.fullJid);
            out.info = std::move(state.info);
            out.inbound = state.inbound;
            out.unacked = std::move(state.unacked);
            break;
          case resumable::TakeoverOutcome::kNotFound:
            out.result = Resumed::Result::kNotFound;
            break;
          case resumable::TakeoverOutcome::kBusy:
            out.result = Resumed::Result::kBusy;
            break;
          case resumable::TakeoverOutcome::kTooHigh:
            out.result = Resumed::Result::kTooHigh;
            break;
          case resumable::TakeoverOutcome::kFailed:
            out.result = Resumed::Result::kFailed;
            break;
        }
        boost::asio::post(strand,
                          [self, done, out = std::move(out)]() mutable { done(std::move(out)); });
      });
}

}  // namespace xmpp::gateway
