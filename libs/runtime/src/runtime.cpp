#include "xmpp/runtime/runtime.hpp"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace xmpp::runtime {
namespace {

std::string gService = "xmppd";
LogFormat gFormat = LogFormat::kText;
bool gDebug = false;
std::mutex gLogMutex;

sigset_t shutdownSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

void appendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count()));
  return buf;
}

}  // namespace

void blockShutdownSignals() {
  sigset_t set = shutdownSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string waitForShutdownSignal() {
  sigset_t set = shutdownSet();
  int sig = 0;
  sigwait(&set, &sig);
  return sig == SIGTERM ? "SIGTERM" : "SIGINT";
}

void configureLogging(std::string service, LogFormat format, bool debug) {
  gService = std::move(service);
  gFormat = format;
  gDebug = debug;
}

void log(std::string_view level, std::string_view message, std::initializer_list<Field> fields) {
  std::string line;
  if (gFormat == LogFormat::kJson) {
    line = "{\"ts\":\"" + timestamp() + "\",\"level\":";
    appendJsonString(line, level);
    line += ",\"service\":";
    appendJsonString(line, gService);
    line += ",\"msg\":";
    appendJsonString(line, message);
    for (const auto& [k, v] : fields) {
      line += ',';
      appendJsonString(line, k);
      line += ':';
      appendJsonString(line, v);
    }
    line += "}\n";
  } else {
    line = timestamp() + " " + std::string(level) + " " + gService + " " + std::string(message);
    for (const auto& [k, v] : fields) {
      line += ' ';
      line += k;
      line += '=';
      line += v;
    }
    line += '\n';
  }
  std::lock_guard lock(gLogMutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void logDebug(std::string_view m, std::initializer_list<Field> f) {
  if (gDebug) log("debug", m, f);
}

}  // namespace xmpp::runtime
