#pragma once
// Metrics shared by the gRPC services, one naming scheme: xmpp_ prefix, units in names.
//   xmpp_grpc_server_requests_total{service,method,code}
//   xmpp_grpc_server_request_duration_seconds{service,method}
//   xmpp_db_errors_total{service,kind}
//   xmpp_db_query_duration_seconds{service}

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace xmpp::observability {

class RpcMetrics {
 public:
  RpcMetrics(prometheus::Registry& registry, std::string service);

  /// Records one finished call. `code` is the gRPC status code name, e.g. "OK".
  void observe(const std::string& method, const std::string& code, double seconds);
  void dbError(std::string_view kind);
  void dbDuration(double seconds);

  /// Times a scope; call done(code) before it ends (else records "UNKNOWN").
  class Timer {
   public:
    Timer(RpcMetrics& m, std::string method)
        : m_(m), method_(std::move(method)), start_(std::chrono::steady_clock::now()) {}
    ~Timer() {
      if (!done_) done("UNKNOWN");
    }
    void done(const std::string& code) {
      done_ = true;
      m_.observe(method_, code,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }

   private:
    RpcMetrics& m_;
    std::string method_;
    std::chrono::steady_clock::time_point start_;
    bool done_ = false;
  };

 private:
  std::string service_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Counter>& dbErrors_;
  prometheus::Histogram& dbDuration_;
};

}  // namespace xmpp::observability
