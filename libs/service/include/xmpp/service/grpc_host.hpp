#pragma once
// Runs a service's gRPC servers until SIGTERM/SIGINT, with the ops endpoint (/metrics,
// /healthz, /readyz) beside it. Shared by every gRPC service's main().

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "xmpp/config/config.hpp"

namespace xmpp::service {

struct GrpcHostOptions {
  std::string name;           // "auth", "roster": config keys <name>.listen, <name>.max_threads
  std::string defaultListen;  // e.g. "127.0.0.1:50051"
  uint16_t defaultOpsPort = 0;
  /// Handler threads unless <name>.max_threads says otherwise: the synchronous server
  /// refuses a call (RESOURCE_EXHAUSTED) when all are busy.
  int defaultMaxThreads = 16;
  std::vector<grpc::Service*> services;
  std::shared_ptr<prometheus::Registry> registry;
  std::function<bool()> ready = [] { return true; };
  /// gRPC message limit both ways (0: gRPC's default, 4 MiB).
  int maxMessageBytes = 0;
  /// Called once the server listens (before waiting for a signal).
  std::function<void()> onListening = [] {};
  /// Called once the shutdown signal came, before the server stops taking calls and ends
  /// the open ones within 5 s (e.g. to drain streams); may block, bounded.
  std::function<void()> onShutdown = [] {};
};

/// Builds and starts the server, logs "listening grpc_port=N ops_port=M", waits for a
/// shutdown signal, then shuts down within 5 s. Returns the process exit code.
/// The caller has called runtime::blockShutdownSignals() before starting any thread.
int serveUntilSignal(const config::Config& cfg, GrpcHostOptions options);

/// Configures logging from log.format (text|json) and log.debug.
void configureLogging(const config::Config& cfg, const std::string& service);

}  // namespace xmpp::service
