#include "xmpp/xml/escape.hpp"

#include <array>

namespace xmpp::xml {
namespace {

// Per-byte replacement, nullptr where the byte is copied as is.
using Table = std::array<const char*, 256>;

constexpr Table makeTextTable() {
  Table t{};
  t['&'] = "&amp;";
  t['<'] = "&lt;";
  t['>'] = "&gt;";
  t['\r'] = "&#13;";
  return t;
}

constexpr Table makeAttributeTable() {
  Table t = makeTextTable();
  t['"'] = "&quot;";
  t['\t'] = "&#9;";
  t['\n'] = "&#10;";
  return t;
}

constexpr Table kText = makeTextTable();
constexpr Table kAttribute = makeAttributeTable();

void appendEscaped(std::string& out, std::string_view in, const Table& table) {
  const char* run = in.data();
  const char* end = in.data() + in.size();
  for (const char* p = run; p != end; ++p) {
    const char* rep = table[static_cast<unsigned char>(*p)];
    if (rep == nullptr) continue;
    out.append(run, p);
    out.append(rep);
    run = p + 1;
  }
  out.append(run, end);
}

}  // namespace

void appendEscapedText(std::string& out, std::string_view text) { appendEscaped(out, text, kText); }

void appendEscapedAttribute(std::string& out, std::string_view value) {
  appendEscaped(out, value, kAttribute);
}

}  // namespace xmpp::xml
