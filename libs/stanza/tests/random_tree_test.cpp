// Randomly generated trees survive proto -> XML -> decoder -> proto unchanged.

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <random>

#include "xmpp/stanza/codec.hpp"
#include "xmpp/stream/decoder.hpp"
#include "xmpp/testing/recording_callbacks.hpp"
#include "xmpp/testing/transcripts.hpp"

namespace xmpp::stanza {
namespace {

class TreeGenerator {
 public:
  explicit TreeGenerator(uint32_t seed) : rng_(seed) {}

  v1::Stanza stanza() {
    v1::Stanza s;
    static const char* kinds[] = {"message", "presence", "iq"};
    int k = pick(3);
    s.set_kind(static_cast<v1::StanzaKind>(k + 1));
    s.mutable_element()->set_name(kinds[k]);
    s.mutable_element()->set_ns("jabber:client");
    if (coin()) s.set_from("user@example.com/" + word());
    if (coin()) s.set_to(word() + "@example.org");
    if (coin()) s.set_id(text());
    if (coin()) s.set_type(word());
    if (coin()) s.set_lang("en");
    fill(*s.mutable_element(), 0);
    return s;
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool coin() { return pick(2) == 0; }

  std::string word() {
    static const char* words[] = {"a", "body", "x", "item", "node", "q", "data", "用户"};
    return words[pick(8)] + std::to_string(pick(100));
  }

  // Text with every character class that needs escaping, and non-ASCII.
  std::string text() {
    static const char* pieces[] = {
        "plain", " ",  "<",  ">",      "&",   "\"",    "'",
        "\t",    "\n", "\r", "新消息", "]]>", "&amp;", "\xF0\x9F\x98\x80"};
    std::string out;
    int n = 1 + pick(6);
    for (int i = 0; i < n; ++i) out += pieces[pick(14)];
    return out;
  }

  std::string ns() {
    static const char* nss[] = {"jabber:client", "urn:x", "urn:y:z",
                                "http://jabber.org/protocol/si", ""};
    return nss[pick(5)];
  }

  void fill(v1::Element& e, int depth) {
    int attrs = pick(4);
    for (int i = 0; i < attrs; ++i) {
      auto* a = e.add_attributes();
      a->set_name("a" + std::to_string(i));
      // The root's xml:lang is the envelope's lang, so namespaced attributes go below it.
      if (depth > 0 && pick(5) == 0)
        a->set_ns(pick(2) == 0 ? "urn:attr" : std::string(xml::kXmlNamespace));
      if (a->ns() == xml::kXmlNamespace) a->set_name("lang");
      a->set_value(text());
      // Unique (ns, name) pairs only: duplicates are not well-formed.
      for (int j = 0; j < e.attributes_size() - 1; ++j) {
        if (e.attributes(j).name() == a->name() && e.attributes(j).ns() == a->ns()) {
          e.mutable_attributes()->RemoveLast();
          break;
        }
      }
    }
    int children = depth > 4 ? 0 : pick(5);
    bool lastWasText = false;
    for (int i = 0; i < children; ++i) {
      if (coin() && !lastWasText) {
        e.add_children()->set_text(text());
        lastWasText = true;
      } else {
        v1::Element* c = e.add_children()->mutable_element();
        c->set_name(word());
        c->set_ns(coin() ? e.ns() : ns());
        fill(*c, depth + 1);
        lastWasText = false;
      }
    }
  }

  std::mt19937 rng_;
};

// What the XML data model keeps: a CR in text survives only as a character reference,
// which the serializer writes; nothing else needs normalizing.
TEST(RandomTrees, RoundTripThroughXmlAndDecoder) {
  for (uint32_t seed = 1; seed <= 500; ++seed) {
    TreeGenerator gen(seed);
    v1::Stanza original = gen.stanza();
    std::string text = toXml(original);
    testing::RecordingCallbacks cb;
    stream::XmppStreamDecoder d(cb);
    d.feed(testing::clientStreamHeader() + text);
    ASSERT_FALSE(cb.error) << "seed " << seed << ": " << cb.error->text << "\n" << text;
    ASSERT_EQ(cb.stanzas.size(), 1u) << text;
    v1::Stanza decoded = toProto(cb.stanzas[0].document_element());
    ASSERT_TRUE(google::protobuf::util::MessageDifferencer::Equals(original, decoded))
        << "seed " << seed << "\n"
        << text << "\n"
        << toXml(decoded);
  }
}

}  // namespace
}  // namespace xmpp::stanza
