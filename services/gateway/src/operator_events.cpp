#include "operator_events.hpp"

#include <array>

#include "replies.hpp"
#include "xmpp/runtime/runtime.hpp"

namespace xmpp::gateway {
namespace {

// Label values must stay a small set: anything else a peer could make up is "other".
// Besides the SASL conditions: the stanza conditions of a failed XEP-0078 login or bind.
constexpr std::array<std::string_view, 4> kLegacyConditions = {
    "not-acceptable", "bad-request", "internal-server-error", "resource-constraint"};
// "bind": the router could not bind the session (answered with a 'wait' error).
constexpr std::array<std::string_view, 8> kMechanisms = {
    "PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512", "legacy", "sasl", "unknown", "bind"};

template <size_t N>
std::string bounded(std::string_view value, const std::array<std::string_view, N>& known) {
  for (std::string_view k : known) {
    if (k == value) return std::string(k);
  }
  return "other";
}

}  // namespace

OperatorEvents::OperatorEvents(prometheus::Registry& r)
    : streamErrors_(prometheus::BuildCounter()
                        .Name("xmpp_stream_errors_total")
                        .Help("Stream errors by condition; direction sent (by the server) or "
                              "received (from the client)")
                        .Register(r)),
      authFailures_(prometheus::BuildCounter()
                        .Name("xmpp_auth_failures_total")
                        .Help("Failed authentication attempts by mechanism and condition")
                        .Register(r)),
      dropped_(prometheus::BuildCounter()
                   .Name("xmpp_gateway_stanzas_dropped_total")
                   .Help("Stanzas the gateway gave up on, by reason")
                   .Register(r)),
      resumptions_(prometheus::BuildCounter()
                       .Name("xmpp_gateway_sm_sessions_total")
                       .Help("XEP-0198 resumable sessions by outcome: enabled, detached, "
                             "resumed, taken-over, failed-not-found, failed, store-failed")
                       .Register(r)) {
  // Pre-created so dashboards and alerts see zeros, not absent series.
  for (std::string_view c : {"not-authorized", "policy-violation"}) {
    streamErrors_.Add({{"condition", std::string(c)}, {"direction", "sent"}});
  }
  authFailures_.Add({{"mechanism", "PLAIN"}, {"condition", "not-authorized"}});
}

void OperatorEvents::streamError(const Peer& peer, std::string_view condition,
                                 std::string_view text, bool fromClient) {
  // Stream conditions come from our own enum: a bounded set.
  streamErrors_
      .Add({{"condition", std::string(condition)}, {"direction", fromClient ? "received" : "sent"}})
      .Increment();
  runtime::logInfo(fromClient ? "stream error from client" : "stream error",
                   {{"session", std::string(peer.sessionId)},
                    {"peer", std::string(peer.address)},
                    {"condition", std::string(condition)},
                    {"text", std::string(text)}});
}

void OperatorEvents::authFailed(const Peer& peer, std::string_view mechanism,
                                std::string_view condition) {
  const std::string m = bounded(mechanism, kMechanisms);
  const std::string c =
      isSaslCondition(condition) ? std::string(condition) : bounded(condition, kLegacyConditions);
  authFailures_.Add({{"mechanism", m}, {"condition", c}}).Increment();
  runtime::logInfo("login failed", {{"session", std::string(peer.sessionId)},
                                    {"peer", std::string(peer.address)},
                                    {"mechanism", m},
                                    {"condition", c}});
}

void OperatorEvents::stanzasDropped(const Peer& peer, std::string_view reason, size_t count) {
  // Reasons come from the gateway's own code: a bounded set.
  dropped_.Add({{"reason", std::string(reason)}}).Increment(static_cast<double>(count));
  runtime::logInfo("stanzas dropped", {{"session", std::string(peer.sessionId)},
                                       {"peer", std::string(peer.address)},
                                       {"reason", std::string(reason)},
                                       {"count", std::to_string(count)}});
}

void OperatorEvents::resumption(const Peer& peer, std::string_view outcome) {
  resumptions_.Add({{"outcome", std::string(outcome)}}).Increment();  // the gateway's own set
  if (outcome == "enabled") return;  // one per login: not worth a line
  runtime::logInfo("stream management", {{"session", std::string(peer.sessionId)},
                                         {"peer", std::string(peer.address)},
                                         {"outcome", std::string(outcome)}});
}

}  // namespace xmpp::gateway
