#include "xmpp/xml/serializer.hpp"

#include <gtest/gtest.h>

#include "xmpp/xml/escape.hpp"

namespace xmpp::xml {
namespace {

Document parse(std::string_view text) {
  Document doc;
  auto r = doc.load_buffer(text.data(), text.size(),
                           pugi::parse_default | pugi::parse_ws_pcdata | pugi::parse_eol);
  EXPECT_TRUE(r) << r.description() << " in " << text;
  return doc;
}

TEST(Escape, TextAndAttributes) {
  std::string out;
  appendEscapedText(out, "a<b>&c\r\"'\n");
  EXPECT_EQ(out, "a&lt;b&gt;&amp;c&#13;\"'\n");
  out.clear();
  appendEscapedAttribute(out, "a<b>&c\"'\t\n\r");
  EXPECT_EQ(out, "a&lt;b&gt;&amp;c&quot;'&#9;&#10;&#13;");
}

TEST(Serializer, OmitsInheritedStreamNamespace) {
  auto doc = parse("<message xmlns='jabber:client' to='a@b'><body>hi</body></message>");
  EXPECT_EQ(toString(doc.document_element(), "jabber:client"),
            "<message to=\"a@b\"><body>hi</body></message>");
  EXPECT_EQ(toString(doc.document_element()),
            "<message xmlns=\"jabber:client\" to=\"a@b\"><body>hi</body></message>");
}

TEST(Serializer, DeclaresChangedNamespacesAndNormalizesPrefixes) {
  auto doc = parse(
      "<stream:features xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'>"
      "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><x/></stream:features>");
  EXPECT_EQ(toString(doc.document_element(), "jabber:client"),
            "<features xmlns=\"http://etherx.jabber.org/streams\">"
            "<bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"/>"
            "<x xmlns=\"jabber:client\"/></features>");
}

TEST(Serializer, UndeclaresDefaultNamespaceWhenChildHasNone) {
  auto doc = parse("<a xmlns='n'><b xmlns=''/></a>");
  EXPECT_EQ(toString(doc.document_element()), "<a xmlns=\"n\"><b xmlns=\"\"/></a>");
}

TEST(Serializer, NamespacedAttributesKeepTheirBinding) {
  auto doc = parse("<a xmlns='n' xmlns:p='urn:p'><b p:x='1' xml:lang='en'/></a>");
  std::string out = toString(doc.document_element());
  EXPECT_EQ(out, "<a xmlns=\"n\"><b xmlns:p=\"urn:p\" p:x=\"1\" xml:lang=\"en\"/></a>");
}

TEST(Serializer, OutputReparsesToTheSameTree) {
  const char* inputs[] = {
      "<m xmlns='jabber:client' a='&lt;&amp;&quot;&apos;&#9;&#10;&#13;'>x &lt;&gt;&amp; "
      "&#13;\n<![CDATA[<raw>]]></m>",
      "<iq xmlns='jabber:client' type='set'><si xmlns='http://jabber.org/protocol/si'><file "
      "xmlns='http://jabber.org/protocol/si/profile/file-transfer' name='a b' "
      "size='382'><range/></file></si></iq>",
      "<a xmlns='n'>用户 新消息</a>",
  };
  for (const char* in : inputs) {
    auto doc = parse(in);
    std::string out = toString(doc.document_element());
    auto again = parse(out);
    EXPECT_TRUE(equivalent(doc.document_element(), again.document_element())) << in << "\n" << out;
  }
}

}  // namespace
}  // namespace xmpp::xml
