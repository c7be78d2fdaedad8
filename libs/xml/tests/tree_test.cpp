#include "xmpp/xml/tree.hpp"

#include <gtest/gtest.h>

namespace xmpp::xml {
namespace {

Document parse(const char* text) {
  Document doc;
  EXPECT_TRUE(doc.load_string(text, pugi::parse_default | pugi::parse_ws_pcdata_single));
  return doc;
}

TEST(Tree, ResolvesDefaultAndPrefixedNamespaces) {
  auto doc = parse(
      "<stream:features xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'>"
      "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><x/></stream:features>");
  Element root = doc.document_element();
  EXPECT_EQ(localName(root.name()), "features");
  EXPECT_EQ(namespaceOf(root), "http://etherx.jabber.org/streams");
  EXPECT_EQ(namespaceOf(root.first_child()), "urn:ietf:params:xml:ns:xmpp-bind");
  EXPECT_EQ(namespaceOf(root.last_child()), "jabber:client");  // default inherited
  EXPECT_EQ(resolvePrefix(root, "xml"), kXmlNamespace);
  EXPECT_EQ(resolvePrefix(root, "nope"), "");
}

TEST(Tree, AttributeNamespaces) {
  auto doc = parse("<a xmlns='n' xmlns:p='urn:p' p:x='1' y='2' xml:lang='en'/>");
  Element a = doc.document_element();
  EXPECT_EQ(namespaceOf(a, a.attribute("p:x")), "urn:p");
  EXPECT_EQ(namespaceOf(a, a.attribute("y")), "");
  EXPECT_EQ(namespaceOf(a, a.attribute("xml:lang")), kXmlNamespace);
}

TEST(Tree, ChildAndText) {
  auto doc = parse("<m xmlns='jabber:client'><body>hi <![CDATA[there]]></body><x xmlns='o'/></m>");
  Element m = doc.document_element();
  EXPECT_EQ(text(child(m, "body", "jabber:client")), "hi there");
  EXPECT_TRUE(child(m, "x", "o"));
  EXPECT_FALSE(child(m, "x", "jabber:client"));
}

TEST(Tree, EquivalenceIgnoresPrefixesAttributeOrderAndTextSplits) {
  auto a = parse("<s:a xmlns:s='urn:s' k='1' j='2'><s:b>x<![CDATA[y]]></s:b></s:a>");
  auto b = parse("<a xmlns='urn:s' j='2' k='1'><b>xy</b></a>");
  EXPECT_TRUE(equivalent(a.document_element(), b.document_element()));
}

TEST(Tree, EquivalenceSeesDifferences) {
  auto base = parse("<a xmlns='n' k='1'><b>x</b></a>");
  for (const char* other : {"<a xmlns='m' k='1'><b>x</b></a>", "<a xmlns='n' k='2'><b>x</b></a>",
                            "<a xmlns='n' k='1'><b>y</b></a>", "<a xmlns='n' k='1'><c>x</c></a>",
                            "<a xmlns='n' k='1'><b>x</b><b/></a>", "<a xmlns='n'><b>x</b></a>",
                            "<a xmlns='n' k='1'><b xmlns='o'>x</b></a>"}) {
    auto doc = parse(other);
    EXPECT_FALSE(equivalent(base.document_element(), doc.document_element())) << other;
  }
}

}  // namespace
}  // namespace xmpp::xml
