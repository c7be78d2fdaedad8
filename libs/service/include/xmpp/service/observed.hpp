#pragma once
// Per-method metrics for synchronous gRPC handlers.

#include <grpcpp/support/status.h>

#include "xmpp/observability/rpc_metrics.hpp"

namespace xmpp::service {

/// "OK", "UNAVAILABLE", ...: the label of a status code.
const char* statusCodeName(grpc::StatusCode code);

/// Runs the handler body `f` (returning grpc::Status) and records the call under `method`.
template <class F>
grpc::Status observed(observability::RpcMetrics& metrics, const char* method, F&& f) {
  observability::RpcMetrics::Timer timer(metrics, method);
  grpc::Status status = f();
  timer.done(statusCodeName(status.error_code()));
  return status;
}

}  // namespace xmpp::service
