// xmppload: what a run reports. The driver's own CPU (so that a run that measured the driver
// shows it), the servers' CPU and RSS from /proc for the pids given, latency percentiles.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace xmppload {

double selfCpuSeconds();

class ServerProbe {
 public:
  explicit ServerProbe(std::vector<pid_t> pids) : pids_(std::move(pids)) {}
  double cpuSeconds() const;  // user + system of every pid, summed
  long rssKiB() const;        // VmRSS of every pid, summed
  bool empty() const { return pids_.empty(); }

 private:
  std::vector<pid_t> pids_;
};

class Latencies {
 public:
  void add(uint64_t ns) { ns_.push_back(ns); }
  size_t count() const { return ns_.size(); }
  double percentileMs(double p);  // sorts on first use after an add

 private:
  std::vector<uint64_t> ns_;
  bool sorted_ = false;
};

// Collects key = value figures; prints them as lines and as one JSON line (`RESULT {...}`).
class Report {
 public:
  void add(const std::string& key, double value);
  void add(const std::string& key, const std::string& value);
  void print() const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
  std::vector<bool> quoted_;
};

// A measured window: the driver's and the servers' CPU between begin() and end().
class Window {
 public:
  explicit Window(const ServerProbe& probe) : probe_(probe) {}
  void begin();
  void end();
  double seconds() const { return double(t1_ - t0_) / 1e9; }
  double driverCpu() const { return self1_ - self0_; }
  double serverCpu() const { return srv1_ - srv0_; }
  bool running() const { return t0_ != 0 && t1_ == 0; }

 private:
  const ServerProbe& probe_;
  uint64_t t0_ = 0, t1_ = 0;
  double self0_ = 0, self1_ = 0, srv0_ = 0, srv1_ = 0;
};

}  // namespace xmppload
