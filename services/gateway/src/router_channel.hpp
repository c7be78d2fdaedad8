#pragma once
// One gateway's stream to one router (gRPC callback API), reconnecting. Events queue in a
// backlog bounded in bytes and go out in batches cut by bytes, so a batch never nears the
// gRPC message limit (issue 9, case 4). The channel also remembers the bound sessions it
// carries, and announces them at the start of every stream and when the router asks: a
// router that swept them during a break, or lost Redis, registers them again (case 1).
// A channel whose router is gone longer than `failoverAfter` stops serving: RouterLinks moves
// its sessions and unsent events to the routers left (case 9), and back once it is welcomed.

#include <grpcpp/grpcpp.h>
#include <atomic>
#include <boost/asio.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "xmpp/v1/router.grpc.pb.h"

namespace xmpp::gateway {

class SessionRegistry;
struct GatewayMetrics;

struct RouterChannelLimits {
  size_t batchBytes = 1 << 20;         // a batch is cut past this (one event may exceed it)
  size_t congestedBytes = 32u << 20;   // backlog past which clients' input is paused
  size_t maxBacklogBytes = 64u << 20;  // backlog past which client stanzas are refused
  int maxMessageBytes = 80 << 20;      // gRPC message limit, above the largest batch
  std::chrono::milliseconds failoverAfter{1500};  // a router gone this long stops serving
};

/// What a channel hands over when its users move to another router.
struct Handover {
  std::vector<v1::SessionInfo> confirmed;  // announced on the new channel
  std::vector<v1::SessionInfo> pending;    // bind not answered yet: their bound event moves
  std::vector<v1::GatewayEvent> events;    // unsent, in order
};

/// The user (bare JID) an event belongs to; its router is chosen by it ("" if none).
std::string userOf(const v1::GatewayEvent& ev);

class RouterChannel {
 public:
  RouterChannel(std::string address, std::string gatewayId, SessionRegistry& registry,
                boost::asio::io_context& io, GatewayMetrics& metrics, RouterChannelLimits limits);
  ~RouterChannel();

  void start();
  /// Flushes what is queued (for at most 3 s), half-closes, waits for the stream's end.
  void stop();
  bool up() const;
  const std::string& address() const { return address_; }
  /// Welcomed by its router on the current stream, or not gone for `failoverAfter` yet.
  bool serving(std::chrono::steady_clock::time_point now) const;
  /// Takes the tracked sessions for which `moves(bareJid)` holds and, if `events`, every
  /// unsent event for which it holds; they leave this channel.
  Handover handOver(const std::function<bool(const std::string&)>& moves, bool events);
  /// Takes over sessions and events from another channel: confirmed sessions are announced
  /// first, then the events go in their order.
  void takeOver(Handover h);
  /// The backlog is past the congestion mark: readers of client sockets pause.
  bool congested() const;

  /// Queues a client stanza (moved from); false (left as it was, counted) when the backlog
  /// is full.
  bool sendStanza(const std::string& sessionId, v1::Stanza& stanza);
  /// Queues any other event (session lifecycle, acks: small, never refused).
  void send(v1::GatewayEvent ev);
  // Session lifecycle: queued like send(), and remembered for announcements.
  void sessionBound(const v1::SessionInfo& s);
  void sessionUpdated(const v1::SessionInfo& s);
  void sessionEnded(const v1::SessionEnded& e);

 private:
  class Stream;
  struct Tracked {
    v1::SessionInfo info;
    bool confirmed = false;  // the router answered the bind
  };

  void connect();
  void pushLocked(v1::GatewayEvent ev, bool front = false);
  void reportBacklogLocked();
  void announceLocked();
  void writeLocked();
  void writeDone(bool ok);
  void readEnded(void* s);
  void welcomed();
  void goingAway();
  void onBatch(const v1::RouterBatch& batch);
  void droppedForGoneSession(const v1::Delivery& d);
  void streamDone(Stream* s, const grpc::Status& status);

  const std::string address_;
  const std::string gatewayId_;
  const RouterChannelLimits limits_;
  SessionRegistry& registry_;
  boost::asio::steady_timer timer_;
  GatewayMetrics& metrics_;
  std::unique_ptr<v1::Router::Stub> stub_;
  // Recursive: gRPC may run a reaction (OnWriteDone, OnDone) inline from a Start* call made
  // under this lock.
  mutable std::recursive_mutex mu_;
  std::condition_variable_any doneCv_;
  Stream* stream_ = nullptr;
  struct Queued {
    v1::GatewayEvent event;
    size_t bytes;
  };
  std::deque<Queued> backlog_;
  size_t backlogBytes_ = 0;
  double reported_ = 0;  // backlogBytes_ as last added to the shared gauge
  v1::GatewayBatch inFlight_;
  size_t inFlightBytes_ = 0;
  bool helloDue_ = false;
  bool writing_ = false;
  bool ready_ = false;
  bool stopping_ = false;
  bool announceLogged_ = false;
  bool welcomed_ = false;  // the router answered on the current stream
  bool leaving_ = false;   // the router is stopping: no more events on this stream
  std::chrono::steady_clock::time_point graceUntil_;   // serving until then while not welcomed
  std::unordered_map<std::string, Tracked> sessions_;  // by session id
  std::atomic<int64_t> lastGoneLog_{0};  // steady_clock ticks of the last such log line
};

}  // namespace xmpp::gateway
