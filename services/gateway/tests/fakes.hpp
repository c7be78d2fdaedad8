#pragma once
// Recording fakes of the session's ports (ports.hpp), for C2sSession tests.

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "c2s_session.hpp"
#include "ports.hpp"

namespace xmpp::gateway::testing {

class FakeTransport : public Transport {
 public:
  void write(std::string bytes) override {
    if (closeCalls > 0) ++writesAfterClose;
    output += bytes;
    all += bytes;
    ++writes;
  }
  void write(std::string bytes, Outbound stanza) override {
    if (stanza.kind == Outbound::Kind::kRouted) messages.push_back(stanza.stanza);
    queued.push_back(std::move(stanza));
    write(std::move(bytes));
  }
  void flushAfter(std::chrono::milliseconds delay) override { flushDelays.push_back(delay); }
  bool secure() const override { return isSecure; }
  void startTls() override { ++startTlsCalls; }
  void close() override { ++closeCalls; }
  std::string remoteAddress() const override { return address; }

  /// What was written since the last take().
  std::string take() { return std::exchange(output, {}); }

  bool isSecure = false;
  std::string address = "192.0.2.7";
  std::string output;  // since the last take()
  std::string all;     // everything ever written
  int writes = 0;
  int writesAfterClose = 0;
  int startTlsCalls = 0;
  int closeCalls = 0;
  std::vector<v1::Stanza> messages;  // routed messages written
  std::vector<Outbound> queued;      // stanzas written, not yet reported written
  std::vector<std::chrono::milliseconds> flushDelays;
};

/// Answers from scripts, at once or (deferred) when the test calls completeNext().
/// An empty script answers UNAVAILABLE.
class FakeAuth : public AuthClient {
 public:
  template <class T>
  using Script = std::deque<std::pair<grpc::Status, T>>;

  void saslStart(const v1::SaslStartRequest& r, Callback<v1::SaslStep> cb) override {
    starts.push_back(r);
    answer(sasl, std::move(cb));
  }
  void saslContinue(const v1::SaslContinueRequest& r, Callback<v1::SaslStep> cb) override {
    continues.push_back(r);
    answer(sasl, std::move(cb));
  }
  void legacyAuthFields(const v1::LegacyAuthFieldsRequest& r,
                        Callback<v1::LegacyAuthFieldsResponse> cb) override {
    fieldsRequests.push_back(r);
    answer(fields, std::move(cb));
  }
  void legacyAuth(const v1::LegacyAuthRequest& r, Callback<v1::LegacyAuthResponse> cb) override {
    legacyRequests.push_back(r);
    answer(legacy, std::move(cb));
  }
  void registerAccount(const v1::RegisterRequest& r, Callback<v1::AuthEmpty> cb) override {
    registerRequests.push_back(r);
    answer(registrations, std::move(cb));
  }

  void completeNext() {
    auto f = std::move(pending.front());
    pending.pop_front();
    f();
  }
  int calls() const {
    return static_cast<int>(starts.size() + continues.size() + fieldsRequests.size() +
                            legacyRequests.size() + registerRequests.size());
  }

  static v1::SaslStep success(const std::string& user, const std::string& data = {}) {
    v1::SaslStep s;
    s.set_outcome(v1::SaslStep::OUTCOME_SUCCESS);
    s.set_username(user);
    s.set_data(data);
    return s;
  }
  static v1::SaslStep challenge(const std::string& data, const std::string& continuation) {
    v1::SaslStep s;
    s.set_outcome(v1::SaslStep::OUTCOME_CHALLENGE);
    s.set_data(data);
    s.set_continuation(continuation);
    return s;
  }
  static v1::SaslStep failure(const std::string& condition) {
    v1::SaslStep s;
    s.set_outcome(v1::SaslStep::OUTCOME_FAILURE);
    s.set_condition(condition);
    return s;
  }
  static v1::LegacyAuthResponse legacyOk(const std::string& user) {
    v1::LegacyAuthResponse r;
    r.set_ok(true);
    r.set_username(user);
    return r;
  }
  static v1::LegacyAuthResponse legacyFailed(const std::string& condition) {
    v1::LegacyAuthResponse r;
    r.set_condition(condition);
    return r;
  }
  static v1::LegacyAuthFieldsResponse bothFields() {
    v1::LegacyAuthFieldsResponse r;
    r.set_password(true);
    r.set_digest(true);
    return r;
  }

  bool deferred = false;
  Script<v1::SaslStep> sasl;
  Script<v1::LegacyAuthFieldsResponse> fields;
  Script<v1::LegacyAuthResponse> legacy;
  Script<v1::AuthEmpty> registrations;

  std::vector<v1::SaslStartRequest> starts;
  std::vector<v1::SaslContinueRequest> continues;
  std::vector<v1::LegacyAuthFieldsRequest> fieldsRequests;
  std::vector<v1::LegacyAuthRequest> legacyRequests;
  std::vector<v1::RegisterRequest> registerRequests;
  std::deque<std::function<void()>> pending;

 private:
  template <class T>
  void answer(Script<T>& script, Callback<T> cb) {
    std::pair<grpc::Status, T> a{grpc::Status(grpc::StatusCode::UNAVAILABLE, "no script"), T{}};
    if (!script.empty()) {
      a = std::move(script.front());
      script.pop_front();
    }
    auto f = [cb = std::move(cb), a = std::move(a)] { cb(a.first, a.second); };
    if (deferred) {
      pending.push_back(std::move(f));
    } else {
      f();
    }
  }
};

class FakeRouter : public RouterLink {
 public:
  /// Answers every bind at once as bound (null: the test answers, onBindResult()).
  C2sSession* confirmBinds = nullptr;
  /// As a router backlog that is full.
  bool refuseStanzas = false;
  struct Routed {
    std::string sessionId;
    std::string bareJid;
    v1::Stanza stanza;
  };

  void sessionBound(const v1::SessionInfo& s) override {
    bound.push_back(s);
    events.push_back("bound");
    if (confirmBinds != nullptr) confirmBinds->onBindResult({});  // as the router would
  }
  void sessionUpdated(const v1::SessionInfo& s) override {
    updated.push_back(s);
    events.push_back("updated");
  }
  void sessionEnded(const v1::SessionEnded& e) override {
    ended.push_back(e);
    events.push_back("ended");
  }
  bool stanza(const std::string& sessionId, const std::string& bareJid, v1::Stanza& s) override {
    if (refuseStanzas) {
      events.push_back("refused");
      return false;
    }
    stanzas.push_back({sessionId, bareJid, std::move(s)});
    events.push_back("stanza");
    return true;
  }
  void undeliverable(const std::string&, const std::string&,
                     std::vector<v1::Stanza> handedBack) override {
    for (auto& s : handedBack) undeliverableStanzas.push_back(std::move(s));
    events.push_back("undeliverable");
  }
  void offlineAck(const std::string& bareJid, std::vector<int64_t> ids) override {
    acks.emplace_back(bareJid, std::move(ids));
    events.push_back("ack");
  }

  std::vector<v1::SessionInfo> bound;
  std::vector<v1::SessionInfo> updated;
  std::vector<v1::SessionEnded> ended;
  std::vector<Routed> stanzas;
  std::vector<v1::Stanza> undeliverableStanzas;
  std::vector<std::pair<std::string, std::vector<int64_t>>> acks;
  std::vector<std::string> events;
};

/// XEP-0198 resumable state in memory, with Redis's rules (the holder checked on every call).
/// Answers wait in `pending` until complete() (the session writes only what was stored).
class FakeResumeStore : public ResumeStore {
 public:
  struct State {
    Record record;
    std::string holder;  // "" while detached
    std::vector<std::string> unacked;
    uint32_t inbound = 0;
    uint32_t acked = 0;
    bool detached = false;
  };
  void create(const std::string& id, Record r, Done done) override {
    calls.push_back("create");
    later([=, this] {
      states[id] = State{r, r.sessionId, {}, 0, 0, false};
      if (done) done(fail ? Outcome::kFailed : Outcome::kOk);
    });
  }
  void append(const std::string& id, const std::string& sid, std::string entry, uint32_t in,
              Done done) override {
    calls.push_back("append");
    later([=, this] {
      if (fail) return done(Outcome::kFailed);
      if (!holds(id, sid)) return done(Outcome::kLost);
      states[id].unacked.push_back(entry);
      states[id].inbound = in;
      done(Outcome::kOk);
    });
  }
  void ack(const std::string& id, const std::string& sid, uint32_t count, uint32_t h, uint32_t in,
           Done done) override {
    calls.push_back("ack");
    later([=, this] {
      if (!holds(id, sid)) return done(Outcome::kLost);
      auto& u = states[id].unacked;
      u.erase(u.begin(), u.begin() + std::min<size_t>(count, u.size()));
      states[id].acked = h;
      states[id].inbound = in;
      done(Outcome::kOk);
    });
  }
  void update(const std::string& id, const std::string& sid, std::string info, uint32_t,
              Done done) override {
    calls.push_back("update");
    later([=, this] {
      if (!holds(id, sid)) return done(Outcome::kLost);
      states[id].record.info = info;
      done(Outcome::kOk);
    });
  }
  void detach(const std::string& id, const std::string& sid, uint32_t in, Done done) override {
    calls.push_back("detach");
    later([=, this] {
      if (!holds(id, sid)) return done(Outcome::kLost);
      states[id].holder.clear();
      states[id].detached = true;
      states[id].inbound = in;
      done(Outcome::kOk);
    });
  }
  void release(const std::string& id, const std::string& sid) override {
    calls.push_back("release");
    later([=, this] {
      if (holds(id, sid)) states.erase(id);
    });
  }
  void takeover(const std::string& id, const std::string& account, const std::string& sid,
                uint32_t h, std::function<void(Resumed)> done) override {
    calls.push_back("takeover");
    later([=, this] {
      Resumed r;
      auto it = states.find(id);
      if (it == states.end() || it->second.record.account != account) {
        r.result = Resumed::Result::kNotFound;
        return done(r);
      }
      State& st = it->second;
      const uint32_t n = h - st.acked;
      if (n > st.unacked.size()) {
        r.result = Resumed::Result::kTooHigh;
        return done(r);
      }
      st.unacked.erase(st.unacked.begin(), st.unacked.begin() + n);
      st.acked = h;
      r.result = Resumed::Result::kTaken;
      r.previousSessionId = st.record.sessionId;
      r.fullJid = st.record.fullJid;
      r.info = st.record.info;
      r.inbound = st.inbound;
      r.unacked = st.unacked;
      st.holder = sid;
      st.record.sessionId = sid;
      st.detached = false;
      done(r);
    });
  }

  /// Runs the answers waiting, in order (and those they cause).
  void complete() {
    while (!pending.empty()) {
      auto f = std::move(pending.front());
      pending.pop_front();
      f();
    }
  }

  std::map<std::string, State> states;
  std::deque<std::function<void()>> pending;
  std::vector<std::string> calls;
  bool fail = false;  // as Redis down

 private:
  bool holds(const std::string& id, const std::string& sid) const {
    auto it = states.find(id);
    return it != states.end() && it->second.holder == sid;
  }
  void later(std::function<void()> f) { pending.push_back(std::move(f)); }
};

}  // namespace xmpp::gateway::testing
