#include "xmpp/storage_pg/pool.hpp"

#include <cstdio>

namespace xmpp::storage_pg {

using storage::StoreError;

PgPool::PgPool(PoolOptions options) : options_(std::move(options)), slots_(options_.size) {}

PgPool::~PgPool() = default;

void PgPool::reportError(std::string_view kind) {
  if (options_.onError) options_.onError(kind);
}

PgPool::Slot* PgPool::acquire(StoreError& why) {
  Slot* slot = nullptr;
  {
    std::unique_lock lock(mu_);
    auto freeSlot = [&]() -> Slot* {
      // Prefer a slot with a live connection.
      Slot* empty = nullptr;
      for (auto& s : slots_) {
        if (s.busy) continue;
        if (s.conn) return &s;
        if (empty == nullptr) empty = &s;
      }
      return empty;
    };
    if (!cv_.wait_for(lock, options_.acquireTimeout, [&] { return freeSlot() != nullptr; })) {
      why = StoreError::kUnavailable;
      reportError("pool_exhausted");
      return nullptr;
    }
    slot = freeSlot();
    slot->busy = true;
  }
  if (!slot->conn || !slot->conn->is_open()) {
    try {
      slot->conn = std::make_unique<pqxx::connection>(options_.connectionString);
    } catch (const std::exception&) {
      reportError("connect");
      release(slot, true);
      why = StoreError::kUnavailable;
      return nullptr;
    }
  }
  return slot;
}

void PgPool::release(Slot* slot, bool discard) {
  {
    std::lock_guard lock(mu_);
    if (discard) slot->conn.reset();
    slot->busy = false;
  }
  cv_.notify_one();
}

StoreError PgPool::classifyCurrentException(Slot* slot, bool& discard) {
  try {
    throw;
  } catch (const pqxx::broken_connection&) {
    discard = true;
    reportError("broken");
    return StoreError::kUnavailable;
  } catch (const pqxx::in_doubt_error&) {
    discard = true;
    reportError("in_doubt");
    return StoreError::kUnavailable;
  } catch (const pqxx::unique_violation&) {
    return StoreError::kConflict;
  } catch (const pqxx::sql_error& e) {
    // A server going down mid-query surfaces as an sql_error on a dead connection.
    if (!slot->conn->is_open()) {
      discard = true;
      reportError("broken");
      return StoreError::kUnavailable;
    }
    const std::string& state = e.sqlstate();
    if (state.starts_with("57P") || state.starts_with("08")) {  // shutdown, connection
      discard = true;
      reportError("broken");
      return StoreError::kUnavailable;
    }
    if (state == "40001" || state == "40P01") {  // serialization failure, deadlock
      reportError("conflict");
      return StoreError::kConflict;
    }
    reportError("sql");
    std::fprintf(stderr, "postgres: sql error %s: %s\n", state.c_str(), e.what());
    return StoreError::kInternal;
  } catch (const std::exception& e) {
    discard = true;
    reportError("other");
    std::fprintf(stderr, "postgres: %s\n", e.what());
    return StoreError::kUnavailable;
  }
}

bool PgPool::healthy() {
  auto r = run([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec("SELECT 1");
    return true;
  });
  return r.has_value();
}

}  // namespace xmpp::storage_pg
