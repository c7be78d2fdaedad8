#pragma once
// The c2s listening sockets. Accepts run on a thread of their own (`acceptIo`), which hands
// each socket to the session threads (`sessions`).
//
// Why a thread of its own (issue 9, case 12): asio's reactor keeps the state it allocates for
// every socket it registers (176 bytes, Boost 1.81's object_pool) for reuse and never frees
// it; the registration runs in the thread that completed the accept. Allocated by the session
// threads, those blocks sat between the sessions' memory and pinned its pages after the
// sessions ended (10,000 sessions left ~3,000 such islands in each session thread's arena).
// Allocated here, they sit together in this thread's arena; the hand-off to the session
// threads takes its memory from whole pages (PageAllocator) so that nothing else of this
// thread's comes between them.

#include <prometheus/counter.h>

#include <boost/asio.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace xmpp::gateway {

class Listener {
 public:
  using OnAccept = std::function<void(boost::asio::ip::tcp::socket, bool directTls)>;
  /// Listens on `address` ("host:port"); `onAccept` runs on a session thread.
  Listener(boost::asio::io_context& acceptIo, boost::asio::io_context& sessions,
           const std::string& address, bool directTls, prometheus::Counter& failures,
           OnAccept onAccept);
  uint16_t port() const { return port_; }
  /// Stops accepting; returns once the acceptor is closed (on its own thread).
  void stop();

 private:
  void accept();
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer pause_;
  boost::asio::io_context& sessions_;
  bool directTls_;
  prometheus::Counter& failures_;
  uint16_t port_ = 0;
  std::chrono::steady_clock::time_point lastLogged_{};
  OnAccept onAccept_;
};

}  // namespace xmpp::gateway
