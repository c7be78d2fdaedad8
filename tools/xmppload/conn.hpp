// xmppload: one client connection (TCP, then plain or TLS) driven by a single-threaded epoll
// loop. Bytes are read into `in` (decrypted) and written from `out`; the XMPP layer above
// (login.hpp) decides what to send. Non-blocking throughout: nothing here waits.
#pragma once

#include <openssl/ssl.h>
#include <sys/epoll.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace xmppload {

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 5222;
};

uint64_t nowNs();

class Loop;

class Conn {
 public:
  virtual ~Conn();

  // Queues bytes (plaintext; encrypted once TLS is on) and tries to write them now.
  void send(std::string_view bytes);
  // Starts the TLS handshake on this socket (after <proceed/>, or at once for direct TLS).
  void startTls();
  void close();

  bool open() const { return fd_ >= 0; }
  bool tls() const { return ssl_ != nullptr; }
  size_t pendingOut() const { return out_.size() - outOff_; }

  std::string in;  // decrypted input not yet consumed by the layer above

 protected:
  explicit Conn(Loop& loop) : loop_(loop) {}
  // Connects (non-blocking) from `source` (empty: the kernel's choice) to `to`.
  bool connect(const Endpoint& to, const std::string& source);

  virtual void onConnected() = 0;          // TCP up (or, for direct TLS, call startTls())
  virtual void onTlsUp() = 0;              // handshake done
  virtual void onInput() = 0;              // `in` grew
  virtual void onClosed(const char*) = 0;  // the peer or an error ended it; the object stays

  Loop& loop_;

 private:
  friend class Loop;
  void event(uint32_t events);
  void readable();
  void flush();
  void handshake();
  void watch();

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool connecting_ = false;
  bool handshaking_ = false;
  bool wantWrite_ = false;
  uint32_t watched_ = 0;
  std::string out_;
  size_t outOff_ = 0;
};

class Loop {
 public:
  explicit Loop(SSL_CTX* ctx);
  ~Loop();
  // Runs until `done()` returns true or `deadline` (monotonic ns) passes; `tick()` is called
  // at least every millisecond.
  void run(const std::function<bool()>& done, uint64_t deadline,
           const std::function<void()>& tick = {});
  SSL_CTX* ctx() const { return ctx_; }

 private:
  friend class Conn;
  int ep_;
  SSL_CTX* ctx_;
};

// A client TLS context that accepts the server's certificate (a load tool on loopback).
SSL_CTX* makeClientContext();

}  // namespace xmppload
