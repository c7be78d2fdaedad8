// TlsEngine against a real OpenSSL client over memory BIOs: handshake, data both ways,
// plaintext written before the handshake, close_notify.

#include "tls_engine.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace xmpp::gateway {
namespace {

// A server context with a fresh self-signed P-256 certificate.
SSL_CTX* serverContext() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate(ctx, cert);
  SSL_CTX_use_PrivateKey(ctx, key);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  X509_free(cert);
  EVP_PKEY_free(key);
  return ctx;
}

class Client {
 public:
  Client() : ctx_(SSL_CTX_new(TLS_client_method())) {
    ssl_ = SSL_new(ctx_);
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in_, -1);
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_connect_state(ssl_);
  }
  ~Client() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  // Runs the client side with what the server wrote; returns what the client writes.
  std::string step(const std::string& fromServer, std::string* plain = nullptr) {
    if (!fromServer.empty()) BIO_write(in_, fromServer.data(), static_cast<int>(fromServer.size()));
    if (!SSL_is_init_finished(ssl_)) SSL_do_handshake(ssl_);
    char buf[4096];
    int n;
    while (SSL_is_init_finished(ssl_) && (n = SSL_read(ssl_, buf, sizeof buf)) > 0) {
      if (plain != nullptr) plain->append(buf, static_cast<size_t>(n));
    }
    return drain();
  }
  std::string write(const std::string& plain) {
    SSL_write(ssl_, plain.data(), static_cast<int>(plain.size()));
    return drain();
  }
  std::string closeNotify() {
    SSL_shutdown(ssl_);
    return drain();
  }
  bool ready() const { return SSL_is_init_finished(ssl_) != 0; }

 private:
  std::string drain() {
    std::string out;
    char buf[4096];
    int n;
    while ((n = BIO_read(out_, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  SSL_CTX* ctx_;
  SSL* ssl_;
  BIO* in_;
  BIO* out_;
};

TEST(TlsEngine, HandshakeDataBothWaysAndCloseNotify) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(serverContext(), SSL_CTX_free);
  TlsEngine server(ctx.get());
  Client client;

  // Written before the handshake: held, then sent once it is done.
  ASSERT_TRUE(server.send("<early/>"));
  std::string toServer = client.step("");
  std::string fromServer, plain, clientPlain;
  for (int round = 0; round < 6 && !(server.handshakeDone() && client.ready()); ++round) {
    ASSERT_TRUE(server.receive(toServer, plain));
    fromServer.clear();
    server.takeOutput(fromServer);
    toServer = client.step(fromServer, &clientPlain);
  }
  ASSERT_TRUE(server.handshakeDone());
  ASSERT_TRUE(client.ready());
  ASSERT_TRUE(server.receive(toServer, plain));
  fromServer.clear();
  server.takeOutput(fromServer);
  client.step(fromServer, &clientPlain);
  EXPECT_EQ(clientPlain, "<early/>");

  // Client -> server, split at every byte boundary of the record.
  const std::string record = client.write("<message><body>hi</body></message>");
  plain.clear();
  for (char c : record) ASSERT_TRUE(server.receive(std::string_view(&c, 1), plain));
  EXPECT_EQ(plain, "<message><body>hi</body></message>");

  // Server -> client.
  ASSERT_TRUE(server.send("<presence/>"));
  fromServer.clear();
  server.takeOutput(fromServer);
  clientPlain.clear();
  client.step(fromServer, &clientPlain);
  EXPECT_EQ(clientPlain, "<presence/>");

  // The peer's close_notify ends the stream.
  plain.clear();
  EXPECT_FALSE(server.receive(client.closeNotify(), plain));
}

TEST(TlsEngine, GarbageIsAnError) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(serverContext(), SSL_CTX_free);
  TlsEngine server(ctx.get());
  std::string plain;
  EXPECT_FALSE(server.receive("<stream:stream to='x'>this is not TLS", plain));
}

}  // namespace
}  // namespace xmpp::gateway
