#include "xmpp/storage_pg/pg_roster_store.hpp"

#include <optional>
#include <string>
#include <utility>

namespace xmpp::storage_pg {

using storage::ItemUpdate;
using storage::Roster;
using storage::RosterItem;
using storage::RosterVersion;
using storage::StoreError;
using storage::Subscription;

namespace {

// Bounds the retries of updateItem's "create or lock the version row" step, which repeats only
// when a concurrent removeUser deletes the row between the two statements.
constexpr int kMaxLockAttempts = 100;

constexpr const char* kItemColumns =
    "contact, name, groups, subscription, ask_out, pending_in, pending_in_stanza, approved, "
    "hidden";

pqxx::binarystring bytes(std::string_view s) { return pqxx::binarystring(s.data(), s.size()); }

std::string fromBytea(const pqxx::field& f) { return pqxx::binarystring(f).str(); }

// A PostgreSQL array literal of text elements: every element double-quoted, with '"' and '\'
// backslash-escaped, so commas, braces, quotes, "NULL", blanks and non-ASCII survive intact.
std::string textArrayLiteral(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char ch : values[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// Parses a one-dimensional text[] without NULL elements; nullopt when it is anything else.
std::optional<std::vector<std::string>> parseTextArray(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  std::vector<std::string> out;
  pqxx::array_parser parser = f.as_array();
  int depth = 0;
  for (;;) {
    auto [juncture, value] = parser.get_next();
    switch (juncture) {
      case pqxx::array_parser::row_start:
        if (++depth > 1) return std::nullopt;
        break;
      case pqxx::array_parser::row_end:
        --depth;
        break;
      case pqxx::array_parser::string_value:
        if (depth != 1) return std::nullopt;
        out.push_back(std::move(value));
        break;
      case pqxx::array_parser::null_value:
        return std::nullopt;
      case pqxx::array_parser::done:
        if (depth != 0) return std::nullopt;
        return out;
    }
  }
}

// The item in the columns of kItemColumns; nullopt when the row is not a valid item.
std::optional<RosterItem> itemFromRow(const pqxx::row& row) {
  RosterItem item;
  item.contact = row[0].as<std::string>();
  item.name = row[1].as<std::string>();
  auto groups = parseTextArray(row[2]);
  if (!groups) return std::nullopt;
  item.groups = std::move(*groups);
  const int subscription = row[3].as<int>();
  if (subscription < 0 || subscription > 3) return std::nullopt;
  item.subscription = static_cast<Subscription>(subscription);
  item.askOut = row[4].as<bool>();
  item.pendingIn = row[5].as<bool>();
  item.pendingInStanza = fromBytea(row[6]);
  item.approved = row[7].as<bool>();
  item.hidden = row[8].as<bool>();
  return item;
}

// All items of a result, or kInternal when one of them is malformed.
Expected<std::vector<RosterItem>, StoreError> itemsFromResult(const pqxx::result& r) {
  std::vector<RosterItem> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    auto item = itemFromRow(row);
    if (!item) return unexpected(StoreError::kInternal);
    out.push_back(std::move(*item));
  }
  return out;
}

}  // namespace

Expected<Roster, StoreError> PgRosterStore::getRoster(std::string_view user) {
  return pool_.run([&](pqxx::connection& c) -> Expected<Roster, StoreError> {
    // One snapshot for both statements, so the version always matches the items.
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
    const std::string u(user);
    Roster out;
    auto v = tx.exec_params("SELECT version FROM roster_versions WHERE username = $1", u);
    if (!v.empty()) out.version = v[0][0].as<RosterVersion>();
    auto r = tx.exec_params(std::string("SELECT ") + kItemColumns +
                                " FROM roster_items WHERE username = $1 ORDER BY contact",
                            u);
    auto items = itemsFromResult(r);
    if (!items) return unexpected(items.error());
    out.items = std::move(*items);
    return out;
  });
}

Expected<RosterItem, StoreError> PgRosterStore::getItem(std::string_view user,
                                                        std::string_view contact) {
  return pool_.run([&](pqxx::connection& c) -> Expected<RosterItem, StoreError> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(std::string("SELECT ") + kItemColumns +
                                " FROM roster_items WHERE username = $1 AND contact = $2",
                            std::string(user), std::string(contact));
    if (r.empty()) return unexpected(StoreError::kNotFound);
    auto item = itemFromRow(r[0]);
    if (!item) return unexpected(StoreError::kInternal);
    return std::move(*item);
  });
}

Expected<ItemUpdate, StoreError> PgRosterStore::updateItem(std::string_view user,
                                                           std::string_view contact,
                                                           const storage::ItemMutator& mutate) {
  return pool_.run([&](pqxx::connection& c) -> Expected<ItemUpdate, StoreError> {
    pqxx::work tx(c);
    const std::string u(user);
    const std::string k(contact);

    // 1. Create (at version 0) and lock the user's version row: the per-user lock that
    //    serializes every read-modify-write of this roster. The SELECT finds no row only when a
    //    concurrent removeUser deleted it after our INSERT saw it; then insert again.
    std::optional<RosterVersion> locked;
    for (int attempt = 0; attempt < kMaxLockAttempts && !locked; ++attempt) {
      tx.exec_params(
          "INSERT INTO roster_versions (username, version) VALUES ($1, 0) "
          "ON CONFLICT (username) DO NOTHING",
          u);
      auto v =
          tx.exec_params("SELECT version FROM roster_versions WHERE username = $1 FOR UPDATE", u);
      if (!v.empty()) locked = v[0][0].as<RosterVersion>();
    }
    if (!locked) return unexpected(StoreError::kConflict);

    // 2. Read (and lock) the item. Under the version lock nobody else can change it.
    ItemUpdate out;
    out.version = *locked;
    auto r = tx.exec_params(std::string("SELECT ") + kItemColumns +
                                " FROM roster_items WHERE username = $1 AND contact = $2 "
                                "FOR UPDATE",
                            u, k);
    if (!r.empty()) {
      out.before = itemFromRow(r[0]);
      if (!out.before) return unexpected(StoreError::kInternal);
    }

    // 3. The new item.
    out.after = mutate(out.before);
    if (out.after) out.after->contact = k;
    out.changed = out.before != out.after;
    if (!out.changed) {
      // Nothing to write: roll back, which also drops a version row created in step 1 (so a
      // no-op on an unknown user leaves no trace, as with the in-memory store).
      tx.abort();
      return out;
    }

    // 4. Write or delete, then bump the version, all in this transaction.
    if (out.after) {
      const RosterItem& a = *out.after;
      tx.exec_params(
          "INSERT INTO roster_items (username, contact, name, groups, subscription, ask_out, "
          "pending_in, pending_in_stanza, approved, hidden) "
          "VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $8, $9, $10) "
          "ON CONFLICT (username, contact) DO UPDATE SET name = EXCLUDED.name, "
          "groups = EXCLUDED.groups, subscription = EXCLUDED.subscription, "
          "ask_out = EXCLUDED.ask_out, pending_in = EXCLUDED.pending_in, "
          "pending_in_stanza = EXCLUDED.pending_in_stanza, approved = EXCLUDED.approved, "
          "hidden = EXCLUDED.hidden",
          u, k, a.name, textArrayLiteral(a.groups), static_cast<int>(a.subscription), a.askOut,
          a.pendingIn, bytes(a.pendingInStanza), a.approved, a.hidden);
    } else {
      tx.exec_params("DELETE FROM roster_items WHERE username = $1 AND contact = $2", u, k);
    }
    auto bumped = tx.exec_params1(
        "UPDATE roster_versions SET version = nextval('roster_version_seq') "
        "WHERE username = $1 RETURNING version",
        u);
    out.version = bumped[0].as<RosterVersion>();
    tx.commit();
    return out;
  });
}

Expected<std::vector<RosterItem>, StoreError> PgRosterStore::itemsWithPendingIn(
    std::string_view user) {
  return pool_.run([&](pqxx::connection& c) -> Expected<std::vector<RosterItem>, StoreError> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(std::string("SELECT ") + kItemColumns +
                                " FROM roster_items WHERE username = $1 AND pending_in "
                                "ORDER BY contact",
                            std::string(user));
    return itemsFromResult(r);
  });
}

Expected<std::size_t, StoreError> PgRosterStore::countItems(std::string_view user) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    auto r =
        tx.exec_params1("SELECT count(*) FROM roster_items WHERE username = $1", std::string(user));
    return r[0].as<std::size_t>();
  });
}

Expected<std::size_t, StoreError> PgRosterStore::removeUser(std::string_view user) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const std::string u(user);
    // The version row first (it waits for a running updateItem), then the items: the same lock
    // order as updateItem, so the two never deadlock.
    tx.exec_params("DELETE FROM roster_versions WHERE username = $1", u);
    auto r = tx.exec_params("DELETE FROM roster_items WHERE username = $1", u);
    tx.commit();
    return static_cast<std::size_t>(r.affected_rows());
  });
}

}  // namespace xmpp::storage_pg
