#pragma once
// One configuration format for every service.
//
// Keys are dotted lower-case paths ("db.url", "stream.max_depth"). Sources, later wins:
//   1. the defaults the service passes to get*()
//   2. a YAML file (--config FILE or XMPP_CONFIG), nested maps flattened to dotted keys
//   3. environment variables: "db.url" is XMPP_DB_URL
//   4. command-line flags: --db.url=VALUE
// Secrets (database password, TLS key, token keys) are read with getSecret(): the value of
// the key, or the contents of the file named by "<key>_file" (Docker/Kubernetes secrets).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xmpp::config {

class Config {
 public:
  /// Throws std::runtime_error on an unreadable file or a malformed flag.
  static Config load(int argc, const char* const* argv);
  static Config fromYaml(std::string_view yaml);  // tests

  /// Overrides from a YAML text / the environment / "--key=value" flags.
  void mergeYaml(std::string_view yaml);
  void mergeEnvironment(const std::vector<std::string>& knownKeys);
  void set(const std::string& key, std::string value);

  std::optional<std::string> find(const std::string& key) const;
  std::string getString(const std::string& key, const std::string& fallback) const;
  int64_t getInt(const std::string& key, int64_t fallback) const;
  bool getBool(const std::string& key, bool fallback) const;
  /// A comma-separated value as its items, each trimmed of spaces, empty ones left out.
  std::vector<std::string> getList(const std::string& key, const std::string& fallback = {}) const;
  /// Value of `key`, else the contents of the file at `<key>_file`, else `fallback`.
  std::string getSecret(const std::string& key, const std::string& fallback = {}) const;

  /// Environment variable name for a key: "db.url" -> "XMPP_DB_URL".
  static std::string envName(const std::string& key);

  const std::map<std::string, std::string>& entries() const { return entries_; }

 private:
  std::map<std::string, std::string> entries_;
};

}  // namespace xmpp::config
