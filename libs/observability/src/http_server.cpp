#include "xmpp/observability/http_server.hpp"

#include <prometheus/text_serializer.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <thread>

namespace xmpp::observability {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// One request per connection is enough for scrapers and probes; each session has a
// deadline so a stuck client cannot hold it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<prometheus::Registry> registry,
          std::function<bool()> ready)
      : stream_(std::move(socket)), registry_(std::move(registry)), ready_(std::move(ready)) {}

  void start() {
    stream_.expires_after(std::chrono::seconds(10));
    parser_.body_limit(4096);
    http::async_read(stream_, buffer_, parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec) self->respond();
                     });
  }

 private:
  void respond() {
    const auto& req = parser_.get();
    res_.version(req.version());
    res_.keep_alive(false);
    res_.set(http::field::server, "xmppd");
    std::string_view target(req.target().data(), req.target().size());
    if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      reply(http::status::method_not_allowed, "text/plain", "method not allowed\n");
    } else if (target == "/metrics") {
      prometheus::TextSerializer serializer;
      reply(http::status::ok, "text/plain; version=0.0.4",
            serializer.Serialize(registry_->Collect()));
    } else if (target == "/healthz") {
      reply(http::status::ok, "text/plain", "ok\n");
    } else if (target == "/readyz") {
      bool ok = false;
      try {
        ok = ready_();
      } catch (...) {
      }
      reply(ok ? http::status::ok : http::status::service_unavailable, "text/plain",
            ok ? "ready\n" : "not ready\n");
    } else {
      reply(http::status::not_found, "text/plain", "not found\n");
    }
  }

  void reply(http::status status, const char* type, std::string body) {
    res_.result(status);
    res_.set(http::field::content_type, type);
    res_.body() = std::move(body);
    res_.prepare_payload();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code, size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{8192};
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> res_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::function<bool()> ready_;
};

}  // namespace

class OpsHttpServer::Impl {
 public:
  Impl(std::shared_ptr<prometheus::Registry> registry, HttpServerOptions options)
      : registry_(std::move(registry)),
        options_(std::move(options)),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address(options_.address), options_.port)) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Impl() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (!ec) std::make_shared<Session>(std::move(socket), registry_, options_.ready)->start();
      if (ec != asio::error::operation_aborted) accept();
    });
  }

  std::shared_ptr<prometheus::Registry> registry_;
  HttpServerOptions options_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_;
  std::thread thread_;
};

OpsHttpServer::OpsHttpServer(std::shared_ptr<prometheus::Registry> registry,
                             HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(registry), std::move(options))) {}
OpsHttpServer::~OpsHttpServer() = default;
uint16_t OpsHttpServer::port() const { return impl_->port(); }

}  // namespace xmpp::observability
