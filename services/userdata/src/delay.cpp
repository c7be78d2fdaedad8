#include "delay.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "xmpp/stanza/payloads.hpp"

namespace xmpp::roster {

std::string formatStamp(Clock::TimePoint when) {
  using namespace std::chrono;
  // floor, not duration_cast: times before 1970 must not round towards the epoch.
  const auto ms = floor<milliseconds>(when.time_since_epoch());
  const auto secs = floor<seconds>(ms);
  const std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];  // room for any int values, so no truncation is possible
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((ms - secs).count()));
  return buf;
}

void addDelay(v1::Stanza& stanza, std::string_view from, Clock::TimePoint when) {
  stanza::Delay delay;
  delay.from = std::string(from);
  delay.stamp = formatStamp(when);
  stanza::addPayload(stanza, delay);
}

}  // namespace xmpp::roster
