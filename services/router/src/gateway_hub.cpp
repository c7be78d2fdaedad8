#include "gateway_hub.hpp"

#include <algorithm>

namespace xmpp::router {

// ---- Outbox ----

Outbox::Outbox(std::string gatewayId, Unreachable unreachable, OutboxLimits limits)
    : gatewayId_(std::move(gatewayId)),
      unreachable_(std::move(unreachable)),
      limits_(limits),
      parkedSince_(std::chrono::steady_clock::now()) {}

void Outbox::startWriteLocked() {
  writing_ = true;
  v1::RouterBatch& batch = stream_->outgoing();
  batch = v1::RouterBatch();  // not Clear(): that keeps a peak batch's commands allocated
  size_t bytes = 0;
  while (!pending_.empty()) {
    const size_t next = pending_.front().bytes;
    if (batch.commands_size() > 0 && bytes + next > limits_.batchBytes) break;
    *batch.add_commands() = std::move(pending_.front().command);
    pending_.pop_front();
    bytes += next;
  }
  pendingBytes_ -= std::min(pendingBytes_, bytes);
  stream_->startWrite();
}

void Outbox::push(v1::RouterCommand command) {
  std::unique_lock lock(mu_);
  const size_t bytes = command.ByteSizeLong();
  if (finishing_ || pendingBytes_ + bytes > limits_.maxBytes) {
    lock.unlock();
    unreachable_(gatewayId_, std::move(command));
    return;
  }
  pendingBytes_ += bytes;
  pending_.push_back({std::move(command), bytes});
  if (stream_ != nullptr && !writing_) startWriteLocked();
}

void Outbox::attach(CommandStream* stream) {
  std::lock_guard lock(mu_);
  if (stream_ != nullptr && writing_) {
    // The older stream may never deliver what it is writing: again, first, on this one.
    const auto& inFlight = stream_->outgoing().commands();
    for (auto it = inFlight.rbegin(); it != inFlight.rend(); ++it) {
      const size_t bytes = it->ByteSizeLong();
      pendingBytes_ += bytes;
      pending_.push_front({*it, bytes});
    }
  }
  stream_ = stream;
  writing_ = finishing_ = finished_ = broken_ = false;
  if (!pending_.empty()) startWriteLocked();
}

void Outbox::writeDone(CommandStream* stream, bool ok) {
  std::lock_guard lock(mu_);
  if (stream != stream_) return;  // an older stream, replaced
  writing_ = false;
  if (!ok) {
    // The stream broke under this batch: the gateway may not have it. It waits for the
    // gateway's next stream (parked), first.
    auto& inFlight = *stream->outgoing().mutable_commands();
    for (auto it = inFlight.rbegin(); it != inFlight.rend(); ++it) {
      const size_t bytes = it->ByteSizeLong();
      pendingBytes_ += bytes;
      pending_.push_front({std::move(*it), bytes});
    }
    stream->outgoing().Clear();
    broken_ = true;
    // Nothing more is written on it; if its end was asked for, it ends now (else OnDone,
    // and with it the gateway's cleanup, never comes).
    if (finishing_ && !finished_) {
      finished_ = true;
      stream_->finish();
    }
    return;
  }
  if (!pending_.empty()) {
    startWriteLocked();  // also when finishing: what was queued before is flushed
  } else if (finishing_ && !finished_) {
    finished_ = true;
    stream_->finish();
  }
}

void Outbox::finish(CommandStream* stream) {
  std::lock_guard lock(mu_);
  if (stream != stream_) {
    stream->finish();  // replaced meanwhile: nothing of ours is written on it
    return;
  }
  finishing_ = true;
  if (writing_ || finished_) return;  // writeDone goes on
  if (!pending_.empty() && !broken_) {
    startWriteLocked();  // what is queued goes first
    return;
  }
  finished_ = true;
  stream_->finish();
}

void Outbox::finishAttached() {
  CommandStream* stream;
  {
    std::lock_guard lock(mu_);
    stream = stream_;
  }
  if (stream != nullptr) finish(stream);
}

void Outbox::streamGone(CommandStream* stream) {
  std::lock_guard lock(mu_);
  if (stream != stream_) return;
  stream_ = nullptr;
  writing_ = finishing_ = finished_ = broken_ = false;
  parkedSince_ = std::chrono::steady_clock::now();
}

bool Outbox::connected() const {
  std::lock_guard lock(mu_);
  return stream_ != nullptr;
}

bool Outbox::expired(std::chrono::steady_clock::time_point now) const {
  std::lock_guard lock(mu_);
  return stream_ == nullptr && now - parkedSince_ >= limits_.parkFor;
}

std::vector<v1::RouterCommand> Outbox::takeIfExpired(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  std::vector<v1::RouterCommand> out;
  if (stream_ != nullptr || now - parkedSince_ < limits_.parkFor) return out;
  for (auto& q : pending_) out.push_back(std::move(q.command));
  pending_.clear();
  pendingBytes_ = 0;
  return out;
}

std::vector<v1::RouterCommand> Outbox::takeIfParked() {
  std::lock_guard lock(mu_);  // recursive: takeIfExpired locks it again
  return takeIfExpired(parkedSince_ + limits_.parkFor);
}

size_t Outbox::queuedBytes() const {
  std::lock_guard lock(mu_);
  return pendingBytes_;
}

// ---- GatewayHub ----

GatewayHub::GatewayHub(OutboxLimits limits)
    : limits_(limits), unreachable_([](const std::string&, v1::RouterCommand) {}) {}

std::shared_ptr<Outbox> GatewayHub::outboxOf(const std::string& gatewayId) {
  std::lock_guard lock(mu_);
  auto& box = outboxes_[gatewayId];
  if (!box) box = std::make_shared<Outbox>(gatewayId, unreachable_, limits_);
  return box;
}

void GatewayHub::push(const std::string& gatewayId, v1::RouterCommand command) {
  // A gateway without a stream (yet) gets a parked outbox: it may be reconnecting.
  outboxOf(gatewayId)->push(std::move(command));
}

void GatewayHub::deliver(const std::string& gatewayId, v1::Delivery delivery) {
  v1::RouterCommand c;
  *c.mutable_delivery() = std::move(delivery);
  push(gatewayId, std::move(c));
}

void GatewayHub::close(const std::string& gatewayId, v1::CloseSession close) {
  v1::RouterCommand c;
  *c.mutable_close() = std::move(close);
  push(gatewayId, std::move(c));
}

void GatewayHub::bindResult(const std::string& gatewayId, v1::BindResult result) {
  v1::RouterCommand c;
  *c.mutable_bind_result() = std::move(result);
  push(gatewayId, std::move(c));
}

void GatewayHub::announceSessions() {
  for (const auto& id : connected()) {
    v1::RouterCommand c;
    c.mutable_announce_sessions();
    push(id, std::move(c));
  }
}

void GatewayHub::goAway() {
  for (const auto& id : connected()) {
    v1::RouterCommand c;
    c.mutable_going_away();
    push(id, std::move(c));
  }
}

void GatewayHub::finishAll() {
  std::vector<std::shared_ptr<Outbox>> boxes;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, box] : outboxes_) boxes.push_back(box);
  }
  for (const auto& box : boxes) box->finishAttached();
}

std::shared_ptr<Outbox> GatewayHub::attach(const std::string& gatewayId, CommandStream* stream) {
  auto box = outboxOf(gatewayId);
  box->attach(stream);
  return box;
}

void GatewayHub::expireParked() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string, std::vector<v1::RouterCommand>>> expired;
  {
    std::lock_guard lock(mu_);
    for (auto it = outboxes_.begin(); it != outboxes_.end();) {
      auto taken = it->second->takeIfExpired(now);
      const bool gone = it->second->expired(now) && it->second.use_count() == 1;
      if (!taken.empty()) expired.emplace_back(it->first, std::move(taken));
      it = gone ? outboxes_.erase(it) : std::next(it);  // held by no stream: forgotten
    }
  }
  for (auto& [id, commands] : expired) {
    for (auto& c : commands) unreachable_(id, std::move(c));
  }
}

void GatewayHub::giveUp(const std::string& gatewayId) {
  std::vector<v1::RouterCommand> taken;
  {
    std::lock_guard lock(mu_);
    auto it = outboxes_.find(gatewayId);
    if (it == outboxes_.end()) return;
    taken = it->second->takeIfParked();
  }
  for (auto& c : taken) unreachable_(gatewayId, std::move(c));
}

std::vector<std::string> GatewayHub::connected() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> ids;
  for (const auto& [id, box] : outboxes_) {
    if (box->connected()) ids.push_back(id);
  }
  return ids;
}

bool GatewayHub::isConnected(const std::string& gatewayId) const {
  std::lock_guard lock(mu_);
  auto it = outboxes_.find(gatewayId);
  return it != outboxes_.end() && it->second->connected();
}

size_t GatewayHub::queuedBytes() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [id, box] : outboxes_) n += box->queuedBytes();
  return n;
}

}  // namespace xmpp::router
