#include "report.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "conn.hpp"

namespace xmppload {

double selfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double ServerProbe::cpuSeconds() const {
  double total = 0;
  static const double tick = double(sysconf(_SC_CLK_TCK));
  for (pid_t pid : pids_) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(f, line)) continue;
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 0; i < 13 && (rest >> field); ++i) {
      if (i == 11) utime = std::stoull(field);
      if (i == 12) stime = std::stoull(field);
    }
    total += double(utime + stime) / tick;
  }
  return total;
}

long ServerProbe::rssKiB() const {
  long total = 0;
  for (pid_t pid : pids_) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
      if (line.rfind("VmRSS:", 0) == 0) total += std::stol(line.substr(6));
  }
  return total;
}

double Latencies::percentileMs(double p) {
  if (ns_.empty()) return 0;
  if (!sorted_) {
    std::sort(ns_.begin(), ns_.end());
    sorted_ = true;
  }
  size_t i = std::min(ns_.size() - 1, size_t(p / 100.0 * double(ns_.size())));
  return double(ns_[i]) / 1e6;
}

void Report::add(const std::string& key, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  items_.emplace_back(key, buf);
  quoted_.push_back(false);
}

void Report::add(const std::string& key, const std::string& value) {
  items_.emplace_back(key, value);
  quoted_.push_back(true);
}

void Report::print() const {
  for (const auto& [k, v] : items_) std::printf("%-28s %s\n", k.c_str(), v.c_str());
  std::string json = "{";
  for (size_t i = 0; i < items_.size(); ++i) {
    if (i > 0) json += ", ";
    json += "\"" + items_[i].first + "\": ";
    json += quoted_[i] ? "\"" + items_[i].second + "\"" : items_[i].second;
  }
  std::printf("RESULT %s}\n", json.c_str());
  std::fflush(stdout);
}

void Window::begin() {
  t0_ = nowNs();
  t1_ = 0;
  self0_ = selfCpuSeconds();
  srv0_ = probe_.cpuSeconds();
}

void Window::end() {
  t1_ = nowNs();
  self1_ = selfCpuSeconds();
  srv1_ = probe_.cpuSeconds();
}

}  // namespace xmppload
