#pragma once
// What every service's main() needs: graceful shutdown on SIGTERM/SIGINT and logs.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace xmpp::runtime {

/// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts afterwards.
/// Call first thing in main(), then waitForShutdownSignal() when the service is up.
void blockShutdownSignals();
/// Waits for SIGTERM or SIGINT; returns its name.
std::string waitForShutdownSignal();

enum class LogFormat { kText, kJson };

/// Process-wide log settings, set once in main() before threads start.
void configureLogging(std::string service, LogFormat format, bool debug = false);

using Field = std::pair<std::string_view, std::string_view>;

/// One line to stderr: text ("ts level service msg k=v ...") or a JSON object.
/// Callers never pass passwords or message bodies.
void log(std::string_view level, std::string_view message,
         std::initializer_list<Field> fields = {});
inline void logInfo(std::string_view m, std::initializer_list<Field> f = {}) { log("info", m, f); }
inline void logWarn(std::string_view m, std::initializer_list<Field> f = {}) { log("warn", m, f); }
inline void logError(std::string_view m, std::initializer_list<Field> f = {}) {
  log("error", m, f);
}
void logDebug(std::string_view m, std::initializer_list<Field> f = {});

}  // namespace xmpp::runtime
