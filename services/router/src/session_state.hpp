#pragma once
// The router's in-memory view of the sessions it serves, beside the shared directory:
// which gateway holds a session (to answer it without a directory round trip), whether its
// presence session has started (to tell initial presence, RFC 6121 §4.2, from an update) and
// whether its offline messages were delivered; and the directed presence each session sent
// (RFC 6121 §4.6), to be followed by unavailable presence. Both tables are bounded and
// mutex-protected: the router's workers share them.
//
// Losing this state (a router restart) is harmless: a gateway is found in the directory, the
// next presence is treated as initial (probes again), directed presence is not undone.

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace xmpp::router {

struct LocalSession {
  std::string gatewayId;
  std::string fullJid;
  bool presenceStarted = false;   // sent available presence, not yet unavailable
  bool offlineDelivered = false;  // offline messages already handed to this session
};

class SessionTable {
 public:
  explicit SessionTable(std::size_t capacity) : capacity_(capacity) {}

  /// Records (or refreshes the address of) a session. Past the capacity new sessions are not
  /// recorded: they only lose the optimisations above.
  void add(const std::string& sessionId, const std::string& gatewayId, const std::string& fullJid);
  std::optional<LocalSession> get(const std::string& sessionId) const;
  /// Forgets a session; returns whether it was known.
  bool erase(const std::string& sessionId);
  /// The sessions of a gateway, by id.
  std::vector<std::pair<std::string, LocalSession>> ofGateway(const std::string& gatewayId) const;
  /// Forgets every session of a gateway; returns their ids.
  std::vector<std::string> eraseGateway(const std::string& gatewayId);

  /// Available presence from the session: true when it starts the presence session (initial
  /// presence). Records the session if unknown (gateway not yet known: add() fills it in).
  bool startPresence(const std::string& sessionId, const std::string& fullJid);
  /// Unavailable presence from the session: the next available presence is initial again.
  void endPresence(const std::string& sessionId);
  /// True exactly once per session: whether its offline messages are still to deliver.
  bool takeOfflineTurn(const std::string& sessionId);
  /// The offline fetch failed: the next available presence tries again.
  void giveBackOfflineTurn(const std::string& sessionId);

  std::size_t size() const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, LocalSession> sessions_;
};

/// Directed presence per sending session: the JIDs (full or bare, as addressed) that received
/// its available presence and have not been sent unavailable since.
class DirectedPresenceTable {
 public:
  DirectedPresenceTable(std::size_t maxPerSession, std::size_t maxSessions)
      : maxPerSession_(maxPerSession), maxSessions_(maxSessions) {}

  /// Remembers `target`; false when a bound is reached (the target is then not remembered).
  bool add(const std::string& sessionId, const std::string& target);
  void remove(const std::string& sessionId, const std::string& target);
  /// The remembered targets, forgotten on return.
  std::vector<std::string> take(const std::string& sessionId);
  std::vector<std::string> peek(const std::string& sessionId) const;
  std::size_t sessions() const;

 private:
  const std::size_t maxPerSession_;
  const std::size_t maxSessions_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::set<std::string>> targets_;
};

}  // namespace xmpp::router
