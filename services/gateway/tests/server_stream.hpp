#pragma once
// Test support: reads what a server writes to a client (a stream that restarts after
// <proceed/> and <success/>) into events, and compares elements by shape.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/stream/decoder.hpp"
#include "xmpp/xml/serializer.hpp"

namespace xmpp::gateway::testing {

struct ServerEvent {
  enum class Kind { kOpen, kElement, kClose, kError };
  Kind kind = Kind::kElement;
  stream::StreamHeader header;              // kOpen
  std::shared_ptr<xml::Document> document;  // kElement
  std::string error;                        // kError: what the reader could not parse

  xml::Element element() const { return document->document_element(); }
  std::string name() const {
    switch (kind) {
      case Kind::kOpen:
        return "stream-open";
      case Kind::kClose:
        return "stream-close";
      case Kind::kError:
        return "unparseable: " + error;
      case Kind::kElement:
        break;
    }
    return element().name();
  }
};

class ServerStreamReader : private stream::DecoderCallbacks {
 public:
  ServerStreamReader() : decoder_(*this, limits()) {}

  std::vector<ServerEvent> feed(std::string_view data) {
    std::vector<ServerEvent> out;
    events_ = &out;
    while (!data.empty()) {
      if (restart_) {
        decoder_.reset();
        restart_ = false;
      }
      const size_t n = decoder_.feed(data);
      data.remove_prefix(n);
      if (n == 0 && !restart_) break;
    }
    events_ = nullptr;
    return out;
  }

 private:
  static stream::DecoderLimits limits() {
    stream::DecoderLimits l;
    l.contentNamespace.clear();  // old servers' headers declare no content namespace
    return l;
  }
  void onStreamOpen(stream::StreamHeader header) override {
    ServerEvent e;
    e.kind = ServerEvent::Kind::kOpen;
    e.header = std::move(header);
    events_->push_back(std::move(e));
  }
  void onStanza(xml::Document&& doc) override {
    const std::string_view name = doc.document_element().name();
    if (name == "proceed" || name == "success") {
      decoder_.pause();
      restart_ = true;
    }
    ServerEvent e;
    e.document = std::make_shared<xml::Document>();
    e.document->reset(doc);
    events_->push_back(std::move(e));
  }
  void onStreamClose() override {
    ServerEvent e;
    e.kind = ServerEvent::Kind::kClose;
    events_->push_back(std::move(e));
  }
  void onError(const stream::StreamError& error) override {
    ServerEvent e;
    e.kind = ServerEvent::Kind::kError;
    e.error = std::string(stream::conditionName(error.condition)) + " " + error.text;
    events_->push_back(std::move(e));
  }

  stream::XmppStreamDecoder decoder_;
  std::vector<ServerEvent>* events_ = nullptr;
  bool restart_ = false;
};

/// True when `ours` has the shape of the recorded `theirs`: same local name and namespace,
/// and for every child element of `theirs` a child of `ours` with the same shape
/// (attributes and text are not compared; `ours` may carry more children). Features a
/// modern server deliberately does not offer (XEP-0138 compression) are skipped.
inline bool hasShape(xml::Element ours, xml::Element theirs, std::string* why) {
  if (std::string_view(ours.name()) != theirs.name() ||
      xml::namespaceOf(ours) != xml::namespaceOf(theirs)) {
    if (why) *why = std::string("expected <") + theirs.name() + "/> got <" + ours.name() + "/>";
    return false;
  }
  for (xml::Element c : theirs.children()) {
    if (c.type() != pugi::node_element) continue;
    if (std::string_view(c.name()) == "compression") continue;
    bool found = false;
    for (xml::Element d : ours.children()) {
      if (d.type() == pugi::node_element && hasShape(d, c, nullptr)) {
        found = true;
        break;
      }
    }
    if (!found) {
      if (why) {
        *why = std::string("<") + ours.name() + "/> lacks a child shaped like " + xml::toString(c) +
               " in " + xml::toString(ours);
      }
      return false;
    }
  }
  return true;
}

}  // namespace xmpp::gateway::testing
