#include "c2s_session.hpp"

#include <charconv>
#include <utility>

#include "features/stream_feature.hpp"
#include "random_id.hpp"
#include "xmpp/stanza/codec.hpp"
#include "xmpp/stanza/element.hpp"
#include "xmpp/stream/stream_error.hpp"
#include "xmpp/xml/escape.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::gateway {
namespace {

using C = stream::StreamErrorCondition;

// How long a bind waits for the router before the client is told to wait and retry.
constexpr auto kBindTimeout = std::chrono::seconds(10);
// Random bytes in a restarted stream's id (the first one comes from the connection).
constexpr size_t kStreamIdBytes = 8;

// Major version of a stream header's version attribute; -1 when it is not "N.M".
int majorVersion(std::string_view version) {
  const size_t dot = version.find('.');
  if (dot == 0 || dot == std::string_view::npos) return -1;
  int major = -1;
  auto [p, ec] = std::from_chars(version.data(), version.data() + dot, major);
  if (ec != std::errc{} || p != version.data() + dot) return -1;
  return major;
}

stream::StreamErrorCondition conditionFromName(std::string_view name) {
  for (int i = static_cast<int>(C::kBadFormat); i <= static_cast<int>(C::kUnsupportedVersion);
       ++i) {
    const auto c = static_cast<C>(i);
    if (stream::conditionName(c) == name) return c;
  }
  return C::kUndefinedCondition;
}

}  // namespace

C2sSession::C2sSession(Transport& transport, AuthClient& auth, RouterLink& router,
                       const SessionConfig& config, std::string sessionId, std::string streamId,
                       const Framing& framing)
    : transport_(transport),
      auth_(auth),
      router_(router),
      config_(config),
      sessionId_(std::move(sessionId)),
      streamId_(std::move(streamId)),
      framing_(framing),
      decoder_(framing.decoder(*this, {})),
      alive_(std::make_shared<bool>(true)) {}

C2sSession::~C2sSession() = default;

// --- Input ------------------------------------------------------------------------------

void C2sSession::onBytes(std::string_view data) {
  if (closed() || state_ == State::kTlsHandshake || data.empty()) return;
  if (waiting()) {
    hold(data);
    return;
  }
  pump(data);
}

void C2sSession::pump(std::string_view data) {
  pumping_ = true;
  while (!closed() && !waiting() && state_ != State::kTlsHandshake) {
    if (decoderPaused_) resumeDecoder();
    if (data.empty()) break;
    data.remove_prefix(decoder_->feed(data));
    if (discardRest_) {
      // Whatever followed <starttls/> is the client's TLS handshake: the transport's.
      discardRest_ = false;
      data = {};
    }
  }
  pumping_ = false;
  if (!closed() && waiting() && !data.empty()) hold(data);
}

void C2sSession::resumeDecoder() {
  decoderPaused_ = false;
  if (!restartPending_) {
    decoder_->resume();  // same stream: an auth call was answered
    return;
  }
  // RFC 6120 §4.3.3: a new stream, a new header from the client, a new one from us, with
  // a new stream id (§4.7.3).
  restartPending_ = false;
  decoder_->reset();
  streamId_ = randomHex(kStreamIdBytes);
  headerSent_ = false;
}

void C2sSession::hold(std::string_view data) {
  if (held_.size() + data.size() > config_.maxPendingInputBytes) {
    held_.clear();
    streamError({C::kPolicyViolation, "too much input while authenticating"});
    return;
  }
  held_.append(data);
}

void C2sSession::suspendForAuth() {
  authPending_ = true;
  decoder_->pause();
  decoderPaused_ = true;
}

void C2sSession::authAnswered() {
  authPending_ = false;
  // Inside pump() (a synchronous answer) the loop picks up where it stopped.
  if (closed() || pumping_) return;
  std::string pending = std::exchange(held_, {});
  pump(pending);
}

// --- Decoder events ---------------------------------------------------------------------

void C2sSession::onStreamOpen(stream::StreamHeader header) {
  const int major = header.version.empty() ? 0 : majorVersion(header.version);
  clientVersioned_ = major >= 1;
  std::string out;
  framing_.appendOpen(out, streamId_, config_.domain, clientVersioned_ || major < 0);
  headerSent_ = true;
  if (!isServerAddress(header.to)) {
    reportStreamError({C::kHostUnknown, {}});
    framing_.appendError(out, {C::kHostUnknown, {}});
    closeAfter(std::move(out));
    return;
  }
  if (major > 1 || major < 0) {
    reportStreamError({C::kUnsupportedVersion, {}});
    framing_.appendError(out, {C::kUnsupportedVersion, {}});
    closeAfter(std::move(out));
    return;
  }
  if (clientVersioned_) {
    Features features;
    c2sFeatures().advertise(*this, features);
    appendFeatures(out, features, framing_.elementsStandAlone());
  }
  send(std::move(out));
}

void C2sSession::onStanza(xml::Document&& document) {
  if (closed()) return;
  xml::Element root = document.document_element();
  const std::string_view name = root.name();
  const std::string_view ns = xml::namespaceOf(root);
  if (ns == ns::kClient) {
    if (bound_) {
      if (sm_.enabled()) sm_.received();  // XEP-0198: every stanza counts, even refused ones
      routeStanza(root, name);
    } else if (name == "iq") {
      negotiationIq(root);
    } else if (name == "message" || name == "presence") {
      streamError({C::kNotAuthorized, "stanza before resource binding"});
    } else {
      streamError({C::kUnsupportedStanzaType, {}});
    }
    return;
  }
  if (auto handler = c2sFeatures().element(name, ns)) {
    handler(*this, root);
  } else if (ns == ns::kStreams && name == "error") {
    // The client reports a stream error: it is closing; so do we.
    const xml::Element condition = root.first_child();
    reportStreamError({conditionFromName(condition ? condition.name() : ""), {}}, true);
    closeStream();
  } else {
    streamError({C::kUnsupportedStanzaType, {}});
  }
}

void C2sSession::onStreamClose() {
  if (closed()) return;
  closeStream();
}

void C2sSession::closeStream(std::string out) {
  framing_.appendClose(out);
  closeAfter(std::move(out));
}

void C2sSession::onError(const stream::StreamError& error) { streamError(error); }

// --- Negotiation ------------------------------------------------------------------------

bool C2sSession::mechanismOffered(std::string_view mechanism) const {
  const bool secure = transport_.secure();
  if (!secure && config_.tlsRequired) return false;
  if (!secure && mechanism == "PLAIN") return false;
  for (const std::string& m : config_.mechanisms) {
    if (m == mechanism) return true;
  }
  return false;
}

bool C2sSession::isServerAddress(std::string_view to) const {
  if (to.empty() || to == config_.domain) return true;
  auto jid = jid::Jid::parse(to);
  return jid && jid->local().empty() && jid->resource().empty() && jid->domain() == config_.domain;
}

void C2sSession::beginTls() {
  state_ = State::kTlsHandshake;
  discardRest_ = true;
  decoder_->pause();
  decoderPaused_ = true;
  transport_.startTls();
}

void C2sSession::onTlsEstablished() {
  if (state_ != State::kTlsHandshake) return;
  state_ = State::kNegotiating;
  restartPending_ = true;
  held_.clear();
  if (!pumping_) resumeDecoder();
}

// Counts a failed attempt; past the limit, appends the stream error to `out`, sends it and
// closes (returns true).
bool C2sSession::countFailure(std::string& out) {
  if (++authFailures_ < kMaxAuthFailures) return false;
  const stream::StreamError error{C::kPolicyViolation, "too many failed authentications"};
  reportStreamError(error);
  framing_.appendError(out, error);
  closeAfter(std::move(out));
  return true;
}

void C2sSession::authenticated(const jid::Jid& account, bool restart) {
  account_ = account;
  bareJid_ = account_.bareStr();
  authenticated_ = true;
  state_ = State::kAuthenticated;
  // SASL: the decoder is paused at </auth> or </response>: what follows is the new stream.
  if (restart) restartPending_ = true;
}

void C2sSession::fillClientSession(v1::ClientSession& session) const {
  session.set_source_address(transport_.remoteAddress());
  session.set_tls(transport_.secure());
  session.set_stream_id(streamId_);
}

void C2sSession::negotiationIq(xml::Element element) {
  const v1::Stanza iq = stanza::toProto(element);
  const v1::Element* payload = stanza::firstChildElement(iq.element());
  const bool request = iq.type() == "get" || iq.type() == "set";
  if (payload != nullptr && request && isServerAddress(iq.to())) {
    if (auto handler = c2sFeatures().iq(payload->name(), payload->ns())) {
      handler(*this, iq, *payload);
      return;
    }
  }
  // RFC 6120 §7.1: nothing but negotiation before the resource is bound.
  streamError({C::kNotAuthorized, "stanza before resource binding"});
}

void C2sSession::requestBind(const jid::Jid& jid, std::string onSuccess, std::string iqId,
                             std::string iqTo) {
  if (closed()) return;
  state_ = State::kBinding;
  fullJid_ = jid.str();
  bareJid_ = jid.bareStr();
  bind_ = {std::move(onSuccess), std::move(iqId), std::move(iqTo)};
  decoder_->pause();  // the rest of the chunk waits for the router's answer
  decoderPaused_ = true;
  transport_.flushAfter(kBindTimeout);
  bindRequested_ = true;
  router_.sessionBound(sessionInfo());  // may answer at once (onBindResult)
}

void C2sSession::onBindResult(std::string_view condition) {
  if (state_ != State::kBinding) return;  // closed meanwhile, or timed out
  if (!condition.empty()) {
    bindFailed(condition);
    return;
  }
  state_ = State::kBound;
  bound_ = true;
  send(std::exchange(bind_.onSuccess, {}));
  if (resuming_) finishResume();
  flushHeld();  // what the router sent before its answer reached us
  if (!pumping_ && !closed()) pump(std::exchange(held_, {}));
}

// RFC 6120 §7.6.2.1: the client may try again; nobody can reach the JID meanwhile.
void C2sSession::bindFailed(std::string_view condition) {
  state_ = State::kAuthenticated;
  bindRequested_ = false;
  fullJid_.clear();
  if (resuming_) {
    // XEP-0198: the resume failed; its state is detached again for a later try.
    resumeStore_->detach(smId_, sessionId_, sm_.handled(), [](ResumeStore::Outcome) {});
    resuming_ = false;
    resumable_ = false;
    smId_.clear();
    resend_.clear();
    sm_ = StreamManagement{};
    resumeFailed(condition);
  } else {
    std::string out;
    appendStanzaError(out, "iq", bind_.iqId, bind_.iqTo, stanza::stanzaError(condition));
    send(std::move(out));
  }
  reportAuthFailure("bind", condition);
  returnHeld("bind-failed-presence");
  if (!pumping_ && !closed()) pump(std::exchange(held_, {}));
}

void C2sSession::closeWithError(std::string_view condition, std::string_view text, bool resumed) {
  if (resumed) {
    lostToResume();
    return;
  }
  streamError({conditionFromName(condition), std::string(text)}, !text.empty());
}

void C2sSession::onSilence() {
  if (closed()) return;
  if (!bound_ || !config_.serverPings) {
    send(" ");  // a dead peer's TCP stack answers with a reset
    return;
  }
  pingId_ = "s2c-ping-" + std::to_string(++pings_);
  sendPing(pingId_);
}

void C2sSession::sendPing(std::string_view id) {
  std::string out = "<iq type=\"get\" id=\"";
  xml::appendEscapedAttribute(out, id);
  out += "\" from=\"";
  xml::appendEscapedAttribute(out, config_.domain);
  out += "\" to=\"";
  xml::appendEscapedAttribute(out, fullJid_);
  out += "\"><ping xmlns=\"urn:xmpp:ping\"/></iq>";
  sendStanza(std::move(out), Outbound::other());
}

void C2sSession::onIdleTimeout() {
  if (resumable_ && bound_ && !closed()) {
    transport_.close();  // XEP-0198: a silent client's session detaches, resumable
    return;
  }
  streamError({C::kConnectionTimeout, {}});
}

void C2sSession::shutdown() {
  if (resumable_ && bound_ && !closed()) {
    // SIGTERM drain: the stored state is current; the client resumes on another gateway.
    transport_.close();
    return;
  }
  streamError({C::kSystemShutdown, {}});
}

void C2sSession::onSendQueueOverflow() {
  // The transport closes the socket itself; nothing more can be written.
  if (resumable_ && bound_) {
    detach();
    return;
  }
  state_ = State::kClosed;
  endSession();
}

void C2sSession::onTransportClosed() {
  if (resumable_ && bound_) {
    detach();
    return;
  }
  state_ = State::kClosed;
  endSession();
}

// --- Output and teardown ----------------------------------------------------------------

void C2sSession::send(std::string bytes) {
  if (closed()) return;
  transport_.write(std::move(bytes));
}

void C2sSession::sendStanzaError(const v1::Stanza& request, const StanzaError& error) {
  std::string out;
  appendStanzaError(out, request.element().name(), request.id(),
                    bound_ ? std::string_view{} : std::string_view{request.to()}, error);
  sendStanza(std::move(out), Outbound::other());
}

void C2sSession::streamError(const stream::StreamError& error, bool includeText) {
  if (closed()) return;
  std::string out;
  if (state_ == State::kTlsHandshake) {
    // Mid-handshake nothing plaintext may be written: just close.
    state_ = State::kClosed;
    endSession();
    transport_.close();
    return;
  }
  if (!headerSent_) {
    // RFC 6120 §4.9.1.1: a stream error needs our stream header first.
    framing_.appendOpen(out, streamId_, config_.domain, true);
    headerSent_ = true;
  }
  reportStreamError(error);
  framing_.appendError(out, error, includeText);
  closeAfter(std::move(out));
}

void C2sSession::reportStreamError(const stream::StreamError& error, bool fromClient) {
  if (config_.events == nullptr) return;
  config_.events->streamError({sessionId_, transport_.remoteAddress()},
                              stream::conditionName(error.condition), error.text, fromClient);
}

void C2sSession::reportResumption(std::string_view outcome) {
  if (config_.events == nullptr) return;
  config_.events->resumption({sessionId_, transport_.remoteAddress()}, outcome);
}

void C2sSession::reportDropped(std::string_view reason, size_t count) {
  if (config_.events == nullptr) return;
  config_.events->stanzasDropped({sessionId_, transport_.remoteAddress()}, reason, count);
}

void C2sSession::reportAuthFailure(std::string_view mechanism, std::string_view condition) {
  if (config_.events == nullptr) return;
  config_.events->authFailed({sessionId_, transport_.remoteAddress()}, mechanism, condition);
}

void C2sSession::closeAfter(std::string bytes) {
  if (closed()) return;
  transport_.write(std::move(bytes));
  state_ = State::kClosed;
  held_.clear();
  if (pumping_) decoder_->pause();  // stop parsing the rest of the chunk
  endSession();
  transport_.close();
}

// Stanzas held and never to be written: messages take the router's offline path; presence
// needs none (the router answers probes from the directory) and is counted.
void C2sSession::returnHeld(std::string_view reason) {
  std::vector<v1::Stanza> held = std::exchange(heldStanzas_, {});
  heldBytes_ = 0;
  std::vector<v1::Stanza> messages;
  for (auto& h : held) {
    if (h.kind() == v1::STANZA_KIND_MESSAGE) messages.push_back(std::move(h));
  }
  const size_t dropped = held.size() - messages.size();
  if (dropped > 0) reportDropped(reason, dropped);
  if (!messages.empty()) router_.undeliverable(sessionId_, bareJid_, std::move(messages));
}

void C2sSession::endSession() {
  if (ended_ || !bindRequested_) return;
  ended_ = true;
  if (resumable_) resumeStore_->release(smId_, sessionId_);  // not resumable after this
  returnHeld("csi-held-presence");
  if (sm_.enabled()) {
    // XEP-0198: sent is not received until acknowledged; unacknowledged messages take the
    // offline path (offline ones stay stored). Nothing else of them is in the send queue.
    std::vector<v1::Stanza> messages;
    for (Outbound& o : sm_.takeUnacked()) {
      if (o.kind == Outbound::Kind::kRouted) messages.push_back(std::move(o.stanza));
    }
    if (!messages.empty()) router_.undeliverable(sessionId_, bareJid_, std::move(messages));
  }
  v1::SessionEnded ended;
  ended.set_session_id(sessionId_);
  ended.set_full_jid(fullJid_);
  ended.set_was_available(available_);
  router_.sessionEnded(ended);
}

}  // namespace xmpp::gateway
