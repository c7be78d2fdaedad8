#include "conn.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace xmppload {

uint64_t nowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

SSL_CTX* makeClientContext() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) throw std::runtime_error("SSL_CTX_new failed");
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  return ctx;
}

Loop::Loop(SSL_CTX* ctx) : ep_(epoll_create1(EPOLL_CLOEXEC)), ctx_(ctx) {
  if (ep_ < 0) throw std::runtime_error("epoll_create1 failed");
}

Loop::~Loop() { ::close(ep_); }

void Loop::run(const std::function<bool()>& done, uint64_t deadline,
               const std::function<void()>& tick) {
  epoll_event events[256];
  while (!done() && nowNs() < deadline) {
    int n = epoll_wait(ep_, events, 256, 1);
    for (int i = 0; i < n; ++i) static_cast<Conn*>(events[i].data.ptr)->event(events[i].events);
    if (tick) tick();
  }
}

Conn::~Conn() { close(); }

bool Conn::connect(const Endpoint& to, const std::string& source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!source.empty()) {
    setsockopt(fd_, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &src.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
      ::close(fd_);
      fd_ = -1;
      return false;
    }
  }
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(uint16_t(to.port));
  inet_pton(AF_INET, to.host.c_str(), &dst.sin_addr);
  int rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
  if (rc != 0 && errno != EINPROGRESS) {
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  connecting_ = true;
  watch();
  return true;
}

void Conn::watch() {
  if (fd_ < 0) return;
  uint32_t want = EPOLLIN;
  if (connecting_ || pendingOut() > 0 || wantWrite_) want |= EPOLLOUT;
  if (want == watched_) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.ptr = this;
  epoll_ctl(loop_.ep_, watched_ == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd_, &ev);
  watched_ = want;
}

void Conn::close() {
  if (fd_ < 0) return;
  if (ssl_ != nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  ::close(fd_);  // also removes it from the epoll set
  fd_ = -1;
  watched_ = 0;
  out_.clear();
  outOff_ = 0;
  std::string().swap(in);
}

void Conn::event(uint32_t events) {
  if (fd_ < 0) return;
  if (connecting_) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0 || (events & (EPOLLERR | EPOLLHUP)) != 0) {
      close();
      onClosed("connect failed");
      return;
    }
    if ((events & EPOLLOUT) == 0) return;
    connecting_ = false;
    watch();
    onConnected();
    return;
  }
  if (handshaking_) {
    handshake();
    return;
  }
  if ((events & EPOLLOUT) != 0 || wantWrite_) flush();
  if (fd_ >= 0 && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) readable();
}

void Conn::startTls() {
  ssl_ = SSL_new(loop_.ctx_);
  SSL_set_fd(ssl_, fd_);
  SSL_set_connect_state(ssl_);
  handshaking_ = true;
  handshake();
}

void Conn::handshake() {
  int rc = SSL_do_handshake(ssl_);
  if (rc == 1) {
    handshaking_ = false;
    wantWrite_ = false;
    watch();
    onTlsUp();
    return;
  }
  int err = SSL_get_error(ssl_, rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    wantWrite_ = err == SSL_ERROR_WANT_WRITE;
    watch();
    return;
  }
  ERR_clear_error();
  close();
  onClosed("TLS handshake failed");
}

void Conn::send(std::string_view bytes) {
  if (fd_ < 0) return;
  if (outOff_ == out_.size()) {
    out_.clear();
    outOff_ = 0;
  }
  out_.append(bytes);
  if (!connecting_ && !handshaking_) flush();
}

void Conn::flush() {
  wantWrite_ = false;
  while (outOff_ < out_.size()) {
    const char* p = out_.data() + outOff_;
    size_t n = out_.size() - outOff_;
    if (ssl_ != nullptr) {
      int rc = SSL_write(ssl_, p, int(n > (1u << 20) ? (1u << 20) : n));
      if (rc <= 0) {
        int err = SSL_get_error(ssl_, rc);
        if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) break;
        ERR_clear_error();
        close();
        onClosed("TLS write failed");
        return;
      }
      outOff_ += size_t(rc);
    } else {
      ssize_t rc = ::write(fd_, p, n);
      if (rc < 0) {
        if (errno == EAGAIN || errno == EINTR) break;
        close();
        onClosed("write failed");
        return;
      }
      outOff_ += size_t(rc);
    }
  }
  if (outOff_ == out_.size()) {
    out_.clear();
    outOff_ = 0;
  } else if (outOff_ > (1u << 20)) {
    out_.erase(0, outOff_);
    outOff_ = 0;
  }
  watch();
}

void Conn::readable() {
  char buf[65536];
  for (;;) {
    if (ssl_ != nullptr) {
      int rc = SSL_read(ssl_, buf, sizeof buf);
      if (rc > 0) {
        in.append(buf, size_t(rc));
        continue;
      }
      int err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_WANT_READ) break;
      if (err == SSL_ERROR_WANT_WRITE) {
        wantWrite_ = true;
        watch();
        break;
      }
      ERR_clear_error();
      if (!in.empty()) onInput();
      close();
      onClosed(err == SSL_ERROR_ZERO_RETURN ? "closed by the server" : "TLS read failed");
      return;
    }
    ssize_t rc = ::read(fd_, buf, sizeof buf);
    if (rc > 0) {
      in.append(buf, size_t(rc));
      if (size_t(rc) < sizeof buf) break;
      continue;
    }
    if (rc < 0 && (errno == EAGAIN || errno == EINTR)) break;
    if (!in.empty()) onInput();
    close();
    onClosed("closed by the server");
    return;
  }
  if (!in.empty()) onInput();
}

}  // namespace xmppload
