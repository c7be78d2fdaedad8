#include "replies.hpp"

#include <array>

#include "xmpp/xml/escape.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::gateway {
namespace {

void appendAttribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  xml::appendEscapedAttribute(out, value);
  out += '"';
}

void appendEmpty(std::string& out, std::string_view name, std::string_view ns) {
  out += '<';
  out += name;
  appendAttribute(out, "xmlns", ns);
  out += "/>";
}

}  // namespace

void appendFeatures(std::string& out, const Features& f, bool declarePrefix) {
  out += declarePrefix ? "<stream:features xmlns:stream=\"http://etherx.jabber.org/streams\">"
                       : "<stream:features>";
  if (f.starttls) {
    out += "<starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"";
    out += f.starttlsRequired ? "><required/></starttls>" : "/>";
  }
  if (!f.mechanisms.empty()) {
    out += "<mechanisms xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">";
    for (std::string_view m : f.mechanisms) {
      out += "<mechanism>";
      xml::appendEscapedText(out, m);
      out += "</mechanism>";
    }
    out += "</mechanisms>";
  }
  if (f.legacyAuth) appendEmpty(out, "auth", "http://jabber.org/features/iq-auth");
  if (f.registration) appendEmpty(out, "register", "http://jabber.org/features/iq-register");
  if (f.bind) {
    appendEmpty(out, "bind", ns::kBind);
    out += "<session xmlns=\"urn:ietf:params:xml:ns:xmpp-session\"><optional/></session>";
    appendEmpty(out, "ver", ns::kRosterVer);
  }
  if (f.csi) appendEmpty(out, "csi", "urn:xmpp:csi:0");
  if (f.sm) appendEmpty(out, "sm", "urn:xmpp:sm:3");
  out += "</stream:features>";
}

bool isSaslCondition(std::string_view condition) {
  constexpr std::array<std::string_view, 11> kConditions = {"aborted",
                                                            "account-disabled",
                                                            "credentials-expired",
                                                            "encryption-required",
                                                            "incorrect-encoding",
                                                            "invalid-authzid",
                                                            "invalid-mechanism",
                                                            "malformed-request",
                                                            "mechanism-too-weak",
                                                            "not-authorized",
                                                            "temporary-auth-failure"};
  for (std::string_view c : kConditions) {
    if (c == condition) return true;
  }
  return false;
}

void appendSaslFailure(std::string& out, std::string_view condition) {
  out += "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><";
  out += condition;
  out += "/></failure>";
}

void appendSaslData(std::string& out, std::string_view element, std::string_view base64) {
  out += '<';
  out += element;
  appendAttribute(out, "xmlns", ns::kSasl);
  if (base64.empty()) {
    out += "/>";
    return;
  }
  out += '>';
  out += base64;  // the base64 alphabet needs no escaping
  out += "</";
  out += element;
  out += '>';
}

void appendIqResult(std::string& out, std::string_view id, std::string_view from,
                    std::string_view payloadXml) {
  out += "<iq type=\"result\"";
  if (!id.empty()) appendAttribute(out, "id", id);
  if (!from.empty()) appendAttribute(out, "from", from);
  if (payloadXml.empty()) {
    out += "/>";
    return;
  }
  out += '>';
  out += payloadXml;
  out += "</iq>";
}

void appendStanzaError(std::string& out, std::string_view name, std::string_view id,
                       std::string_view from, const StanzaError& error) {
  out += '<';
  out += name;
  out += " type=\"error\"";
  if (!id.empty()) appendAttribute(out, "id", id);
  if (!from.empty()) appendAttribute(out, "from", from);
  out += "><error";
  if (const int code = stanza::legacyCode(error.condition); code != 0) {
    appendAttribute(out, "code", std::to_string(code));
  }
  appendAttribute(out, "type", stanza::toString(error.type));
  out += "><";
  out += error.condition;
  appendAttribute(out, "xmlns", ns::kStanzaErrors);
  out += "/>";
  if (!error.text.empty()) {
    out += "<text xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\">";
    xml::appendEscapedText(out, error.text);
    out += "</text>";
  }
  if (!error.appCondition.empty()) {
    out += '<';
    out += error.appCondition;
    appendAttribute(out, "xmlns", error.appNamespace);
    out += "/>";
  }
  out += "</error></";
  out += name;
  out += '>';
}

void appendSmFailed(std::string& out, std::string_view condition) {
  out += "<failed xmlns=\"urn:xmpp:sm:3\"><";
  out += condition;
  appendAttribute(out, "xmlns", ns::kStanzaErrors);
  out += "/></failed>";
}

}  // namespace xmpp::gateway
