#pragma once
// XEP-0198 stream management, the counting half (urn:xmpp:sm:3): what the client handled
// (its <a h/> answers), what we handled of its stanzas (our <a h/>), and the stanzas sent
// that it has not acknowledged yet, in order. Plain, single-threaded (the session's strand);
// the wire side is features/sm_feature.cpp, the session's hooks c2s_session.cpp.
//
// Counters are mod 2^32 (XEP-0198 §4). Unacknowledged stanzas are bounded in count and
// bytes: past either the stream ends (resource-constraint) and what was unacknowledged takes
// the offline path, as on any end of a stream.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "ports.hpp"

namespace xmpp::gateway {

class StreamManagement {
 public:
  bool enabled() const { return enabled_; }
  void enable(StreamManagementLimits limits) {
    limits_ = limits;
    enabled_ = true;
  }

  /// A stanza from the client was handled (counted for our <a h/>).
  void received() { ++inbound_; }
  uint32_t handled() const { return inbound_; }

  /// A stanza of `bytes` was sent to the client; `what` says what it is (Outbound: a routed
  /// message handed back, an offline message acknowledged, or neither). False: past the
  /// bounds (the stream must end).
  bool sent(Outbound what, size_t bytes);
  /// Whether to send <r/> now (and marks it sent).
  bool requestAck();
  /// The same when the time is up: any unacknowledged stanza and none in flight.
  bool requestAckNow();
  /// Whether stanzas wait for a count-based request (a timer should ask for them).
  bool ackPending() const { return !requestInFlight_ && !queue_.empty(); }

  struct Acked {
    std::vector<Outbound> stanzas;  // now acknowledged, in order
    bool tooHigh = false;           // h acknowledges more than was sent
  };
  /// The client's <a h/>: everything up to h is acknowledged.
  Acked acked(uint32_t h);

  /// Every stanza sent and not acknowledged, in order (moved out).
  std::vector<Outbound> takeUnacked();

  /// A resumed session (XEP-0198 <resume/>): our h, the client's h, and what it has not
  /// acknowledged (to be sent again), each with its size in bytes.
  void restore(StreamManagementLimits limits, uint32_t inbound, uint32_t clientH,
               std::vector<std::pair<Outbound, size_t>> unacked);
  uint32_t clientHandled() const { return ackedUpTo_; }
  size_t unacked() const { return queue_.size(); }
  uint32_t sentCount() const { return outbound_; }

 private:
  struct Entry {
    Outbound what;
    size_t bytes;
  };
  StreamManagementLimits limits_;
  bool enabled_ = false;
  uint32_t inbound_ = 0;
  uint32_t outbound_ = 0;      // stanzas sent since enabled
  uint32_t ackedUpTo_ = 0;     // the client's last h
  uint32_t sinceRequest_ = 0;  // sent since our last <r/> was answered or sent
  bool requestInFlight_ = false;
  std::deque<Entry> queue_;  // outbound_ - ackedUpTo_ entries
  size_t queuedBytes_ = 0;
};

}  // namespace xmpp::gateway
