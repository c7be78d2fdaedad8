#include "stream_management.hpp"

namespace xmpp::gateway {

bool StreamManagement::sent(Outbound what, size_t bytes) {
  ++outbound_;
  ++sinceRequest_;
  queue_.push_back({std::move(what), bytes});
  queuedBytes_ += bytes;
  return queue_.size() <= limits_.maxUnackedStanzas && queuedBytes_ <= limits_.maxUnackedBytes;
}

bool StreamManagement::requestAck() {
  if (requestInFlight_ || queue_.empty() || sinceRequest_ < limits_.ackEvery) return false;
  requestInFlight_ = true;
  sinceRequest_ = 0;
  return true;
}

bool StreamManagement::requestAckNow() {
  if (requestInFlight_ || queue_.empty()) return false;
  requestInFlight_ = true;
  sinceRequest_ = 0;
  return true;
}

StreamManagement::Acked StreamManagement::acked(uint32_t h) {
  Acked out;
  // Unsigned differences are mod 2^32: h may have wrapped.
  const uint32_t newly = h - ackedUpTo_;
  if (newly > queue_.size()) {
    out.tooHigh = true;
    return out;
  }
  requestInFlight_ = false;
  for (uint32_t i = 0; i < newly; ++i) {
    queuedBytes_ -= queue_.front().bytes;
    out.stanzas.push_back(std::move(queue_.front().what));
    queue_.pop_front();
  }
  ackedUpTo_ = h;
  return out;
}

std::vector<Outbound> StreamManagement::takeUnacked() {
  std::vector<Outbound> out;
  out.reserve(queue_.size());
  for (auto& e : queue_) out.push_back(std::move(e.what));
  queue_.clear();
  queuedBytes_ = 0;
  ackedUpTo_ = outbound_;
  return out;
}

void StreamManagement::restore(StreamManagementLimits limits, uint32_t inbound, uint32_t clientH,
                               std::vector<std::pair<Outbound, size_t>> unacked) {
  enable(limits);
  inbound_ = inbound;
  ackedUpTo_ = clientH;
  outbound_ = clientH + static_cast<uint32_t>(unacked.size());
  queue_.clear();
  queuedBytes_ = 0;
  sinceRequest_ = 0;
  requestInFlight_ = false;
  for (auto& [what, bytes] : unacked) {
    queue_.push_back({std::move(what), bytes});
    queuedBytes_ += bytes;
    ++sinceRequest_;
  }
}

}  // namespace xmpp::gateway
