#include "connection.hpp"
#include "resume_store.hpp"

#include "c2s_session.hpp"
#include "network.hpp"
#include "tls_engine.hpp"
#include "xmpp/runtime/runtime.hpp"

namespace xmpp::gateway {

namespace asio = boost::asio;
using boost::system::error_code;

Connection::Connection(tcp::socket socket, asio::ssl::context* tls, bool directTls,
                       AuthFactory authFactory, RouterLink& router, SessionRegistry& registry,
                       const SessionConfig& config, const ConnectionOptions& options,
                       std::string sessionId, std::string streamId)
    : strand_(asio::make_strand(socket.get_executor())),
      socket_(std::move(socket)),
      tlsContext_(tls),
      directTls_(directTls),
      timer_(strand_),
      preAuthTimer_(strand_),
      pauseTimer_(strand_),
      router_(router),
      registry_(registry),
      options_(options),
      sessionId_(std::move(sessionId)),
      authFactory_(std::move(authFactory)),
      sessionConfig_(&config),
      streamId_(std::move(streamId)) {
  error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) remote_ = ep.address().to_string();
  if (options_.maxBytesPerSecond > 0)
    shaper_.emplace(options_.maxBytesPerSecond, options_.burstBytes);
}

Connection::~Connection() = default;

void Connection::start() {
  // The auth adapter and the session need shared_from_this, so they are made here.
  auto self = shared_from_this();
  auth_ = authFactory_(strand_, self);
  session_ =
      std::make_unique<C2sSession>(*this, *auth_, router_, *sessionConfig_, sessionId_, streamId_);
  if (options_.resumeStore != nullptr) {
    resume_ = std::make_unique<StrandResumeStore>(*options_.resumeStore, strand_, self);
    session_->setResumeStore(resume_.get());
  }
  registry_.add(sessionId_, self);
  if (options_.metrics != nullptr) {
    options_.metrics->connectionsAccepted.Increment();
    (directTls_ ? options_.metrics->connectionsTls : options_.metrics->connectionsTcp).Increment();
  }
  runtime::logDebug(
      "connection accepted",
      {{"conn", sessionId_}, {"remote", remote_}, {"transport", directTls_ ? "tls" : "tcp"}});
  asio::dispatch(strand_, [self] {
    self->armTimer();
    self->preAuthTimer_.expires_after(self->options_.preAuthTimeout);
    self->preAuthTimer_.async_wait([self](const error_code& ec) {
      if (ec || self->closed_ || self->session_->authenticated()) return;
      self->session_->closeWithError("connection-timeout", "not authenticated in time");
    });
    if (self->directTls_)
      self->tls_ = std::make_unique<TlsEngine>(self->tlsContext_->native_handle());
    self->read();
  });
}

// ---- reading ----

void Connection::read() {
  if (closed_) return;
  auto self = shared_from_this();
  if (!lingering_ && router_.congested()) {
    // Back-pressure (issue 9, case 4): the routers are behind; the client's bytes wait in
    // its socket (and TCP's window) instead of in our memory.
    pauseTimer_.expires_after(std::chrono::milliseconds(20));
    pauseTimer_.async_wait([self](const error_code& ec) {
      if (!ec) self->read();
    });
    return;
  }
  auto handler =
      asio::bind_executor(strand_, [self](const error_code& ec, size_t n) { self->onRead(ec, n); });
  socket_.async_read_some(asio::buffer(readBuf_), std::move(handler));
}

bool Connection::secure() const { return tls_ != nullptr && tls_->handshakeDone(); }

void Connection::onRead(const error_code& ec, size_t n) {
  if (closed_) return;
  if (ec) {
    teardown();
    return;
  }
  if (lingering_) {
    read();  // discarded: the client's input until it closes, or the linger timer fires
    return;
  }
  heardSinceTimer_ = true;
  pinged_ = false;
  const std::string_view data(readBuf_.data(), n);
  if (!tls_) {
    session_->onBytes(data);
  } else {
    const bool wasDone = tls_->handshakeDone();
    std::string plain;
    const bool ok = tls_->receive(data, plain);
    queueTlsOutput();  // handshake records, alerts
    if (!wasDone && tls_->handshakeDone() && !directTls_) session_->onTlsEstablished();
    // What was decrypted before a close_notify (or an error) in the same read is the
    // client's last words: the session reads them before the connection closes.
    if (!plain.empty() && !closed_) session_->onBytes(plain);
    if (!ok) {
      close();
      return;
    }
  }
  // Reading goes on while closing: the session ignores what follows its end, and a socket
  // closed with unread input would be reset.
  if (closed_) return;
  if (shaper_) {
    const auto wait = shaper_->take(static_cast<double>(n), std::chrono::steady_clock::now());
    if (wait.count() > 0) {
      // Over its rate: the client's next bytes wait in its socket (TCP pushes back).
      if (options_.metrics != nullptr) options_.metrics->shaped.Increment();
      auto self = shared_from_this();
      pauseTimer_.expires_after(wait);
      pauseTimer_.async_wait([self](const error_code& e) {
        if (!e) self->read();
      });
      return;
    }
  }
  read();
}

// ---- writing ----

void Connection::write(std::string bytes) { send(std::move(bytes), std::nullopt); }

void Connection::write(std::string bytes, Outbound stanza) {
  send(std::move(bytes), std::move(stanza));
}

void Connection::send(std::string bytes, std::optional<Outbound> stanza) {
  if (closed_) {
    if (stanza && session_) session_->onUnwritten({std::move(*stanza)});
    return;
  }
  if (bytes.empty()) return;
  // TLS: encrypted at the next flush with whatever else is waiting then, so a burst of
  // stanzas to one session becomes one TLS record and one write (issue 11), not one each.
  if (tls_) {
    queueBytes(plain_, std::move(bytes), std::move(stanza));
  } else {
    queueBytes(queue_, std::move(bytes), std::move(stanza));
  }
}

template <class Queue>
void Connection::queueBytes(Queue& q, std::string bytes, std::optional<Outbound> stanza) {
  if (!admit(bytes.size(), stanza)) return;
  Pending p{std::move(bytes), {}, 0};
  p.accounted = p.bytes.size();
  if (stanza) p.stanzas.push_back(std::move(*stanza));
  q.push_back(std::move(p));
  flush();
}

void Connection::queueTlsOutput() {
  // Ahead of plain_, which is not encrypted yet: the wire keeps the engine's record order.
  std::string out;
  tls_->takeOutput(out);
  if (!out.empty()) enqueue(std::move(out));
}

bool Connection::admit(size_t bytes, std::optional<Outbound>& stanza) {
  if (queuedBytes_ + bytes <= options_.maxSendQueueBytes || closing_) {
    queuedBytes_ += bytes;
    if (options_.metrics != nullptr) {
      options_.metrics->sendQueueBytes.Increment(static_cast<double>(bytes));
    }
    return true;
  }
  // A slow reader: stop here; what is queued and this delivery take the offline path.
  Pending p;
  if (stanza) p.stanzas.push_back(std::move(*stanza));
  queue_.push_back(std::move(p));
  overflowed_ = true;
  session_->onSendQueueOverflow();
  teardown();
  return false;
}

void Connection::enqueue(std::string bytes, std::optional<Outbound> stanza) {
  queueBytes(queue_, std::move(bytes), std::move(stanza));
}

void Connection::seal() {
  if (plain_.empty()) return;
  Pending sealed;
  std::string plain;
  for (auto& p : plain_) {
    plain.append(p.bytes);
    sealed.accounted += p.accounted;
    for (auto& o : p.stanzas) sealed.stanzas.push_back(std::move(o));
  }
  if (plain_.size() > 16) {
    std::vector<Pending>().swap(plain_);  // an idle session keeps no large capacity
  } else {
    plain_.clear();
  }
  const bool ok = tls_->send(plain);
  tls_->takeOutput(sealed.bytes);
  queue_.push_back(std::move(sealed));
  // Held until the handshake is done, a stanza still keeps its place (an empty write).
  if (!ok) close();  // the teardown hands the stanzas back
}

void Connection::flush() {
  if (writing_ || closed_) return;
  if (tls_) seal();
  if (writing_ || queue_.empty() || closed_) return;  // a failed seal may have closed
  // Everything queued, in one gathered write (bounded, so that one write completes soon).
  constexpr size_t kMaxBuffers = 64;
  std::vector<asio::const_buffer> buffers;
  for (const auto& p : queue_) {
    if (buffers.size() == kMaxBuffers) break;
    buffers.emplace_back(asio::buffer(p.bytes));
  }
  inFlight_ = buffers.size();
  writing_ = true;
  auto self = shared_from_this();
  auto handler = asio::bind_executor(
      strand_, [self](const error_code& ec, size_t n) { self->onWritten(ec, n); });
  asio::async_write(socket_, buffers, std::move(handler));
}

void Connection::onWritten(const error_code& ec, size_t) {
  writing_ = false;
  if (closed_) return;
  if (ec) {
    teardown();
    return;
  }
  std::vector<Outbound> written;
  size_t bytes = 0;
  for (size_t i = 0; i < inFlight_ && !queue_.empty(); ++i) {
    bytes += queue_.front().accounted;
    for (auto& o : queue_.front().stanzas) written.push_back(std::move(o));
    queue_.pop_front();
  }
  inFlight_ = 0;
  queuedBytes_ -= bytes;
  if (options_.metrics != nullptr) {
    options_.metrics->sendQueueBytes.Decrement(static_cast<double>(bytes));
  }
  for (const auto& o : written) session_->onWritten(o);
  if (closed_) return;
  if (!queue_.empty() || !plain_.empty()) {
    flush();
    return;
  }
  if (closing_) linger();
}

// ---- TLS ----

void Connection::startTls() {
  if (tlsContext_ == nullptr || tls_) {
    close();
    return;
  }
  // <proceed/> is already queued in clear; everything the client sends from now on is TLS.
  tls_ = std::make_unique<TlsEngine>(tlsContext_->native_handle());
}

// ---- closing ----

void Connection::close() {
  if (closed_) return;
  if (tls_ && !closing_) {
    closing_ = true;   // before seal(): a failed seal closes again, a no-op then
    seal();            // what waits goes before the close_notify
    tls_->shutdown();  // close_notify, flushed with the rest
    queueTlsOutput();
  }
  closing_ = true;
  if (queue_.empty() && !writing_)
    linger();
  else
    flush();
}

void Connection::linger() {
  if (lingering_ || closed_) return;
  lingering_ = true;
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);  // the client reads EOF after our bytes
  timer_.cancel();
  timer_.expires_after(options_.lingerTimeout);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->teardown();
  });
}

void Connection::reportUnwritten() {
  std::vector<Outbound> unwritten;
  for (auto& p : queue_) {
    for (auto& o : p.stanzas) unwritten.push_back(std::move(o));
  }
  for (auto& p : plain_) {
    for (auto& o : p.stanzas) unwritten.push_back(std::move(o));
  }
  queue_.clear();
  plain_.clear();
  if (options_.metrics != nullptr) {
    options_.metrics->sendQueueBytes.Decrement(static_cast<double>(queuedBytes_));
  }
  queuedBytes_ = 0;
  if (!unwritten.empty() && session_) session_->onUnwritten(std::move(unwritten));
}

void Connection::flushAfter(std::chrono::milliseconds delay) {
  if (closed_) return;
  if (!flushTimer_) flushTimer_ = std::make_unique<boost::asio::steady_timer>(strand_);
  flushTimer_->expires_after(delay);
  flushTimer_->async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec && !self->closed_) self->session_->onFlushTimer();
  });
}

void Connection::teardown() {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  preAuthTimer_.cancel();
  pauseTimer_.cancel();
  ticket_.reset();
  if (flushTimer_) flushTimer_->cancel();
  reportUnwritten();
  registry_.remove(sessionId_);
  runtime::logInfo("connection closed",
                   {{"conn", sessionId_},
                    {"remote", remote_},
                    {"jid", session_ && session_->bound() ? session_->fullJid() : "-"},
                    {"overflow", overflowed_ ? "yes" : "no"}});
  if (options_.metrics != nullptr) {
    (directTls_ ? options_.metrics->connectionsTls : options_.metrics->connectionsTcp).Decrement();
  }
  if (session_) session_->onTransportClosed();
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  tls_.reset();
}

// ---- from the router ----

void Connection::deliver(v1::Stanza stanza, bool toRecipient) {
  asio::dispatch(strand_,
                 [self = shared_from_this(), stanza = std::move(stanza), toRecipient]() mutable {
                   if (toRecipient) stanza.set_to(self->session_->bareJid());
                   if (self->closed_) {
                     if (stanza.kind() == v1::STANZA_KIND_MESSAGE) {
                       self->session_->onUnwritten({Outbound::routed(stanza)});
                     }
                     return;
                   }
                   if (self->options_.metrics != nullptr) self->options_.metrics->countOut(stanza);
                   self->session_->deliver(stanza);
                 });
}

void Connection::deliverOffline(v1::Delivery delivery) {
  asio::dispatch(strand_, [self = shared_from_this(), d = std::move(delivery)] {
    if (self->closed_) return;  // not acked: it stays in offline storage
    if (self->options_.metrics != nullptr) self->options_.metrics->countOut(d.stanza());
    self->session_->deliverOffline(d);
  });
}

void Connection::closeWithError(std::string condition, std::string text, bool resumed) {
  asio::dispatch(
      strand_, [self = shared_from_this(), c = std::move(condition), t = std::move(text), resumed] {
        if (!self->closed_) self->session_->closeWithError(c, t, resumed);
      });
}

void Connection::bindResult(std::string condition) {
  asio::dispatch(strand_, [self = shared_from_this(), c = std::move(condition)] {
    if (!self->closed_) self->session_->onBindResult(c);
  });
}

void Connection::holdUntilClosed(std::shared_ptr<void> ticket) {
  asio::dispatch(strand_, [self = shared_from_this(), t = std::move(ticket)]() mutable {
    if (!self->closed_) self->ticket_ = std::move(t);  // else released right here
  });
}

void Connection::shutdown() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    if (!self->closed_) self->session_->shutdown();
  });
}

// ---- keepalive / idle ----

void Connection::armTimer() {
  timer_.expires_after(options_.pingAfter);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->onTimer();
  });
}

void Connection::onTimer() {
  if (closed_) return;
  if (heardSinceTimer_) {
    heardSinceTimer_ = false;
    armTimer();
    return;
  }
  if (!pinged_) {
    // Silence: the session pings (XEP-0199) or sends a whitespace keepalive.
    pinged_ = true;
    session_->onSilence();
    timer_.expires_after(options_.idleTimeout - options_.pingAfter);
    timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) self->onTimer();
    });
    return;
  }
  session_->onIdleTimeout();
}

}  // namespace xmpp::gateway
