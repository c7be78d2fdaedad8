#pragma once
// Recording fakes of the session's ports (ports.hpp), for C2sSession tests.

#include <chrono>
#include <deque>
#include <functional>
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

}  // namespace xmpp::gateway::testing
