#include "xmpp/observability/rpc_metrics.hpp"

namespace xmpp::observability {

namespace {
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
}

RpcMetrics::RpcMetrics(prometheus::Registry& registry, std::string service)
    : service_(std::move(service)),
      requests_(prometheus::BuildCounter()
                    .Name("xmpp_grpc_server_requests_total")
                    .Help("gRPC calls handled, by method and status code")
                    .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("xmpp_grpc_server_request_duration_seconds")
                    .Help("gRPC call latency")
                    .Register(registry)),
      dbErrors_(prometheus::BuildCounter()
                    .Name("xmpp_db_errors_total")
                    .Help("Database errors by kind (connect, broken, sql, ...)")
                    .Register(registry)),
      dbDuration_(prometheus::BuildHistogram()
                      .Name("xmpp_db_query_duration_seconds")
                      .Help("PostgreSQL call latency, connection lease included")
                      .Register(registry)
                      .Add({{"service", service_}}, kLatencyBuckets)) {
  // Known error kinds start at zero, so they exist before the first error.
  for (const char* kind : {"connect", "broken", "sql"}) {
    dbErrors_.Add({{"service", service_}, {"kind", kind}});
  }
}

void RpcMetrics::observe(const std::string& method, const std::string& code, double seconds) {
  requests_.Add({{"service", service_}, {"method", method}, {"code", code}}).Increment();
  duration_.Add({{"service", service_}, {"method", method}}, kLatencyBuckets).Observe(seconds);
}

void RpcMetrics::dbError(std::string_view kind) {
  dbErrors_.Add({{"service", service_}, {"kind", std::string(kind)}}).Increment();
}

}  // namespace xmpp::observability

namespace xmpp::observability {
void RpcMetrics::dbDuration(double seconds) { dbDuration_.Observe(seconds); }
}  // namespace xmpp::observability
