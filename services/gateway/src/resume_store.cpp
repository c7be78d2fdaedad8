#include "resume_store.hpp"

#include "connection.hpp"

#include <unordered_map>

namespace xmpp::gateway {

namespace sr = storage_redis;
namespace resumable = storage_redis::resumable;

// A batch is at most this many commands (one pipeline, one round trip).
constexpr size_t kMaxBatch = 512;
// After a resume took an id, another resume of it is refused this long: of two at once (a
// client's duplicate attempts arrive milliseconds apart) exactly one wins; a later one (the
// client reconnected again, at least a TLS and SASL exchange later) takes it.
constexpr auto kResumeWindow = std::chrono::milliseconds(500);

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
  Job job;
  job.command = std::move(command);
  job.onReply = std::move(onReply);
  job.id = id;
  enqueue(id, std::move(job));
}

void RedisResumeStore::submitAppend(const std::string& id, const std::string& sessionId,
                                    std::string entry, uint32_t inbound, OnReply onReply) {
  Job job;
  job.onReply = std::move(onReply);
  job.id = id;
  job.sessionId = sessionId;
  job.entry = std::move(entry);
  job.inbound = inbound;
  enqueue(id, std::move(job));
}

void RedisResumeStore::enqueue(const std::string& id, Job job) {
  Writer& w = *writers_[std::hash<std::string>{}(id) % writers_.size()];
  ++pending_;
  {
    std::lock_guard lock(w.mu);
    w.jobs.push_back(std::move(job));
  }
  w.cv.notify_one();
}

// Entries per append script run (Lua's unpack has a stack limit).
constexpr size_t kMaxAppendGroup = 256;

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
    // One command per job, except consecutive appends of one session (no other command of
    // that id between them): one script run for all of them, the same reply for each.
    std::vector<sr::RedisCommand> built;
    std::vector<size_t> commandOf(batch.size());
    std::unordered_map<std::string, size_t> openGroup;  // id -> its append command
    std::vector<std::vector<std::string>> groupEntries;
    std::vector<size_t> groupJob;  // the job whose fields the group's command uses
    std::vector<size_t> groupOfCommand;
    for (size_t i = 0; i < batch.size(); ++i) {
      Job& j = batch[i];
      if (j.command.empty()) {
        auto it = openGroup.find(j.id);
        if (it != openGroup.end() &&
            batch[groupJob[groupOfCommand[it->second]]].sessionId == j.sessionId &&
            groupEntries[groupOfCommand[it->second]].size() < kMaxAppendGroup) {
          const size_t g = groupOfCommand[it->second];
          groupEntries[g].push_back(std::move(j.entry));
          groupJob[g] = i;  // the latest inbound count
          commandOf[i] = it->second;
          continue;
        }
        openGroup[j.id] = built.size();
        groupOfCommand.resize(built.size() + 1);
        groupOfCommand[built.size()] = groupEntries.size();
        groupEntries.push_back({std::move(j.entry)});
        groupJob.push_back(i);
        commandOf[i] = built.size();
        built.emplace_back();  // made below, once the group is complete
        continue;
      }
      openGroup.erase(j.id);  // another command of the id: appends after it come after it
      commandOf[i] = built.size();
      built.push_back(std::move(j.command));
    }
    for (size_t c = 0; c < built.size(); ++c) {
      if (!built[c].empty()) continue;
      const size_t g = groupOfCommand[c];
      const Job& last = batch[groupJob[g]];
      built[c] = resumable::append(last.id, last.sessionId, groupEntries[g], last.inbound);
    }
    std::vector<std::vector<std::string_view>> commands;
    commands.reserve(built.size());
    for (const auto& c : built) commands.emplace_back(c.begin(), c.end());
    auto replies = pool_.run([&](sr::RedisConnection& c) { return c.pipeline(commands, true); });
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].onReply) batch[i].onReply(replies ? (*replies)[commandOf[i]].get() : nullptr);
      --pending_;
    }
    batch.clear();
  }
}

namespace {
ResumeStore::Outcome outcomeOf(const redisReply* r) {
  if (r == nullptr) return ResumeStore::Outcome::kFailed;
  // 1: done; 0: another stream holds it now; anything else
  // (the state is gone: Redis lost it; an error): not resumable any more, nothing lost here.
  switch (resumable::integerOf(r)) {
    case 0:
      return ResumeStore::Outcome::kLost;
    case 1:
      return ResumeStore::Outcome::kOk;
    default:
      return ResumeStore::Outcome::kFailed;
  }
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
         resumable::create(id, {record.account, record.fullJid, record.sessionId, record.info,
                                record.max, record.maxStanzas, record.maxBytes}),
         std::move(done));
}

void StrandResumeStore::append(const std::string& id, const std::string& sessionId,
                               std::string entry, uint32_t inbound, Done done) {
  auto self = owner_.lock();  // kept until the answer ran
  store_.submitAppend(
      id, sessionId, std::move(entry), inbound,
      [&store = store_, strand = strand_, self, done = std::move(done)](const redisReply* r) {
        store.answering();
        boost::asio::post(strand, [&store, self, done, o = outcomeOf(r)] {
          done(o);
          store.answered();
        });
      });
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

void StrandResumeStore::takeover(const std::string& id, const std::string& account,
                                 const std::string& sessionId, uint32_t h,
                                 std::function<void(Resumed)> done) {
  auto self = owner_.lock();
  store_.submit(id,
                resumable::takeover(id, account, sessionId, h, std::chrono::system_clock::now(),
                                    kResumeWindow),
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
                  boost::asio::post(strand, [self, done, out = std::move(out)]() mutable {
                    done(std::move(out));
                  });
                });
}

}  // namespace xmpp::gateway
