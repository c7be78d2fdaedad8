#pragma once
// SessionEvents for operators: each stream error, failed login and refusal is one info log
// line (session id, peer address, condition; never a password or a body) and one count in
// xmpp_stream_errors_total{condition,direction} / xmpp_auth_failures_total{mechanism,condition}
// / xmpp_gateway_stanzas_dropped_total{reason} / xmpp_gateway_sm_sessions_total{outcome}
// (XEP-0198 resumption: enabled, detached, resumed, taken-over, failed...).

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include "ports.hpp"

namespace xmpp::gateway {

class OperatorEvents final : public SessionEvents {
 public:
  explicit OperatorEvents(prometheus::Registry& registry);
  void streamError(const Peer& peer, std::string_view condition, std::string_view text,
                   bool fromClient) override;
  void authFailed(const Peer& peer, std::string_view mechanism,
                  std::string_view condition) override;
  void stanzasDropped(const Peer& peer, std::string_view reason, size_t count) override;
  void resumption(const Peer& peer, std::string_view outcome) override;

 private:
  prometheus::Family<prometheus::Counter>& streamErrors_;
  prometheus::Family<prometheus::Counter>& authFailures_;
  prometheus::Family<prometheus::Counter>& dropped_;
  prometheus::Family<prometheus::Counter>& resumptions_;
};

}  // namespace xmpp::gateway
