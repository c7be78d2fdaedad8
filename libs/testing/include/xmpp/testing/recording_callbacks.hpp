#pragma once
// Test support: decoder callbacks that record every event as text.

#include <optional>
#include <string>
#include <vector>

#include "xmpp/stream/decoder.hpp"
#include "xmpp/xml/serializer.hpp"

namespace xmpp::testing {

class RecordingCallbacks : public stream::DecoderCallbacks {
 public:
  void onStreamOpen(stream::StreamHeader h) override {
    events.push_back("open to=" + h.to + " version=" + h.version + " lang=" + h.lang +
                     " ns=" + h.contentNamespace);
    header = std::move(h);
  }
  void onStanza(xml::Document&& doc) override {
    events.push_back("stanza " + xml::toString(doc.document_element()));
    stanzas.push_back(std::move(doc));
  }
  void onStreamClose() override { events.push_back("close"); }
  void onError(const stream::StreamError& e) override {
    events.push_back(std::string("error ") + std::string(stream::conditionName(e.condition)));
    error = e;
  }

  std::vector<std::string> events;
  std::vector<xml::Document> stanzas;
  std::optional<stream::StreamHeader> header;
  std::optional<stream::StreamError> error;
};

}  // namespace xmpp::testing
