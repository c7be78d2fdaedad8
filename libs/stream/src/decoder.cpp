#include "xmpp/stream/decoder.hpp"

#include <expat.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "xmpp/stream/utf8.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::stream {
namespace {

constexpr char kSeparator = '\x01';
// Expat is fed at most this much at a time, so that the limits are checked between
// slices even when a single token (a huge attribute value) spans a large chunk.
constexpr size_t kSliceBytes = 16 * 1024;
// Elements in one stanza: bounds the tree's memory (a node costs more than its bytes).
constexpr size_t kMaxElementsPerStanza = 8192;

using C = StreamErrorCondition;

// An expat name: "local", "uri<sep>local" or "uri<sep>local<sep>prefix".
struct Name {
  std::string_view ns;
  std::string_view local;
  std::string_view prefix;
  // True when `local` is NUL-terminated in expat's buffer and can be handed to pugixml.
  bool localTerminated = true;
};

Name splitName(const char* raw) {
  std::string_view s(raw);
  Name n;
  auto first = s.find(kSeparator);
  if (first == std::string_view::npos) {
    n.local = s;
    return n;
  }
  n.ns = s.substr(0, first);
  std::string_view rest = s.substr(first + 1);
  auto second = rest.find(kSeparator);
  if (second == std::string_view::npos) {
    n.local = rest;
  } else {
    n.local = rest.substr(0, second);
    n.prefix = rest.substr(second + 1);
    n.localTerminated = false;
  }
  return n;
}

bool isXmlWhitespace(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

StreamError mapExpatError(XML_Error code) {
  switch (code) {
    case XML_ERROR_UNDEFINED_ENTITY:
    case XML_ERROR_RECURSIVE_ENTITY_REF:
    case XML_ERROR_BINARY_ENTITY_REF:
    case XML_ERROR_ATTRIBUTE_EXTERNAL_ENTITY_REF:
    case XML_ERROR_EXTERNAL_ENTITY_HANDLING:
    case XML_ERROR_ENTITY_DECLARED_IN_PE:
    case XML_ERROR_NOT_STANDALONE:
    case XML_ERROR_AMPLIFICATION_LIMIT_BREACH:
      return {C::kRestrictedXml, "entity references are not allowed"};
    case XML_ERROR_UNKNOWN_ENCODING:
    case XML_ERROR_INCORRECT_ENCODING:
      return {C::kUnsupportedEncoding, "only UTF-8 is supported"};
    case XML_ERROR_UNBOUND_PREFIX:
      return {C::kBadNamespacePrefix, "unbound namespace prefix"};
    default:
      return {C::kNotWellFormed, XML_ErrorString(code)};
  }
}

}  // namespace

class XmppStreamDecoder::Impl {
 public:
  Impl(DecoderCallbacks& callbacks, DecoderLimits limits)
      : callbacks_(callbacks), limits_(std::move(limits)) {
    parser_ = XML_ParserCreateNS("UTF-8", kSeparator);
    if (parser_ == nullptr) throw std::bad_alloc();
    install();
  }
  ~Impl() { XML_ParserFree(parser_); }

  size_t feed(std::string_view data);
  void finish();
  void pause() { pauseRequested_ = true; }
  void reset() {
    if (parsing_) {
      // Called from a callback: finish the current event, then reset on the way out.
      resetRequested_ = true;
      pauseRequested_ = true;
      return;
    }
    doReset();
  }
  void resume();
  bool failed() const { return state_ == State::kFailed; }
  bool streamOpen() const { return state_ == State::kOpen; }

 private:
  enum class State { kBeforeStream, kOpen, kClosed, kPaused, kFailed };

  void install();
  void doReset();
  void fail(StreamErrorCondition condition, std::string text);
  void stopParser() { XML_StopParser(parser_, XML_FALSE); }
  uint64_t eventStart() const { return static_cast<uint64_t>(XML_GetCurrentByteIndex(parser_)); }
  uint64_t eventEnd() const {
    return eventStart() + static_cast<uint64_t>(XML_GetCurrentByteCount(parser_));
  }
  bool inStanza() const { return depth_ >= 2; }
  void flushText();
  void maybePause(uint64_t at);

  void onStart(const char* name, const char** atts);
  void onEnd(const char* name);
  void onText(const char* s, int len);
  void onNamespaceDecl(const char* prefix, const char* uri);
  void onXmlDecl(const char* version, const char* encoding);
  void openStream(const Name& name, const char** atts);

  // expat trampolines
  static Impl* self(void* p) { return static_cast<Impl*>(p); }
  static void startThunk(void* p, const char* n, const char** a) { self(p)->onStart(n, a); }
  static void endThunk(void* p, const char* n) { self(p)->onEnd(n); }
  static void textThunk(void* p, const char* s, int len) { self(p)->onText(s, len); }
  static void nsThunk(void* p, const char* prefix, const char* uri) {
    self(p)->onNamespaceDecl(prefix, uri);
  }
  static void xmlDeclThunk(void* p, const char* version, const char* encoding, int) {
    self(p)->onXmlDecl(version, encoding);
  }
  static void doctypeThunk(void* p, const char*, const char*, const char*, int) {
    self(p)->fail(C::kRestrictedXml, "DOCTYPE is not allowed");
  }
  static void entityThunk(void* p, const char*, int, const char*, int, const char*, const char*,
                          const char*, const char*) {
    self(p)->fail(C::kRestrictedXml, "entity declarations are not allowed");
  }
  static void piThunk(void* p, const char*, const char*) {
    self(p)->fail(C::kRestrictedXml, "processing instructions are not allowed");
  }
  static void commentThunk(void* p, const char*) {
    self(p)->fail(C::kRestrictedXml, "comments are not allowed");
  }
  static void skippedEntityThunk(void* p, const char*, int) {
    self(p)->fail(C::kRestrictedXml, "entity references are not allowed");
  }

  DecoderCallbacks& callbacks_;
  DecoderLimits limits_;
  XML_Parser parser_ = nullptr;
  Utf8Validator utf8_;
  State state_ = State::kBeforeStream;
  std::optional<StreamError> error_;

  size_t depth_ = 0;           // open elements, <stream> included
  uint64_t fed_ = 0;           // bytes handed to expat since the last reset
  uint64_t boundary_ = 0;      // end of the last complete unit
  uint64_t stanzaStart_ = 0;   // start tag of the current top-level element
  uint64_t lastStartEnd_ = 0;  // end of the most recent start tag
  size_t elements_ = 0;        // elements in the current stanza
  size_t nsDecls_ = 0;         // namespace declarations on the element being opened
  bool pauseRequested_ = false;
  bool paused_ = false;
  bool parsing_ = false;
  bool resetRequested_ = false;
  uint64_t pausedAt_ = 0;
  std::string defaultNamespace_;  // declared on the stream header
  // The XML declaration and stream header as received, fed again to a fresh parser on
  // resume() (expat cannot continue after a stop): the stream's namespace declarations.
  std::string header_;
  bool replaying_ = false;
  bool pausedInStream_ = false;

  xml::Document doc_;
  xml::Element current_;
  std::vector<std::string_view> nsStack_;  // namespace of each open stanza element
  std::string text_;                       // character data not yet in the tree
  std::string scratch_;
};

void XmppStreamDecoder::Impl::install() {
  XML_SetUserData(parser_, this);
  XML_SetReturnNSTriplet(parser_, 1);
  XML_SetElementHandler(parser_, &startThunk, &endThunk);
  XML_SetCharacterDataHandler(parser_, &textThunk);
  XML_SetStartNamespaceDeclHandler(parser_, &nsThunk);
  XML_SetXmlDeclHandler(parser_, &xmlDeclThunk);
  XML_SetStartDoctypeDeclHandler(parser_, &doctypeThunk);
  XML_SetEntityDeclHandler(parser_, &entityThunk);
  XML_SetProcessingInstructionHandler(parser_, &piThunk);
  XML_SetCommentHandler(parser_, &commentThunk);
  XML_SetSkippedEntityHandler(parser_, &skippedEntityThunk);
  XML_SetParamEntityParsing(parser_, XML_PARAM_ENTITY_PARSING_NEVER);
}

void XmppStreamDecoder::Impl::fail(StreamErrorCondition condition, std::string text) {
  if (!error_) error_ = StreamError{condition, std::move(text)};
  stopParser();
}

void XmppStreamDecoder::Impl::doReset() {
  XML_ParserReset(parser_, "UTF-8");
  install();
  utf8_.reset();
  state_ = State::kBeforeStream;
  error_.reset();
  depth_ = 0;
  fed_ = boundary_ = stanzaStart_ = lastStartEnd_ = 0;
  elements_ = nsDecls_ = 0;
  pauseRequested_ = paused_ = resetRequested_ = false;
  pausedAt_ = 0;
  defaultNamespace_.clear();
  header_.clear();
  pausedInStream_ = false;
  doc_.reset();
  current_ = xml::Element{};
  nsStack_.clear();
  text_.clear();
}

void XmppStreamDecoder::Impl::resume() {
  if (state_ != State::kPaused) return;
  if (!pausedInStream_) {
    doReset();
    return;
  }
  // Reset, then the header again, silently: the parser knows the stream's namespaces and
  // the open <stream:stream>, and the next bytes continue it.
  std::string header = std::move(header_);
  doReset();
  replaying_ = true;
  fed_ = header.size();
  XML_Parse(parser_, header.data(), static_cast<int>(header.size()), XML_FALSE);
  replaying_ = false;
  header_ = std::move(header);
}

size_t XmppStreamDecoder::Impl::feed(std::string_view data) {
  if (state_ == State::kFailed || state_ == State::kClosed) return data.size();
  if (state_ == State::kPaused) return 0;

  size_t skipped = 0;
  if (state_ == State::kBeforeStream && fed_ == 0) {
    // go-sendxmpp sends "</auth>\n<?xml ...?><stream:stream ...>": whitespace before an XML
    // declaration is not XML, and it is nobody's business.
    skipped = std::min(data.find_first_not_of(" \t\r\n"), data.size());
    data.remove_prefix(skipped);
    if (data.empty()) return skipped;
  }

  size_t valid = data.size();
  const size_t badByte = utf8_.feed(data);
  if (badByte != Utf8Validator::kAllValid) valid = badByte;

  size_t offset = 0;
  while (offset < valid) {
    const size_t n = std::min(kSliceBytes, valid - offset);
    const uint64_t sliceStart = fed_;
    fed_ += n;
    if (state_ == State::kBeforeStream) header_.append(data.substr(offset, n));
    parsing_ = true;
    const XML_Status status =
        XML_Parse(parser_, data.data() + offset, static_cast<int>(n), XML_FALSE);
    parsing_ = false;
    if (status == XML_STATUS_ERROR || error_ || paused_) {
      if (paused_ && !error_) {
        const size_t consumed = offset + static_cast<size_t>(pausedAt_ - sliceStart);
        pausedInStream_ = state_ == State::kOpen;
        state_ = State::kPaused;
        if (resetRequested_) doReset();
        return skipped + consumed;
      }
      if (state_ == State::kClosed && !error_) return skipped + data.size();
      StreamError err = error_ ? *error_ : mapExpatError(XML_GetErrorCode(parser_));
      state_ = State::kFailed;
      callbacks_.onError(err);
      return skipped + data.size();
    }
    offset += n;
    if (state_ == State::kBeforeStream && fed_ > limits_.maxHeaderBytes) {
      fail(C::kPolicyViolation, "stream header too large");
    } else if (inStanza() && fed_ - stanzaStart_ > limits_.maxStanzaBytes) {
      fail(C::kPolicyViolation, "stanza too large");
    } else if (fed_ - boundary_ > limits_.maxBufferedBytes) {
      fail(C::kPolicyViolation, "too much input without a complete stanza");
    }
    if (error_) {
      state_ = State::kFailed;
      callbacks_.onError(*error_);
      return skipped + data.size();
    }
  }
  if (badByte != Utf8Validator::kAllValid) {
    state_ = State::kFailed;
    callbacks_.onError({C::kUnsupportedEncoding, "invalid UTF-8"});
  }
  return skipped + data.size();
}

void XmppStreamDecoder::Impl::finish() {
  if (state_ == State::kFailed || state_ == State::kClosed) return;
  const bool partial = !utf8_.atBoundary() || fed_ > boundary_;
  if (state_ == State::kOpen || partial) {
    state_ = State::kFailed;
    callbacks_.onError({C::kNotWellFormed, inStanza() || partial ? "input ended inside a stanza"
                                                                 : "stream not closed"});
  }
}

void XmppStreamDecoder::Impl::maybePause(uint64_t at) {
  if (!pauseRequested_) return;
  pauseRequested_ = false;
  paused_ = true;
  pausedAt_ = at;
  stopParser();
}

void XmppStreamDecoder::Impl::onXmlDecl(const char* /*version*/, const char* encoding) {
  if (encoding != nullptr && !equalsIgnoreCase(encoding, "UTF-8")) {
    fail(C::kUnsupportedEncoding, "only UTF-8 is supported");
  }
}

void XmppStreamDecoder::Impl::onNamespaceDecl(const char* prefix, const char* uri) {
  if (error_) return;
  ++nsDecls_;
  if (depth_ == 0 && prefix == nullptr) defaultNamespace_ = uri != nullptr ? uri : "";
}

void XmppStreamDecoder::Impl::openStream(const Name& name, const char** atts) {
  if (name.ns != ns::kStreams) {
    fail(C::kInvalidNamespace, "stream element not in the streams namespace");
    return;
  }
  if (name.local != "stream") {
    fail(C::kBadFormat, "expected a stream header");
    return;
  }
  if (!limits_.contentNamespace.empty() && defaultNamespace_ != limits_.contentNamespace) {
    fail(C::kInvalidNamespace, "unsupported content namespace");
    return;
  }
  StreamHeader header;
  header.contentNamespace = defaultNamespace_;
  for (const char** a = atts; *a != nullptr; a += 2) {
    Name an = splitName(a[0]);
    std::string_view value = a[1];
    if (an.ns.empty()) {
      if (an.local == "to")
        header.to = value;
      else if (an.local == "from")
        header.from = value;
      else if (an.local == "id")
        header.id = value;
      else if (an.local == "version")
        header.version = value;
    } else if (an.ns == xml::kXmlNamespace && an.local == "lang") {
      header.lang = value;
    }
  }
  state_ = State::kOpen;
  depth_ = 1;
  boundary_ = eventEnd();
  if (replaying_) return;
  header_.resize(static_cast<size_t>(boundary_));
  callbacks_.onStreamOpen(std::move(header));
  maybePause(boundary_);
}

void XmppStreamDecoder::Impl::onStart(const char* rawName, const char** atts) {
  if (error_ || paused_) return;
  const size_t nsDecls = std::exchange(nsDecls_, 0);
  size_t attributeCount = nsDecls;
  for (const char** a = atts; *a != nullptr; a += 2) ++attributeCount;
  if (attributeCount > limits_.maxAttributes) {
    fail(C::kPolicyViolation, "too many attributes");
    return;
  }
  const Name name = splitName(rawName);
  // The xml and xmlns namespaces are reserved (XML Namespaces §3): an element in them has no
  // legal serialization as a default namespace, so it cannot be routed.
  if (name.ns == xml::kXmlNamespace || name.ns == xml::kXmlnsNamespace) {
    fail(C::kBadNamespacePrefix, "element in a reserved namespace");
    return;
  }
  if (depth_ == 0) {
    openStream(name, atts);
    return;
  }

  if (depth_ == 1) {
    if (name.ns.empty()) {
      fail(C::kInvalidNamespace, "top-level element without a namespace");
      return;
    }
    const bool isStanza = name.local == "message" || name.local == "presence" || name.local == "iq";
    if (isStanza && !defaultNamespace_.empty() && name.ns != defaultNamespace_) {
      fail(C::kInvalidNamespace, "stanza outside the stream's content namespace");
      return;
    }
    stanzaStart_ = eventStart();
    elements_ = 0;
    doc_.reset();
    current_ = doc_;
    nsStack_.clear();
  } else {
    if (depth_ > limits_.maxDepth) {
      fail(C::kPolicyViolation, "stanza nested too deeply");
      return;
    }
    flushText();
  }
  if (++elements_ > kMaxElementsPerStanza) {
    fail(C::kPolicyViolation, "too many elements in one stanza");
    return;
  }
  lastStartEnd_ = eventEnd();
  if (lastStartEnd_ - stanzaStart_ > limits_.maxStanzaBytes) {
    fail(C::kPolicyViolation, "stanza too large");
    return;
  }

  xml::Element e = current_.append_child(pugi::node_element);
  if (name.localTerminated) {
    e.set_name(name.local.data());
  } else {
    scratch_.assign(name.local);
    e.set_name(scratch_.c_str());
  }
  std::string_view ns;
  if (nsStack_.empty() || nsStack_.back() != name.ns) {
    pugi::xml_attribute decl = e.append_attribute("xmlns");
    decl.set_value(name.ns.data(), name.ns.size());
    ns = decl.value();
  } else {
    ns = nsStack_.back();
  }
  nsStack_.push_back(ns);

  for (const char** a = atts; *a != nullptr; a += 2) {
    const Name an = splitName(a[0]);
    if (an.ns.empty()) {
      e.append_attribute(a[0]).set_value(a[1]);
      continue;
    }
    // Namespaced attribute: keep the prefix, declared on this element.
    std::string_view prefix = an.prefix;
    if (an.ns == xml::kXmlNamespace) {
      prefix = "xml";
    } else {
      scratch_.assign("xmlns:").append(prefix);
      if (!e.attribute(scratch_.c_str())) {
        e.append_attribute(scratch_.c_str()).set_value(an.ns.data(), an.ns.size());
      }
    }
    scratch_.assign(prefix).append(":").append(an.local);
    e.append_attribute(scratch_.c_str()).set_value(a[1]);
  }
  current_ = e;
  ++depth_;
}

void XmppStreamDecoder::Impl::onEnd(const char* /*name*/) {
  if (error_ || paused_) return;
  // The end tag of an empty-element tag has no bytes of its own.
  const uint64_t end = XML_GetCurrentByteCount(parser_) == 0 ? lastStartEnd_ : eventEnd();
  --depth_;
  if (depth_ == 0) {
    state_ = State::kClosed;
    boundary_ = end;
    callbacks_.onStreamClose();
    stopParser();
    return;
  }
  flushText();
  nsStack_.pop_back();
  current_ = current_.parent();
  if (depth_ > 1) return;

  if (end - stanzaStart_ > limits_.maxStanzaBytes) {
    fail(C::kPolicyViolation, "stanza too large");
    return;
  }
  boundary_ = end;
  current_ = xml::Element{};
  callbacks_.onStanza(std::move(doc_));
  // Whether or not the callee took the tree, an idle decoder holds no tree (a pugixml
  // document keeps a 32 KiB page).
  doc_.reset();
  maybePause(end);
}

void XmppStreamDecoder::Impl::onText(const char* s, int len) {
  if (error_ || paused_) return;
  std::string_view text(s, static_cast<size_t>(len));
  if (depth_ <= 1) {
    if (!isXmlWhitespace(text)) {
      fail(C::kBadFormat, "character data outside a stanza");
      return;
    }
    boundary_ = eventEnd();  // whitespace keepalive
    return;
  }
  if (eventEnd() - stanzaStart_ > limits_.maxStanzaBytes) {
    fail(C::kPolicyViolation, "stanza too large");
    return;
  }
  text_.append(text);
}

void XmppStreamDecoder::Impl::flushText() {
  if (text_.empty()) return;
  current_.append_child(pugi::node_pcdata).set_value(text_.data(), text_.size());
  text_.clear();
}

XmppStreamDecoder::XmppStreamDecoder(DecoderCallbacks& callbacks, DecoderLimits limits)
    : impl_(std::make_unique<Impl>(callbacks, std::move(limits))) {}
XmppStreamDecoder::~XmppStreamDecoder() = default;
size_t XmppStreamDecoder::feed(std::string_view data) { return impl_->feed(data); }
void XmppStreamDecoder::finish() { impl_->finish(); }
void XmppStreamDecoder::pause() { impl_->pause(); }
void XmppStreamDecoder::resume() { impl_->resume(); }
void XmppStreamDecoder::reset() { impl_->reset(); }
bool XmppStreamDecoder::failed() const { return impl_->failed(); }
bool XmppStreamDecoder::streamOpen() const { return impl_->streamOpen(); }

}  // namespace xmpp::stream
