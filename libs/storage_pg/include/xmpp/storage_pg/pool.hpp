#pragma once
// A small libpqxx connection pool that fails fast and heals itself.
//
// Every database call goes through PgPool::run(): it leases a connection (connecting
// lazily, with libpq's connect_timeout), runs the function, and maps libpqxx exceptions to
// StoreError values. A broken connection is dropped and the call answers kUnavailable at
// once; the next call reconnects. So when PostgreSQL stops, calls fail fast, and when it
// comes back the services recover without a restart.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include <pqxx/pqxx>

#include "xmpp/common/expected.hpp"
#include "xmpp/storage/store_error.hpp"

namespace xmpp::storage_pg {

struct PoolOptions {
  std::string connectionString;
  size_t size = 8;
  /// How long a caller waits for a free connection before kUnavailable.
  std::chrono::milliseconds acquireTimeout{2000};
  /// Called on every database error with a short kind ("connect", "broken", "sql", ...).
  std::function<void(std::string_view kind)> onError = {};
  /// Called after every call with its duration in seconds (leasing included).
  std::function<void(double seconds)> onDuration = {};
};

class PgPool {
 public:
  explicit PgPool(PoolOptions options);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  /// Runs `f(pqxx::connection&)`; its result, or the StoreError its failure maps to.
  /// `f` may itself return Expected<T, StoreError> to report expected outcomes.
  template <class F>
  auto run(F&& f) {
    using R = std::invoke_result_t<F, pqxx::connection&>;
    if constexpr (IsExpected<R>::value) {
      using T = typename IsExpected<R>::Value;
      return runImpl<T>(
          [&](pqxx::connection& c) -> Expected<T, storage::StoreError> { return f(c); });
    } else {
      return runImpl<R>(
          [&](pqxx::connection& c) -> Expected<R, storage::StoreError> { return f(c); });
    }
  }

  /// True if a connection can be leased and answers `SELECT 1`.
  bool healthy();

 private:
  template <class X>
  struct IsExpected : std::false_type {};
  template <class T>
  struct IsExpected<Expected<T, storage::StoreError>> : std::true_type {
    using Value = T;
  };

  struct Slot {
    std::unique_ptr<pqxx::connection> conn;
    bool busy = false;
  };

  // Leases a connected slot, or nullptr (after reporting why).
  Slot* acquire(storage::StoreError& why);
  void release(Slot* slot, bool discard);
  void reportError(std::string_view kind);
  // Maps the exception in flight to a StoreError; discards the connection when it broke.
  storage::StoreError classifyCurrentException(Slot* slot, bool& discard);

  template <class T>
  Expected<T, storage::StoreError> runImpl(
      const std::function<Expected<T, storage::StoreError>(pqxx::connection&)>& f) {
    const auto start = std::chrono::steady_clock::now();
    struct Timed {
      const PoolOptions& o;
      std::chrono::steady_clock::time_point start;
      ~Timed() {
        if (o.onDuration) {
          o.onDuration(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        }
      }
    } timed{options_, start};
    storage::StoreError why{};
    Slot* slot = acquire(why);
    if (slot == nullptr) return unexpected(why);
    bool discard = false;
    try {
      auto result = f(*slot->conn);
      release(slot, false);
      return result;
    } catch (...) {
      storage::StoreError e = classifyCurrentException(slot, discard);
      release(slot, discard);
      return unexpected(e);
    }
  }

  PoolOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot> slots_;
};

}  // namespace xmpp::storage_pg
