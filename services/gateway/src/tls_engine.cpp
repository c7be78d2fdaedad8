#include "tls_engine.hpp"

#include <openssl/err.h>

#include <array>
#include <new>

namespace xmpp::gateway {

TlsEngine::TlsEngine(SSL_CTX* ctx) {
  ssl_ = SSL_new(ctx);
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || in_ == nullptr || out_ == nullptr) {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (in_ != nullptr) BIO_free(in_);
    if (out_ != nullptr) BIO_free(out_);
    throw std::bad_alloc();
  }
  // An empty memory BIO says "retry" rather than EOF.
  BIO_set_mem_eof_return(in_, -1);
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_accept_state(ssl_);
}

TlsEngine::~TlsEngine() { SSL_free(ssl_); }

bool TlsEngine::receive(std::string_view ciphertext, std::string& plain) {
  if (!ciphertext.empty() &&
      BIO_write(in_, ciphertext.data(), static_cast<int>(ciphertext.size())) <= 0) {
    return false;
  }
  if (!handshakeDone_) {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_);
    if (r != 1) {
      const int e = SSL_get_error(ssl_, r);
      return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
    }
    handshakeDone_ = true;
    if (!flushPendingPlain()) return false;
  }
  std::array<char, 4096> buf;
  for (;;) {
    ERR_clear_error();
    const int n = SSL_read(ssl_, buf.data(), static_cast<int>(buf.size()));
    if (n > 0) {
      plain.append(buf.data(), static_cast<size_t>(n));
      continue;
    }
    const int e = SSL_get_error(ssl_, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return true;
    return false;  // SSL_ERROR_ZERO_RETURN (close_notify) or a real error
  }
}

bool TlsEngine::flushPendingPlain() {
  if (pendingPlain_.empty()) return true;
  std::string pending;
  pending.swap(pendingPlain_);
  return send(pending);
}

bool TlsEngine::send(std::string_view plain) {
  if (plain.empty()) return true;
  if (!handshakeDone_) {
    pendingPlain_.append(plain);
    return true;
  }
  ERR_clear_error();
  // The output BIO grows as needed, so a write is never partial.
  return SSL_write(ssl_, plain.data(), static_cast<int>(plain.size())) ==
         static_cast<int>(plain.size());
}

void TlsEngine::shutdown() {
  if (!handshakeDone_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);
}

void TlsEngine::takeOutput(std::string& out) {
  const size_t pending = BIO_ctrl_pending(out_);
  if (pending == 0) return;
  const size_t at = out.size();
  out.resize(at + pending);
  const int n = BIO_read(out_, out.data() + at, static_cast<int>(pending));
  out.resize(at + static_cast<size_t>(n > 0 ? n : 0));
  // Drop the emptied buffer: an idle connection keeps no ciphertext capacity.
  (void)BIO_reset(out_);
}

}  // namespace xmpp::gateway
