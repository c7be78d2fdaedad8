#pragma once
// The gateway's link to the routers: one RouterChannel per router; each user (bare JID) is
// served by one router, chosen by rendezvous hashing among the routers serving now, the same
// choice on every gateway. A router gone longer than `failoverAfter` stops serving: its users'
// sessions are announced to the routers they hash to now, and their unsent events follow, in
// order (issue 9, case 9). Once it welcomes a stream again its users move back the same way.

#include <boost/asio.hpp>

#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ports.hpp"
#include "router_channel.hpp"

namespace xmpp::gateway {

class SessionRegistry;
struct GatewayMetrics;

class RouterLinks final : public RouterLink {
 public:
  RouterLinks(std::vector<std::string> addresses, std::string gatewayId, SessionRegistry& registry,
              boost::asio::io_context& io, GatewayMetrics& metrics,
              RouterChannelLimits limits = {});
  ~RouterLinks() override;
  void start();
  void stop();
  /// True when every router stream is up.
  bool connected() const;
  bool congested() const override;

  void sessionBound(const v1::SessionInfo&) override;
  void sessionUpdated(const v1::SessionInfo&) override;
  void sessionEnded(const v1::SessionEnded&) override;
  bool stanza(const std::string& sessionId, const std::string& bareJid,
              v1::Stanza& stanza) override;
  void undeliverable(const std::string& sessionId, const std::string& bareJid,
                     std::vector<v1::Stanza> stanzas) override;
  void offlineAck(const std::string& bareJid, std::vector<int64_t> ids) override;

 private:
  // Under mu_ (shared or exclusive).
  size_t indexFor(std::string_view bareJid) const;
  RouterChannel& pick(std::string_view bareJid) { return *channels_[indexFor(bareJid)]; }
  void watch();
  void rebalance(std::vector<bool> serving);

  GatewayMetrics& metrics_;
  std::vector<std::unique_ptr<RouterChannel>> channels_;
  boost::asio::steady_timer timer_;
  // Shared by every event on its way to a channel; exclusive while users move.
  mutable std::shared_mutex mu_;
  std::vector<bool> serving_;  // per channel, as of the last check
  bool stopped_ = false;
};

}  // namespace xmpp::gateway
