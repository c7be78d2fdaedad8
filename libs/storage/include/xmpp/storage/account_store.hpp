#pragma once
// Accounts and their SASL verifiers, as the auth service sees them.
//
// Implementations: PgAccountStore (libpqxx, production), InMemoryAccountStore (unit tests).
// Every method reports expected failures as a StoreError value, never by throwing; a backend
// that cannot be reached answers kUnavailable, an unexpected backend error (SQL error, schema
// mismatch) kInternal. Implementations must be safe to call from several threads at once.
//
// Usernames are the *prepared* localpart (RFC 6122 nodeprep, i.e. what
// xmpp::jid::Jid::local() returns). The store compares them byte for byte and never prepares
// them itself: preparing is the caller's job (AuthLogic does it before every call).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/common/expected.hpp"
#include "xmpp/storage/store_error.hpp"

namespace xmpp::storage {

/// One SCRAM verifier (RFC 5802 §3). All byte strings are raw (not base64).
/// A PostgreSQL backend stores salt/storedKey/serverKey as BYTEA.
struct ScramCredential {
  int iterations = 0;
  std::string salt;       // raw salt bytes (16 for verifiers this server creates)
  std::string storedKey;  // H(ClientKey)
  std::string serverKey;  // HMAC(SaltedPassword, "Server Key")

  friend bool operator==(const ScramCredential&, const ScramCredential&) = default;
};

struct Account {
  std::string username;    // nodeprep'ed localpart; primary key
  ScramCredential sha1;    // SCRAM-SHA-1 verifier
  ScramCredential sha256;  // SCRAM-SHA-256 verifier (also used to check PLAIN passwords)
  // The password as the user registered it. Present only when the operator opted into legacy
  // digest auth (XEP-0078); absent by default.
  std::optional<std::string> plaintext;
  std::chrono::system_clock::time_point created;

  friend bool operator==(const Account&, const Account&) = default;
};

/// Paging for list(): usernames are returned in ascending byte order (PostgreSQL: ORDER BY
/// username COLLATE "C"), skipping `offset` and returning at most `limit` (all when absent).
struct ListOptions {
  std::optional<std::size_t> limit;
  std::size_t offset = 0;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  /// Inserts a new account. kConflict when the username is taken.
  virtual StoreStatus create(const Account& account) = 0;

  /// kNotFound when there is no such account.
  virtual xmpp::Expected<Account, StoreError> get(std::string_view username) = 0;

  /// Replaces both verifiers and the plaintext (nullopt clears a stored plaintext), atomically.
  /// kNotFound when there is no such account. `created` is left unchanged.
  virtual StoreStatus updateCredentials(std::string_view username, const ScramCredential& sha1,
                                        const ScramCredential& sha256,
                                        const std::optional<std::string>& plaintext) = 0;

  /// Deletes the account. kNotFound when there is no such account.
  virtual StoreStatus remove(std::string_view username) = 0;

  /// Usernames in ascending byte order, paged by `options`.
  virtual xmpp::Expected<std::vector<std::string>, StoreError> list(ListOptions options = {}) = 0;

  virtual xmpp::Expected<bool, StoreError> exists(std::string_view username) = 0;
};

}  // namespace xmpp::storage
