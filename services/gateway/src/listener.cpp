#include "listener.hpp"

#include <sys/mman.h>

#include <future>
#include <new>

#include "xmpp/runtime/runtime.hpp"

namespace xmpp::gateway {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

/// Memory straight from mmap, a page or more per block: for the one allocation per accepted
/// connection the accept thread makes (the hand-off), which the session thread frees.
/// A syscall per connection is nothing next to its TLS handshake.
template <class T>
struct PageAllocator {
  using value_type = T;
  PageAllocator() = default;
  template <class U>
  PageAllocator(const PageAllocator<U>&) {}  // NOLINT: rebinding converts implicitly
  T* allocate(size_t n) {
    void* p =
        mmap(nullptr, n * sizeof(T), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) { munmap(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PageAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const PageAllocator<U>&) const {
    return false;
  }
};

}  // namespace

Listener::Listener(asio::io_context& acceptIo, asio::io_context& sessions,
                   const std::string& address, bool directTls, prometheus::Counter& failures,
                   OnAccept onAccept)
    : acceptor_(acceptIo),
      pause_(acceptIo),
      sessions_(sessions),
      directTls_(directTls),
      failures_(failures),
      onAccept_(std::move(onAccept)) {
  auto colon = address.rfind(':');
  tcp::endpoint ep(asio::ip::make_address(address.substr(0, colon)),
                   static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  acceptor_.open(ep.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(1024);
  port_ = acceptor_.local_endpoint().port();
  asio::post(acceptor_.get_executor(), [this] { accept(); });
}

void Listener::stop() {
  std::promise<void> closed;
  asio::post(acceptor_.get_executor(), [this, &closed] {
    boost::system::error_code ec;
    acceptor_.close(ec);
    pause_.cancel();
    closed.set_value();
  });
  closed.get_future().wait();
}

void Listener::accept() {
  // The accepted socket belongs to the session threads' reactor.
  acceptor_.async_accept(sessions_, [this](const boost::system::error_code& ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // EMFILE and friends: accepting again at once would spin; the pending connections
      // wait in the backlog until descriptors are free. Logged at most once a second.
      failures_.Increment();
      const auto now = std::chrono::steady_clock::now();
      if (now - lastLogged_ >= std::chrono::seconds(1)) {
        lastLogged_ = now;
        runtime::logError("accept failed, pausing accepts",
                          {{"error", ec.message()}, {"port", std::to_string(port_)}});
      }
      pause_.expires_after(std::chrono::milliseconds(100));
      pause_.async_wait([this](const boost::system::error_code& e) {
        if (!e) accept();
      });
      return;
    }
    boost::system::error_code ignored;
    s.set_option(tcp::no_delay(true), ignored);
    asio::post(sessions_.get_executor(),
               asio::bind_allocator(PageAllocator<void>(), [this, s = std::move(s)]() mutable {
                 onAccept_(std::move(s), directTls_);
               }));
    accept();
  });
}

}  // namespace xmpp::gateway
