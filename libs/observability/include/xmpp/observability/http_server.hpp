#pragma once
// Every service's operations endpoint, on its own port (Boost.Beast, one thread):
//   GET /metrics  Prometheus text format of the service's registry
//   GET /healthz  200 while the process is alive
//   GET /readyz   200 when the readiness check passes (dependencies reachable), else 503

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <prometheus/registry.h>

namespace xmpp::observability {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (see OpsHttpServer::port())
  std::function<bool()> ready = [] { return true; };
};

class OpsHttpServer {
 public:
  OpsHttpServer(std::shared_ptr<prometheus::Registry> registry, HttpServerOptions options);
  ~OpsHttpServer();  // stops and joins
  OpsHttpServer(const OpsHttpServer&) = delete;
  OpsHttpServer& operator=(const OpsHttpServer&) = delete;

  uint16_t port() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xmpp::observability
