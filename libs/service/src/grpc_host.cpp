#include "xmpp/service/grpc_host.hpp"

#include <grpcpp/health_check_service_interface.h>

#include "xmpp/observability/http_server.hpp"
#include "xmpp/runtime/runtime.hpp"

namespace xmpp::service {

void configureLogging(const config::Config& cfg, const std::string& service) {
  runtime::configureLogging(service,
                            cfg.getString("log.format", "text") == "json"
                                ? runtime::LogFormat::kJson
                                : runtime::LogFormat::kText,
                            cfg.getBool("log.debug", false));
}

int serveUntilSignal(const config::Config& cfg, GrpcHostOptions options) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int grpcPort = 0;
  const std::string listen = cfg.getString(options.name + ".listen", options.defaultListen);
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &grpcPort);
  for (grpc::Service* s : options.services) builder.RegisterService(s);
  // The synchronous server's pool is the bound on concurrent blocking work (database).
  grpc::ResourceQuota quota(options.name);
  quota.SetMaxThreads(
      static_cast<int>(cfg.getInt(options.name + ".max_threads", options.defaultMaxThreads)));
  builder.SetResourceQuota(quota);
  if (options.maxMessageBytes > 0) {
    builder.SetMaxReceiveMessageSize(options.maxMessageBytes);
    builder.SetMaxSendMessageSize(options.maxMessageBytes);
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || grpcPort == 0) {
    runtime::logError("cannot listen", {{"address", listen}});
    return 1;
  }

  observability::OpsHttpServer ops(
      options.registry,
      {.address = cfg.getString("ops.address", "127.0.0.1"),
       .port = static_cast<uint16_t>(cfg.getInt("ops.port", options.defaultOpsPort)),
       .ready = options.ready});
  runtime::logInfo("listening", {{"grpc_port", std::to_string(grpcPort)},
                                 {"ops_port", std::to_string(ops.port())}});
  options.onListening();

  const std::string sig = runtime::waitForShutdownSignal();
  runtime::logInfo("shutting down", {{"signal", sig}});
  options.onShutdown();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  runtime::logInfo("stopped");
  return 0;
}

}  // namespace xmpp::service
