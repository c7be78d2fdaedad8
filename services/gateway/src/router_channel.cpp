#include "router_channel.hpp"

#include "connection.hpp"
#include "network.hpp"
#include "xmpp/runtime/runtime.hpp"

namespace xmpp::gateway {

class RouterChannel::Stream final
    : public grpc::ClientBidiReactor<v1::GatewayBatch, v1::RouterBatch> {
 public:
  // Bound to its call here; nothing runs before start()'s StartCall, so a reaction run
  // inline by it (a call that fails at once) finds the channel pointing at this stream.
  explicit Stream(RouterChannel& ch) : ch_(ch) { ch_.stub_->async()->Connect(&ctx_, this); }
  void start() {
    StartRead(&in_);
    AddHold();  // released by finishWrites(): keeps writes possible until then
    StartCall();
  }
  void write(const v1::GatewayBatch* b) { StartWrite(b); }
  void finishWrites() {
    if (!holdReleased_.exchange(true)) {
      StartWritesDone();
      RemoveHold();
    }
  }
  void OnWriteDone(bool ok) override { ch_.writeDone(ok); }
  void OnReadDone(bool ok) override {
    if (!ok) {
      ch_.readEnded(this);
      return;
    }
    ch_.onBatch(in_);
    in_ = v1::RouterBatch();  // not Clear(): that keeps a peak batch's elements allocated
    StartRead(&in_);
  }
  void OnDone(const grpc::Status& status) override {
    ch_.streamDone(this, status);
    delete this;
  }

 private:
  RouterChannel& ch_;
  grpc::ClientContext ctx_;
  v1::RouterBatch in_;
  std::atomic<bool> holdReleased_{false};
};

namespace {
std::shared_ptr<grpc::Channel> makeChannel(const std::string& address, int maxMessageBytes) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(maxMessageBytes);
  args.SetMaxSendMessageSize(maxMessageBytes);
  // Back within a second or two of the router's return, not after gRPC's default backoff
  // (which grows to two minutes): sessions wait for this stream to be announced again.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}
}  // namespace

std::string userOf(const v1::GatewayEvent& ev) {
  switch (ev.event_case()) {
    case v1::GatewayEvent::kSessionBound:
      return bareOf(ev.session_bound().full_jid());
    case v1::GatewayEvent::kSessionEnded:
      return bareOf(ev.session_ended().full_jid());
    case v1::GatewayEvent::kSessionUpdate:
      return bareOf(ev.session_update().session().full_jid());
    case v1::GatewayEvent::kSessionAnnounce:
      return bareOf(ev.session_announce().full_jid());
    case v1::GatewayEvent::kStanza:
      return bareOf(ev.stanza().stanza().from());
    case v1::GatewayEvent::kUndeliverable:
      return ev.undeliverable().stanzas().empty() ? std::string()
                                                  : bareOf(ev.undeliverable().stanzas(0).to());
    case v1::GatewayEvent::kOfflineAck:
      return ev.offline_ack().user();
    case v1::GatewayEvent::EVENT_NOT_SET:
      break;
  }
  return {};
}

RouterChannel::RouterChannel(std::string address, std::string gatewayId, SessionRegistry& registry,
                             boost::asio::io_context& io, GatewayMetrics& metrics,
                             RouterChannelLimits limits)
    : address_(std::move(address)),
      gatewayId_(std::move(gatewayId)),
      limits_(limits),
      registry_(registry),
      timer_(io),
      metrics_(metrics),
      stub_(v1::Router::NewStub(makeChannel(address_, limits.maxMessageBytes))),
      graceUntil_(std::chrono::steady_clock::now() + limits.failoverAfter) {}

RouterChannel::~RouterChannel() = default;

void RouterChannel::start() { connect(); }

void RouterChannel::stop() {
  std::unique_lock lock(mu_);
  // Flush what is queued (session-ended events of a drain) before half-closing.
  doneCv_.wait_for(lock, std::chrono::seconds(3),
                   [&] { return stream_ == nullptr || (!writing_ && backlog_.empty()); });
  stopping_ = true;
  timer_.cancel();
  if (stream_ != nullptr) stream_->finishWrites();
  // Wait until the stream is done (OnDone), so no callback outlives us.
  doneCv_.wait_for(lock, std::chrono::seconds(5), [&] { return stream_ == nullptr; });
}

bool RouterChannel::up() const {
  std::lock_guard lock(mu_);
  return stream_ != nullptr && ready_;
}

bool RouterChannel::serving(std::chrono::steady_clock::time_point now) const {
  std::lock_guard lock(mu_);
  return welcomed_ || now < graceUntil_;
}

void RouterChannel::welcomed() {
  std::lock_guard lock(mu_);
  welcomed_ = true;
  leaving_ = false;
  writeLocked();  // what waited for the welcome
}

void RouterChannel::goingAway() {
  std::lock_guard lock(mu_);
  runtime::logInfo("router stopping: its users move to the other routers", {{"router", address_}});
  leaving_ = true;
  welcomed_ = false;
  graceUntil_ = std::chrono::steady_clock::now();                // not serving from now on
  if (stream_ != nullptr && !writing_) stream_->finishWrites();  // else after that write
}

Handover RouterChannel::handOver(const std::function<bool(const std::string&)>& moves,
                                 bool events) {
  std::lock_guard lock(mu_);
  Handover h;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (!moves(bareOf(it->second.info.full_jid()))) {
      ++it;
      continue;
    }
    (it->second.confirmed ? h.confirmed : h.pending).push_back(std::move(it->second.info));
    it = sessions_.erase(it);
  }
  if (!events) return h;
  std::deque<Queued> kept;
  for (auto& q : backlog_) {
    if (q.event.has_session_announce()) {
      // Announced again by whichever channel holds the session now.
      backlogBytes_ -= q.bytes;
    } else if (moves(userOf(q.event))) {
      backlogBytes_ -= q.bytes;
      h.events.push_back(std::move(q.event));
    } else {
      kept.push_back(std::move(q));
    }
  }
  backlog_.swap(kept);
  reportBacklogLocked();
  return h;
}

void RouterChannel::takeOver(Handover h) {
  std::lock_guard lock(mu_);
  for (auto& s : h.confirmed) {
    v1::GatewayEvent ev;
    *ev.mutable_session_announce() = s;
    pushLocked(std::move(ev));
    const std::string id = s.session_id();
    sessions_[id] = {std::move(s), true};
  }
  for (auto& s : h.pending) {
    const std::string id = s.session_id();
    sessions_[id] = {std::move(s), false};
  }
  for (auto& ev : h.events) pushLocked(std::move(ev));
  reportBacklogLocked();
  writeLocked();
}

bool RouterChannel::congested() const {
  std::lock_guard lock(mu_);
  return backlogBytes_ >= limits_.congestedBytes;
}

bool RouterChannel::sendStanza(const std::string& sessionId, v1::Stanza& stanza) {
  std::lock_guard lock(mu_);
  if (backlogBytes_ >= limits_.maxBacklogBytes) {
    metrics_.routerRefused.Increment();
    return false;
  }
  v1::GatewayEvent ev;
  ev.mutable_stanza()->set_session_id(sessionId);
  *ev.mutable_stanza()->mutable_stanza() = std::move(stanza);
  pushLocked(std::move(ev));
  writeLocked();
  return true;
}

void RouterChannel::send(v1::GatewayEvent ev) {
  std::lock_guard lock(mu_);
  pushLocked(std::move(ev));
  writeLocked();
}

void RouterChannel::sessionBound(const v1::SessionInfo& s) {
  std::lock_guard lock(mu_);
  sessions_[s.session_id()] = {s, false};
  v1::GatewayEvent ev;
  *ev.mutable_session_bound() = s;
  pushLocked(std::move(ev));
  writeLocked();
}

void RouterChannel::sessionUpdated(const v1::SessionInfo& s) {
  std::lock_guard lock(mu_);
  if (auto it = sessions_.find(s.session_id()); it != sessions_.end()) it->second.info = s;
  v1::GatewayEvent ev;
  *ev.mutable_session_update()->mutable_session() = s;
  pushLocked(std::move(ev));
  writeLocked();
}

void RouterChannel::sessionEnded(const v1::SessionEnded& e) {
  std::lock_guard lock(mu_);
  sessions_.erase(e.session_id());
  v1::GatewayEvent ev;
  *ev.mutable_session_ended() = e;
  pushLocked(std::move(ev));
  writeLocked();
}

void RouterChannel::pushLocked(v1::GatewayEvent ev, bool front) {
  const size_t bytes = ev.ByteSizeLong();  // once per event: the size travels with it
  backlogBytes_ += bytes;
  if (front) {
    backlog_.push_front({std::move(ev), bytes});
  } else {
    backlog_.push_back({std::move(ev), bytes});
  }
}

// The gauge follows the backlog once per write, not per event (it is shared: an atomic).
void RouterChannel::reportBacklogLocked() {
  const auto now = static_cast<double>(backlogBytes_);
  metrics_.routerBacklogBytes.Increment(now - reported_);
  reported_ = now;
}

// Every confirmed session goes ahead of the backlog: the router knows the session before it
// routes the stanzas queued for it during the break.
void RouterChannel::announceLocked() {
  for (auto it = backlog_.begin(); it != backlog_.end();) {  // an older round never sent
    if (!it->event.has_session_announce()) {
      ++it;
      continue;
    }
    backlogBytes_ -= it->bytes;
    it = backlog_.erase(it);
  }
  std::vector<v1::GatewayEvent> announce;
  for (const auto& [id, t] : sessions_) {
    if (!t.confirmed) continue;  // its session_bound is still on its way
    v1::GatewayEvent ev;
    *ev.mutable_session_announce() = t.info;
    announce.push_back(std::move(ev));
  }
  for (auto it = announce.rbegin(); it != announce.rend(); ++it) pushLocked(std::move(*it), true);
  reportBacklogLocked();
  metrics_.sessionsAnnounced.Increment(static_cast<double>(announce.size()));
  // Once per outage, not once per failed attempt to reconnect.
  if (!announce.empty() && !std::exchange(announceLogged_, true)) {
    runtime::logInfo("announcing sessions to router",
                     {{"router", address_}, {"sessions", std::to_string(announce.size())}});
  }
}

void RouterChannel::connect() {
  std::lock_guard lock(mu_);
  if (stopping_) return;
  helloDue_ = true;  // leads the first batch of every stream
  leaving_ = false;  // a new stream: its router says welcome, or GoingAway again
  announceLocked();
  writing_ = false;
  ready_ = true;
  stream_ = new Stream(*this);
  metrics_.routerStreams.Increment();
  writeLocked();  // the hello, queued before the call starts
  stream_->start();
}

void RouterChannel::writeLocked() {
  if (stream_ == nullptr || writing_ || stopping_) return;
  // Events only once the router welcomed this stream (a stopping router answers GoingAway
  // instead: they wait here, or move to another router).
  const bool events = welcomed_ && !leaving_;
  if (!helloDue_ && (!events || backlog_.empty())) return;
  writing_ = true;
  inFlight_ = v1::GatewayBatch();  // not Clear(): that keeps a peak batch's events allocated
  inFlightBytes_ = 0;
  if (std::exchange(helloDue_, false)) inFlight_.mutable_hello()->set_gateway_id(gatewayId_);
  // Cut by bytes: at least one event, then while the batch stays under the mark.
  while (events && !backlog_.empty()) {
    const size_t bytes = backlog_.front().bytes;
    if (inFlight_.events_size() > 0 && inFlightBytes_ + bytes > limits_.batchBytes) break;
    *inFlight_.add_events() = std::move(backlog_.front().event);
    backlog_.pop_front();
    inFlightBytes_ += bytes;
  }
  backlogBytes_ -= inFlightBytes_;
  reportBacklogLocked();
  stream_->write(&inFlight_);
}

void RouterChannel::writeDone(bool ok) {
  std::lock_guard lock(mu_);
  writing_ = false;
  doneCv_.notify_all();
  if (!ok) {
    // The stream broke under this batch: it goes again, first, on the next stream (a stanza
    // may then reach the router twice; none is lost).
    ready_ = false;
    auto& events = *inFlight_.mutable_events();
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->has_session_announce()) continue;  // the next stream announces anew
      pushLocked(std::move(*it), true);
    }
    reportBacklogLocked();
    metrics_.routerBatchesResent.Increment();
    inFlight_ = v1::GatewayBatch();
    inFlightBytes_ = 0;
    return;
  }
  announceLogged_ = false;  // the stream works
  if (leaving_) {
    if (stream_ != nullptr) stream_->finishWrites();  // the router reads up to here, ends
    return;
  }
  writeLocked();
}

// The router closed its side: finish ours (at most once, under the lock, while the hold
// keeps the stream alive).
void RouterChannel::readEnded(void* s) {
  std::lock_guard lock(mu_);
  // Its own hold, whichever stream the channel points at now: without it OnDone never comes.
  static_cast<Stream*>(s)->finishWrites();
}

// Counted, and logged at most once a second (a burst of presence to a session just gone).
void RouterChannel::droppedForGoneSession(const v1::Delivery& d) {
  const char* kind = d.offline_id() != 0                             ? "stored"
                     : d.stanza().kind() == v1::STANZA_KIND_PRESENCE ? "presence"
                     : d.stanza().kind() == v1::STANZA_KIND_IQ       ? "iq"
                                                                     : "message";
  metrics_.deliveriesToGone.Add({{"kind", kind}}).Increment();
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  int64_t last = lastGoneLog_.load();
  const int64_t second = std::chrono::steady_clock::duration(std::chrono::seconds(1)).count();
  if (now - last < second || !lastGoneLog_.compare_exchange_strong(last, now)) return;
  runtime::logInfo("delivery for a session that is gone",
                   {{"kind", kind}, {"type", d.stanza().type()}});
}

void RouterChannel::onBatch(const v1::RouterBatch& batch) {
  for (const auto& cmd : batch.commands()) {
    if (cmd.has_delivery()) {
      const auto& d = cmd.delivery();
      for (const auto& sid : d.session_ids()) {
        auto conn = registry_.find(sid);
        if (conn && d.offline_id() != 0) {
          conn->deliverOffline(d);
        } else if (conn) {
          conn->deliver(d.stanza(), d.to_recipient());
        } else if (d.offline_id() == 0 &&
                   (d.stanza().kind() == v1::STANZA_KIND_MESSAGE ||
                    (d.stanza().kind() == v1::STANZA_KIND_IQ &&
                     (d.stanza().type() == "get" || d.stanza().type() == "set")))) {
          // The session went away meanwhile (or is detached, XEP-0198): the message takes
          // the offline path, a request is answered with an error by the router.
          v1::GatewayEvent ev;
          auto* u = ev.mutable_undeliverable();
          u->set_session_id(sid);
          *u->add_stanzas() = d.stanza();
          metrics_.undeliverable.Increment();
          send(std::move(ev));
        } else if (!conn) {
          droppedForGoneSession(d);
        }
      }
    } else if (cmd.has_close()) {
      if (auto conn = registry_.find(cmd.close().session_id())) {
        conn->closeWithError(cmd.close().condition(), cmd.close().text(), cmd.close().resumed());
      }
    } else if (cmd.has_bind_result()) {
      const auto& r = cmd.bind_result();
      {
        std::lock_guard lock(mu_);
        auto it = sessions_.find(r.session_id());
        if (it != sessions_.end()) {
          if (r.condition().empty()) {
            it->second.confirmed = true;
          } else {
            sessions_.erase(it);
          }
        }
      }
      if (auto conn = registry_.find(r.session_id())) conn->bindResult(r.condition());
    } else if (cmd.has_welcome()) {
      welcomed();
    } else if (cmd.has_going_away()) {
      goingAway();
    } else if (cmd.has_announce_sessions()) {
      runtime::logWarn("router lost its session directory: announcing sessions",
                       {{"router", address_}});
      std::lock_guard lock(mu_);
      announceLocked();
      writeLocked();
    }
  }
}

void RouterChannel::streamDone(Stream* s, const grpc::Status& status) {
  std::lock_guard lock(mu_);
  if (stream_ == s) stream_ = nullptr;
  ready_ = false;
  if (std::exchange(welcomed_, false)) {
    graceUntil_ = std::chrono::steady_clock::now() + limits_.failoverAfter;
  }
  metrics_.routerStreams.Decrement();
  if (stopping_) {
    doneCv_.notify_all();
    return;
  }
  runtime::logWarn("router stream ended, reconnecting",
                   {{"router", address_}, {"status", status.error_message()}});
  timer_.expires_after(std::chrono::milliseconds(500));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) connect();
  });
}

}  // namespace xmpp::gateway
