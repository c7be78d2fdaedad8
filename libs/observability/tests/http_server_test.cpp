#include "xmpp/observability/http_server.hpp"

#include <gtest/gtest.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>

#include "xmpp/observability/rpc_metrics.hpp"

namespace xmpp::observability {
namespace {

namespace http = boost::beast::http;

std::pair<int, std::string> get(uint16_t port, const std::string& target) {
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "localhost");
  http::write(stream, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  return {res.result_int(), res.body()};
}

TEST(OpsHttpServer, ServesMetricsHealthAndReadiness) {
  auto registry = std::make_shared<prometheus::Registry>();
  RpcMetrics metrics(*registry, "test");
  metrics.observe("GetRoster", "OK", 0.002);
  metrics.dbError("connect");
  std::atomic<bool> ready{false};
  OpsHttpServer server(registry, {.ready = [&] { return ready.load(); }});
  ASSERT_NE(server.port(), 0);

  auto [code, body] = get(server.port(), "/metrics");
  EXPECT_EQ(code, 200);
  EXPECT_NE(body.find("xmpp_grpc_server_requests_total{code=\"OK\",method=\"GetRoster\","
                      "service=\"test\"} 1"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("xmpp_grpc_server_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(body.find("xmpp_db_errors_total{kind=\"connect\",service=\"test\"} 1"),
            std::string::npos);

  EXPECT_EQ(get(server.port(), "/healthz").first, 200);
  EXPECT_EQ(get(server.port(), "/readyz").first, 503);
  ready = true;
  EXPECT_EQ(get(server.port(), "/readyz").first, 200);
  EXPECT_EQ(get(server.port(), "/nope").first, 404);
}

}  // namespace
}  // namespace xmpp::observability
