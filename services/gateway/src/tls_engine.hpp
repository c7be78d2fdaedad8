#pragma once
// Server-side TLS over OpenSSL memory BIOs, driven by the connection's own buffers.
//
// Why not asio::ssl::stream: it keeps two 17 KiB record buffers per connection for the
// connection's whole life, and its engine a 2 x 17 KiB BIO pair: ~68 KiB per idle session,
// more than the whole budget (docs/performance.md). Memory BIOs hold only what is in flight,
// and SSL_MODE_RELEASE_BUFFERS frees OpenSSL's record buffers while idle.

#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace xmpp::gateway {

class TlsEngine {
 public:
  explicit TlsEngine(SSL_CTX* ctx);  // server side; throws std::bad_alloc
  ~TlsEngine();
  TlsEngine(const TlsEngine&) = delete;
  TlsEngine& operator=(const TlsEngine&) = delete;

  /// Ciphertext from the peer. Appends the plaintext it yields to `plain`. False on a TLS
  /// error or a close_notify from the peer (then close the connection).
  bool receive(std::string_view ciphertext, std::string& plain);
  /// Plaintext to the peer; buffered until the handshake is done.
  bool send(std::string_view plain);
  /// Queues a close_notify.
  void shutdown();
  /// Moves the ciphertext waiting to be written (handshake records, data) into `out`.
  void takeOutput(std::string& out);

  bool handshakeDone() const { return handshakeDone_; }

 private:
  bool flushPendingPlain();
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // ciphertext from the peer (owned by ssl_)
  BIO* out_ = nullptr;  // ciphertext to the peer (owned by ssl_)
  bool handshakeDone_ = false;
  std::string pendingPlain_;  // written before the handshake finished
};

}  // namespace xmpp::gateway
