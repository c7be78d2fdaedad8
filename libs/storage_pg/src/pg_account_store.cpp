#include "xmpp/storage_pg/pg_account_store.hpp"

namespace xmpp::storage_pg {

using storage::Account;
using storage::ScramCredential;
using storage::StoreError;
using storage::StoreStatus;

namespace {

pqxx::binarystring bytes(const std::string& s) { return pqxx::binarystring(s); }

std::string fromBytea(const pqxx::field& f) { return pqxx::binarystring(f).str(); }

ScramCredential credentialAt(const pqxx::row& row, int first) {
  return {row[first].as<int>(), fromBytea(row[first + 1]), fromBytea(row[first + 2]),
          fromBytea(row[first + 3])};
}

}  // namespace

StoreStatus PgAccountStore::create(const Account& a) {
  return pool_.run([&](pqxx::connection& c) -> StoreStatus {
    pqxx::work tx(c);
    auto r = tx.exec_params(
        "INSERT INTO auth_accounts (username, sha1_iterations, sha1_salt, sha1_stored_key, "
        "sha1_server_key, sha256_iterations, sha256_salt, sha256_stored_key, sha256_server_key, "
        "plaintext) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (username) DO NOTHING",
        a.username, a.sha1.iterations, bytes(a.sha1.salt), bytes(a.sha1.storedKey),
        bytes(a.sha1.serverKey), a.sha256.iterations, bytes(a.sha256.salt),
        bytes(a.sha256.storedKey), bytes(a.sha256.serverKey), a.plaintext);
    tx.commit();
    if (r.affected_rows() == 0) return unexpected(StoreError::kConflict);
    return std::monostate{};
  });
}

Expected<Account, StoreError> PgAccountStore::get(std::string_view username) {
  return pool_.run([&](pqxx::connection& c) -> Expected<Account, StoreError> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(
        "SELECT username, sha1_iterations, sha1_salt, sha1_stored_key, sha1_server_key, "
        "sha256_iterations, sha256_salt, sha256_stored_key, sha256_server_key, plaintext, "
        "(extract(epoch from created_at) * 1000000)::bigint FROM auth_accounts "
        "WHERE username = $1",
        std::string(username));
    if (r.empty()) return unexpected(StoreError::kNotFound);
    const auto& row = r[0];
    Account a;
    a.username = row[0].as<std::string>();
    a.sha1 = credentialAt(row, 1);
    a.sha256 = credentialAt(row, 5);
    if (!row[9].is_null()) a.plaintext = row[9].as<std::string>();
    a.created =
        std::chrono::system_clock::time_point(std::chrono::microseconds(row[10].as<int64_t>()));
    return a;
  });
}

StoreStatus PgAccountStore::updateCredentials(std::string_view username,
                                              const ScramCredential& sha1,
                                              const ScramCredential& sha256,
                                              const std::optional<std::string>& plaintext) {
  return pool_.run([&](pqxx::connection& c) -> StoreStatus {
    pqxx::work tx(c);
    auto r = tx.exec_params(
        "UPDATE auth_accounts SET sha1_iterations=$2, sha1_salt=$3, sha1_stored_key=$4, "
        "sha1_server_key=$5, sha256_iterations=$6, sha256_salt=$7, sha256_stored_key=$8, "
        "sha256_server_key=$9, plaintext=$10 WHERE username=$1",
        std::string(username), sha1.iterations, bytes(sha1.salt), bytes(sha1.storedKey),
        bytes(sha1.serverKey), sha256.iterations, bytes(sha256.salt), bytes(sha256.storedKey),
        bytes(sha256.serverKey), plaintext);
    tx.commit();
    if (r.affected_rows() == 0) return unexpected(StoreError::kNotFound);
    return std::monostate{};
  });
}

StoreStatus PgAccountStore::remove(std::string_view username) {
  return pool_.run([&](pqxx::connection& c) -> StoreStatus {
    pqxx::work tx(c);
    auto r = tx.exec_params("DELETE FROM auth_accounts WHERE username = $1", std::string(username));
    tx.commit();
    if (r.affected_rows() == 0) return unexpected(StoreError::kNotFound);
    return std::monostate{};
  });
}

Expected<std::vector<std::string>, StoreError> PgAccountStore::list(storage::ListOptions options) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::optional<int64_t> limit;
    if (options.limit) limit = static_cast<int64_t>(*options.limit);
    auto r =
        tx.exec_params("SELECT username FROM auth_accounts ORDER BY username LIMIT $1 OFFSET $2",
                       limit, static_cast<int64_t>(options.offset));
    std::vector<std::string> out;
    out.reserve(r.size());
    for (const auto& row : r) out.push_back(row[0].as<std::string>());
    return out;
  });
}

Expected<bool, StoreError> PgAccountStore::exists(std::string_view username) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    auto r =
        tx.exec_params("SELECT 1 FROM auth_accounts WHERE username = $1", std::string(username));
    return !r.empty();
  });
}

}  // namespace xmpp::storage_pg
