#pragma once
// One client connection: an Asio socket (plain, after STARTTLS, or direct TLS) driving a
// C2sSession on a strand. Implements Transport. Small buffers: a 4 KiB read buffer and a send
// queue bounded in bytes; OpenSSL releases its buffers while idle (SSL_MODE_RELEASE_BUFFERS).

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ports.hpp"
#include "token_bucket.hpp"

namespace xmpp::gateway {

class C2sSession;
class SessionRegistry;
class TlsEngine;
class RedisResumeStore;
struct GatewayMetrics;

struct ConnectionOptions {
  size_t maxSendQueueBytes = 512 * 1024;
  std::chrono::seconds pingAfter{120};    // silence before a server ping / whitespace
  std::chrono::seconds idleTimeout{300};  // silence before the connection is closed
  /// From accept to authentication (TLS handshake, stream header, SASL, all in one): past it
  /// the stream ends with <connection-timeout/> (issue 9, case 13).
  std::chrono::seconds preAuthTimeout{30};
  /// After our last bytes (a stream error, </stream:stream>) are written: the write side is
  /// shut and the client's input read and discarded for at most this long, so that closing
  /// with unread input (a 2 MiB stanza) does not reset the connection before the client
  /// could read why (RFC 6120 §4.4; issue 9, case 10).
  std::chrono::milliseconds lingerTimeout{2000};
  /// A shaper on what the client sends (issue 9, case 13), like ejabberd's: past
  /// `burstBytes`, reading pauses so that the client gets `maxBytesPerSecond` (0: none).
  double maxBytesPerSecond = 0;
  double burstBytes = 1 << 20;
  GatewayMetrics* metrics = nullptr;
  /// XEP-0198 resumable state (Redis); null: sessions are not resumable.
  RedisResumeStore* resumeStore = nullptr;
};

class Connection : public Transport, public std::enable_shared_from_this<Connection> {
 public:
  using tcp = boost::asio::ip::tcp;

  /// Makes the connection's AuthClient (it posts answers onto this connection's strand).
  using AuthFactory = std::function<std::unique_ptr<AuthClient>(
      boost::asio::strand<boost::asio::any_io_executor>, std::weak_ptr<Connection>)>;

  Connection(tcp::socket socket, boost::asio::ssl::context* tls, bool directTls,
             AuthFactory authFactory, RouterLink& router, SessionRegistry& registry,
             const SessionConfig& config, const ConnectionOptions& options, std::string sessionId,
             std::string streamId);
  ~Connection() override;

  void start();

  // From the router link (any thread): hop onto the strand.
  /// `toRecipient`: address it to this session's bare JID (Delivery.to_recipient).
  void deliver(v1::Stanza stanza, bool toRecipient = false);
  void deliverOffline(v1::Delivery delivery);
  /// The router's answer to this session's bind (empty: bound).
  void bindResult(std::string condition);
  /// Ends the stream with an RFC 6120 stream error (the router's conflict, a refusal);
  /// `resumed`: the session was resumed on another stream (XEP-0198).
  void closeWithError(std::string condition, std::string text, bool resumed = false);
  /// Keeps `ticket` (e.g. a per-address admission) until the connection is torn down.
  void holdUntilClosed(std::shared_ptr<void> ticket);
  void shutdown();  // SIGTERM drain

  // Transport (called by the session, on the strand)
  void write(std::string bytes) override;
  void write(std::string bytes, Outbound stanza) override;
  void flushAfter(std::chrono::milliseconds delay) override;
  bool secure() const override;
  void startTls() override;
  void close() override;
  std::string remoteAddress() const override { return remote_; }

  const std::string& sessionId() const { return sessionId_; }
  boost::asio::strand<boost::asio::any_io_executor>& strand() { return strand_; }

 private:
  struct Pending {
    std::string bytes;
    std::vector<Outbound> stanzas;  // what the bytes are, for the session
    size_t accounted = 0;           // its share of queuedBytes_
  };

  void read();
  void onRead(const boost::system::error_code& ec, size_t n);
  void send(std::string bytes, std::optional<Outbound> stanza);
  void enqueue(std::string bytes, std::optional<Outbound> stanza = std::nullopt);
  /// Whether `bytes` more fit the send queue; if not, the connection is torn down (a slow
  /// reader) and `stanza` takes the unwritten path with the rest.
  bool admit(size_t bytes, std::optional<Outbound>& stanza);
  /// Admits and appends to `q` (queue_, or plain_ for TLS), then flushes.
  template <class Queue>
  void queueBytes(Queue& q, std::string bytes, std::optional<Outbound> stanza);
  /// TLS: encrypts the plaintext waiting in plain_ as one SSL_write (one record per 16 KiB,
  /// not one per stanza) and queues the ciphertext.
  void seal();
  void flush();
  void onWritten(const boost::system::error_code& ec, size_t n);
  void queueTlsOutput();
  void armTimer();
  void onTimer();
  void teardown();
  /// Everything queued is written and the stream is over: shut the write side, drain.
  void linger();
  void reportUnwritten();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  tcp::socket socket_;
  std::unique_ptr<TlsEngine> tls_;  // after STARTTLS, or from the start on the TLS port
  boost::asio::ssl::context* tlsContext_;
  bool directTls_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer preAuthTimer_;
  boost::asio::steady_timer pauseTimer_;  // reading paused: router backlog high, or shaped
  std::optional<TokenBucket> shaper_;
  RouterLink& router_;
  SessionRegistry& registry_;
  const ConnectionOptions& options_;
  std::string sessionId_;
  std::string remote_;
  AuthFactory authFactory_;
  const SessionConfig* sessionConfig_;
  std::string streamId_;
  std::unique_ptr<AuthClient> auth_;     // posts auth answers onto this strand
  std::unique_ptr<ResumeStore> resume_;  // posts XEP-0198 store answers onto this strand
  std::unique_ptr<C2sSession> session_;
  std::shared_ptr<void> ticket_;  // released at teardown

  std::array<char, 4096> readBuf_;
  std::deque<Pending> queue_;   // bytes ready for the socket, in order
  std::vector<Pending> plain_;  // TLS: plaintext not yet encrypted (sealed at the next flush)
  size_t queuedBytes_ = 0;
  size_t inFlight_ = 0;  // queue_ entries the write in progress carries
  bool writing_ = false;
  bool overflowed_ = false;
  bool closing_ = false;
  bool lingering_ = false;
  bool closed_ = false;
  bool heardSinceTimer_ = true;
  bool pinged_ = false;
  std::unique_ptr<boost::asio::steady_timer> flushTimer_;  // made on first use (XEP-0352)
};

}  // namespace xmpp::gateway
