#pragma once
// The router's side of its streams to the gateways: one outbox per gateway, batched by bytes
// and bounded (issue 9, case 4). An outbox outlives its stream: while a gateway is away (a
// break, a router restart it has not reconnected after yet) its commands are parked, up to
// the bound and for a limited time, and go out first when it is back; past that time, or
// past the bound, they are unreachable: messages go to offline storage, the rest is counted.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ports.hpp"
#include "xmpp/v1/router.pb.h"

namespace xmpp::router {

/// Commands that cannot reach their gateway.
using Unreachable = std::function<void(const std::string& gatewayId, v1::RouterCommand)>;

struct OutboxLimits {
  size_t batchBytes = 1 << 20;     // a batch is cut past this (one command may exceed it)
  size_t maxBytes = 64u << 20;     // queued past this, commands are unreachable
  int maxMessageBytes = 80 << 20;  // gRPC message limit, above the largest batch
  std::chrono::milliseconds parkFor{15'000};  // a gateway away longer: its commands give up
};

/// One gateway stream's writing side (the gRPC reactor).
class CommandStream {
 public:
  virtual ~CommandStream() = default;
  /// The batch written by startWrite(); untouched by the stream until its write is done.
  virtual v1::RouterBatch& outgoing() = 0;
  virtual void startWrite() = 0;
  virtual void finish() = 0;  // ends the stream, status OK
};

/// The commands of one gateway, over whichever stream it has now.
class Outbox {
 public:
  Outbox(std::string gatewayId, Unreachable unreachable, OutboxLimits limits);
  void push(v1::RouterCommand command);
  /// A stream of this gateway said hello: it takes over (a write still in flight on an
  /// older stream is sent again on this one: a duplicate at worst, never a loss).
  void attach(CommandStream* stream);
  void writeDone(CommandStream* stream, bool ok);
  /// The gateway half-closed `stream`: end it once no write is in flight.
  void finish(CommandStream* stream);
  /// Ends the attached stream, if any, once what is queued is written.
  void finishAttached();
  /// `stream` is done: commands park until a stream attaches or parkFor passes.
  void streamGone(CommandStream* stream);
  bool connected() const;
  /// Without a stream for parkFor or longer.
  bool expired(std::chrono::steady_clock::time_point now) const;
  /// Parked longer than parkFor: takes every queued command (then the outbox is empty).
  std::vector<v1::RouterCommand> takeIfExpired(std::chrono::steady_clock::time_point now);
  /// Without a stream: takes every queued command whatever the time (its gateway is dead).
  std::vector<v1::RouterCommand> takeIfParked();
  size_t queuedBytes() const;

 private:
  void startWriteLocked();
  const std::string gatewayId_;
  const Unreachable unreachable_;
  const OutboxLimits limits_;
  // Recursive: a stream may run a reaction (OnWriteDone, OnDone) inline from a Start* or
  // Finish call made under this lock.
  mutable std::recursive_mutex mu_;
  CommandStream* stream_ = nullptr;
  std::chrono::steady_clock::time_point parkedSince_;
  struct Queued {
    v1::RouterCommand command;
    size_t bytes;  // measured once, at push
  };
  std::deque<Queued> pending_;
  size_t pendingBytes_ = 0;
  bool writing_ = false;
  bool finishing_ = false;
  bool broken_ = false;  // a write on the current stream failed: nothing more goes on it
  bool finished_ = false;
};

/// GatewaySink over the gateways' outboxes.
class GatewayHub final : public GatewaySink {
 public:
  explicit GatewayHub(OutboxLimits limits = {});
  void deliver(const std::string& gatewayId, v1::Delivery delivery) override;
  void close(const std::string& gatewayId, v1::CloseSession close) override;
  void bindResult(const std::string& gatewayId, v1::BindResult result) override;
  /// Asks every connected gateway to announce its sessions (the directory was emptied).
  void announceSessions();
  /// Tells every connected gateway this router is stopping (GoingAway).
  void goAway();
  /// Ends every attached stream once its outbox is written (the end of a drain).
  void finishAll();
  /// Where commands that cannot reach their gateway go (set before the first stream).
  void onUnreachable(Unreachable f) { unreachable_ = std::move(f); }
  /// A stream said hello for `gatewayId`: its outbox (parked commands first).
  std::shared_ptr<Outbox> attach(const std::string& gatewayId, CommandStream* stream);
  /// Outboxes parked longer than parkFor give their commands up (the liveness tick).
  void expireParked();
  /// The gateway was found dead (its sessions are being swept): what is parked for it gives
  /// up now, not at parkFor (e.g. messages for a session resumed on another gateway).
  void giveUp(const std::string& gatewayId);
  std::vector<std::string> connected() const;
  bool isConnected(const std::string& gatewayId) const;
  size_t queuedBytes() const;
  const OutboxLimits& limits() const { return limits_; }

 private:
  void push(const std::string& gatewayId, v1::RouterCommand command);
  std::shared_ptr<Outbox> outboxOf(const std::string& gatewayId);
  const OutboxLimits limits_;
  Unreachable unreachable_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Outbox>> outboxes_;
};

}  // namespace xmpp::router
