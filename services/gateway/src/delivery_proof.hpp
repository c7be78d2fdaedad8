#pragma once
// Proof that the client read what it was sent, before stored (offline) messages are deleted:
// bytes in a socket are not yet delivered. A message whose bytes were written waits here for
// the answer to a XEP-0199 ping queued after it (any answer, result or error, proves the
// client read the stream up to there; a XEP-0198 ack will be the other proof). A session
// that ends first leaves its messages stored: at worst a duplicate at the next login, never
// a loss. Plain, single-threaded (the session's strand).

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xmpp::gateway {

class DeliveryProof {
 public:
  struct Stored {
    std::string user;  // the bare JID whose store holds it
    int64_t id = 0;
  };

  /// A stored message's bytes were written. True when a proof ping must be sent now
  /// (pingId() names it): none is in flight.
  bool written(Stored message);
  /// The id for the ping to send now; the messages written so far are what it proves.
  std::string startPing();
  /// `id` answered: if it is our ping, the messages it proves (moved out), else nothing.
  /// `pingAgain`: messages written since wait for a new ping (startPing()).
  std::vector<Stored> answered(std::string_view id, bool& pingAgain);
  bool pingInFlight() const { return !pingId_.empty(); }

 private:
  std::deque<Stored> pending_;
  size_t covered_ = 0;  // how many of pending_ the ping in flight proves
  std::string pingId_;
  uint32_t pings_ = 0;
};

}  // namespace xmpp::gateway
