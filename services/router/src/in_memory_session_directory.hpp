#pragma once
// An in-memory SessionDirectory for tests (unit and in-process integration): the semantics
// the Redis directory must have, behind one mutex. Never used by the router service itself.

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ports.hpp"

namespace xmpp::router {

class InMemorySessionDirectory final : public SessionDirectory {
 public:
  Expected<std::map<std::string, v1::SessionInfo>, storage::StoreError> sessions(
      const std::string& bareJid) override;
  /// Every requested bare JID that has sessions is in the answer; the others are absent.
  Expected<std::map<std::string, std::map<std::string, v1::SessionInfo>>, storage::StoreError>
  sessionsOf(const std::vector<std::string>& bareJids) override;
  Expected<std::optional<v1::SessionInfo>, storage::StoreError> bind(
      const std::string& bareJid, const std::string& resource,
      const v1::SessionInfo& session) override;
  /// kNotFound when (bare JID, resource) is not bound to session.session_id().
  storage::StoreStatus update(const std::string& bareJid, const std::string& resource,
                              const v1::SessionInfo& session) override;
  Expected<bool, storage::StoreError> remove(const std::string& bareJid,
                                             const std::string& resource,
                                             const std::string& sessionId) override;
  Expected<bool, storage::StoreError> removeUnchanged(const std::string& bareJid,
                                                      const std::string& resource,
                                                      const v1::SessionInfo& read) override;

  /// The sessions a gateway holds (what the Redis per-gateway index answers).
  std::vector<v1::SessionInfo> sessionsOnGateway(const std::string& gatewayId) const;
  std::optional<v1::SessionInfo> find(const std::string& bareJid,
                                      const std::string& resource) const;
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, v1::SessionInfo>> sessions_;
};

}  // namespace xmpp::router
