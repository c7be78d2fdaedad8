#include "xmpp/jid/jid.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace xmpp::jid {
namespace {

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out.append(s);
  return out;
}

// A domain of exactly `bytes` bytes (>= 1) made of valid labels of at most 63 bytes.
std::string domainOfSize(std::size_t bytes) {
  std::string d;
  while (d.size() < bytes) {
    if (!d.empty()) d.push_back('.');
    const std::size_t room = bytes - d.size();
    // Never leave exactly one byte for after the next dot (it would need an empty label).
    std::size_t len = room > 63 ? 63 : room;
    if (room > 63 && room - 63 == 1) len = 62;
    d.append(len, 'a');
  }
  return d;
}

std::string escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(ch);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out.append(buf);
    }
  }
  if (out.size() > 80) out = out.substr(0, 60) + "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

struct ValidCase {
  std::string input;
  std::string local;
  std::string domain;
  std::string resource;
};
std::ostream& operator<<(std::ostream& os, const ValidCase& c) {
  return os << '"' << escape(c.input) << '"';
}

std::vector<ValidCase> validCases() {
  return {
      // Shapes.
      {"example.com", "", "example.com", ""},
      {"juliet@example.com", "juliet", "example.com", ""},
      {"juliet@example.com/balcony", "juliet", "example.com", "balcony"},
      {"example.com/resource", "", "example.com", "resource"},
      {"localhost", "", "localhost", ""},
      // Case folding of local and domain, not resource.
      {"Juliet@Example.COM/Balcony", "juliet", "example.com", "Balcony"},
      {"ROMEO@X", "romeo", "x", ""},
      // Resource may contain '@', '/', spaces.
      {"a@b/c@d/e", "a", "b", "c@d/e"},
      {"b/c@d", "", "b", "c@d"},
      {"juliet@example.com/ foo bar ", "juliet", "example.com", " foo bar "},
      {"u@d//", "u", "d", "/"},
      // Non-ASCII, values as produced by libidn 1.41.
      {"用户2@127.0.0.1/AndroidPushClient", "用户2", "127.0.0.1", "AndroidPushClient"},
      {"用户1@example.com", "用户1", "example.com", ""},
      {"ÅSA@例え.テスト", "åsa", "例え.テスト", ""},
      {"user@MÜNCHEN.de", "user", "münchen.de", ""},
      {"Straße@example.com/Straße", "strasse", "example.com", "Straße"},  // ß folds in nodeprep
      {"u@straße.de", "u", "strasse.de", ""},                             // ... and nameprep
      // Fullwidth letters: NFKC to ASCII; case folded except in the resource.
      {"ＪＵＬＩＥＴ@ＥＸＡＭＰＬＥ.com/ＢＡＬＣＯＮＹ", "juliet", "example.com", "BALCONY"},
      {"\u212A@d/\u212A", "k", "d", "K"},    // KELVIN SIGN
      {"u@d/\u00A0x", "u", "d", " x"},       // NO-BREAK SPACE becomes a space in resources
      {"u\u200Bv@d", "uv", "d", ""},         // ZERO WIDTH SPACE maps to nothing
      {"u@d/\uFF20\uFF0F", "u", "d", "@/"},  // fullwidth '@' '/' are fine in a resource
      {"u@a\u3002b", "u", "a.b", ""},        // IDEOGRAPHIC FULL STOP separates labels
      {"u@a\uFF0Eb", "u", "a.b", ""},        // FULLWIDTH FULL STOP (NFKC)
      {"u@a\uFF61b", "u", "a.b", ""},        // HALFWIDTH IDEOGRAPHIC FULL STOP
      {"u@xn--bcher-kva.example", "u", "xn--bcher-kva.example", ""},
      // IP literals.
      {"user@192.168.0.1", "user", "192.168.0.1", ""},
      {"user@[::1]", "user", "[::1]", ""},
      {"user@[2001:DB8::1]/r", "user", "[2001:db8::1]", "r"},
      {"[::ffff:192.0.2.1]", "", "[::ffff:192.0.2.1]", ""},
      // Trailing dot is stripped once.
      {"user@example.com.", "user", "example.com", ""},
      {"example.com./r", "", "example.com", "r"},
      {"u@[::1].", "u", "[::1]", ""},
      // Host name details.
      {"u@a-b.c", "u", "a-b.c", ""},
      {"u@1a.2b", "u", "1a.2b", ""},
      {"u@" + repeat("a", 63) + ".com", "u", repeat("a", 63) + ".com", ""},
      // A non-ASCII label longer than 63 UTF-8 bytes whose xn-- form fits in 63.
      {"u@" + repeat("例", 22) + ".jp", "u", repeat("例", 22) + ".jp", ""},
      // Characters nodeprep allows that look odd.
      {"a_b~c!d#e$f%g*h+i=j?k@d", "a_b~c!d#e$f%g*h+i=j?k", "d", ""},
      // Maximal parts (1023 bytes each, after preparation).
      {repeat("a", 1023) + "@d", repeat("a", 1023), "d", ""},
      {repeat("é", 511) + "x@d", repeat("é", 511) + "x", "d", ""},
      {"u@" + domainOfSize(1023), "u", domainOfSize(1023), ""},
      {"u@" + domainOfSize(1023) + ".", "u", domainOfSize(1023), ""},
      {"u@d/" + repeat("r", 1023), "u", "d", repeat("r", 1023)},
      {repeat("L", 1023) + "@" + domainOfSize(1023) + "/" + repeat("R", 1023), repeat("l", 1023),
       domainOfSize(1023), repeat("R", 1023)},
      // U+FDFA expands to 33 bytes under NFKC: 31 of them make a 1023-byte resource.
      {"u@d/" + repeat("\uFDFA", 31), "u", "d",
       repeat("\u0635\u0644\u0649 \u0627\u0644\u0644\u0647 \u0639\u0644\u064A\u0647 "
              "\u0648\u0633\u0644\u0645",
              31)},
  };
}

class ValidJidTest : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ValidJidTest, ParsesToPreparedParts) {
  const ValidCase& c = GetParam();
  auto jid = Jid::parse(c.input);
  ASSERT_TRUE(jid.has_value()) << toString(jid.error());
  EXPECT_EQ(jid->local(), c.local);
  EXPECT_EQ(jid->domain(), c.domain);
  EXPECT_EQ(jid->resource(), c.resource);
  EXPECT_FALSE(jid->empty());
  EXPECT_EQ(jid->isFull(), !c.resource.empty());
  EXPECT_EQ(jid->isBare(), c.resource.empty());

  std::string bare = c.local.empty() ? c.domain : c.local + "@" + c.domain;
  EXPECT_EQ(jid->bareStr(), bare);
  EXPECT_EQ(jid->str(), c.resource.empty() ? bare : bare + "/" + c.resource);

  // Prepared form is a fixed point, and fromParts agrees with parse.
  auto again = Jid::parse(jid->str());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *jid);
  auto parts = Jid::fromParts(c.local, c.domain, c.resource);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(*parts, *jid);
}

INSTANTIATE_TEST_SUITE_P(Table, ValidJidTest, ::testing::ValuesIn(validCases()));

struct InvalidCase {
  std::string input;
  JidError error;
};
std::ostream& operator<<(std::ostream& os, const InvalidCase& c) {
  return os << '"' << escape(c.input) << "\" -> " << toString(c.error);
}

std::vector<InvalidCase> invalidCases() {
  using E = JidError;
  using namespace std::string_literals;
  return {
      {"", E::kEmpty},
      {repeat("a", kMaxJidInputBytes + 1), E::kTooLong},
      {"u@" + repeat("a", 3000) + "/" + repeat("b", 100), E::kTooLong},
      // Empty parts.
      {"@d", E::kBadLocalpart},
      {"@", E::kBadLocalpart},
      {"@d/r", E::kBadLocalpart},
      {"d/", E::kBadResourcepart},
      {"u@d/", E::kBadResourcepart},
      {"u@", E::kBadDomainpart},
      {"u@/r", E::kBadDomainpart},
      {"/r", E::kBadDomainpart},
      {"/", E::kBadDomainpart},
      {".", E::kBadDomainpart},
      {"u@.", E::kBadDomainpart},
      {"\u200B@d", E::kBadLocalpart},       // maps to nothing
      {"u@d/\u00AD", E::kBadResourcepart},  // SOFT HYPHEN maps to nothing
      {"u@\u200B", E::kBadDomainpart},
      // Second '@' ends up in the domain.
      {"u@d@e", E::kBadDomainpart},
      {"a@b@c/r", E::kBadDomainpart},
      // Localpart prohibited characters ('/' and '@' cannot reach the localpart via parse()).
      {"a\"b@d", E::kBadLocalpart},
      {"a&b@d", E::kBadLocalpart},
      {"a'b@d", E::kBadLocalpart},
      {"a:b@d", E::kBadLocalpart},
      {"a<b@d", E::kBadLocalpart},
      {"a>b@d", E::kBadLocalpart},
      {"a b@d", E::kBadLocalpart},
      {" @d", E::kBadLocalpart},
      {"a\uFF20b@d", E::kBadLocalpart},  // FULLWIDTH COMMERCIAL AT normalises to '@'
      {"a\u00A0b@d", E::kBadLocalpart},  // NO-BREAK SPACE
      {"a\u3000b@d", E::kBadLocalpart},  // IDEOGRAPHIC SPACE
      // Control characters in each part.
      {"a\x01"
       "b@d",
       E::kBadLocalpart},
      {"a\x7f@d", E::kBadLocalpart},
      {"a\tb@d", E::kBadLocalpart},
      {"u@d\x01", E::kBadDomainpart},
      {"u@d\x7f", E::kBadDomainpart},
      {"u@d\n", E::kBadDomainpart},
      {"u@d/r\x01", E::kBadResourcepart},
      {"u@d/r\x7f", E::kBadResourcepart},
      {"u@d/\r\n", E::kBadResourcepart},
      {"u@d/\u0085", E::kBadResourcepart},   // C1 control (non-ASCII)
      {"u@d/a\u2028", E::kBadResourcepart},  // LINE SEPARATOR
      {"a\0b@d"s, E::kBadLocalpart},
      {"u@d\0"s, E::kBadDomainpart},
      {"u@d/a\0b"s, E::kBadResourcepart},
      {"\xc3\xa9\0@d"s, E::kBadLocalpart},  // NUL beside non-ASCII (libidn path)
      {"u@d/\xc3\xa9\0x"s, E::kBadResourcepart},
      // Invalid UTF-8 in each part.
      {"\xff@d", E::kBadLocalpart},
      {"a\xc3@d", E::kBadLocalpart},
      {"\xc0\xaf@d", E::kBadLocalpart},  // overlong '/'
      {"u@\xff.com", E::kBadDomainpart},
      {"u@ex\xe4mple.com", E::kBadDomainpart},  // Latin-1
      {"u@d/\xff", E::kBadResourcepart},
      {"u@d/\xc3", E::kBadResourcepart},
      {"u@d/\xed\xa0\x80", E::kBadResourcepart},      // UTF-8 encoded surrogate
      {"u@d/\xf4\x90\x80\x80", E::kBadResourcepart},  // > U+10FFFF
      // Bidi rule (RFC 3454 §6): RandALCat text must start and end with RandALCat.
      {"u@d/\u0627"
       "1",
       E::kBadResourcepart},
      // Domain name shape.
      {"u@" + repeat("a", 64) + ".com", E::kBadDomainpart},
      {"u@a..b", E::kBadDomainpart},
      {"u@-a.b", E::kBadDomainpart},
      {"u@a-.b", E::kBadDomainpart},
      {"u@a.-b", E::kBadDomainpart},
      {"u@.a", E::kBadDomainpart},
      {"u@a..", E::kBadDomainpart},  // only one trailing dot is stripped
      {"u@a_b.com", E::kBadDomainpart},
      {"u@a b.com", E::kBadDomainpart},
      {"u@a:5222", E::kBadDomainpart},
      {"u@::1", E::kBadDomainpart},
      {"u@a\uFF20b", E::kBadDomainpart},  // fullwidth '@' normalises to '@'
      {"u@a\u00A0b", E::kBadDomainpart},  // NO-BREAK SPACE normalises to ' '
      {"u@a\uFF0E", E::kBadDomainpart},   // fullwidth dot appears only after preparation
      {"u@\u0627"
       "1.com",
       E::kBadDomainpart},  // bidi
      // A non-ASCII label of only 55 UTF-8 bytes whose xn-- form is 67 bytes.
      {"u@\u00e9\u4e00\u0101\uac00\u03b1\u10d0\u0e01\u30a2\u0430\u1e01\u0561\u1200\u0f40"
       "\u1780\u0c05\u0915\u0b85\u13a0\u1401\u3131.com",
       E::kBadDomainpart},
      // IPv6 literals.
      {"u@[::1", E::kBadDomainpart},
      {"u@[]", E::kBadDomainpart},
      {"u@[zz::1]", E::kBadDomainpart},
      {"u@[::1]x", E::kBadDomainpart},
      {"u@[fe80::1%eth0]", E::kBadDomainpart},
      {"u@[192.168.0.1]", E::kBadDomainpart},
      {"u@[" + repeat("0", 100) + "::1]", E::kBadDomainpart},
      // 1024-byte parts.
      {repeat("a", 1024) + "@d", E::kBadLocalpart},
      {repeat("é", 512) + "@d", E::kBadLocalpart},
      {"u@" + domainOfSize(1024), E::kBadDomainpart},
      {"u@" + domainOfSize(1024) + ".", E::kBadDomainpart},
      {"u@d/" + repeat("r", 1024), E::kBadResourcepart},
      {"u@d/" + repeat("é", 512), E::kBadResourcepart},
      // Expansion beyond 1023 bytes (32 * 33 bytes), and beyond the 4n+64 buffer.
      {"u@d/" + repeat("\uFDFA", 32), E::kBadResourcepart},
      {"u@d/" + repeat("\uFDFA", 300), E::kBadResourcepart},
  };
}

class InvalidJidTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidJidTest, IsRejected) {
  const InvalidCase& c = GetParam();
  auto jid = Jid::parse(c.input);
  ASSERT_FALSE(jid.has_value()) << "parsed as " << escape(jid->str());
  EXPECT_EQ(jid.error(), c.error) << toString(jid.error());
}

INSTANTIATE_TEST_SUITE_P(Table, InvalidJidTest, ::testing::ValuesIn(invalidCases()));

TEST(JidTest, ComparesPreparedForm) {
  auto a = Jid::parse("ROMEO@X");
  auto b = Jid::parse("romeo@x");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(std::hash<Jid>{}(*a), std::hash<Jid>{}(*b));

  auto c = Jid::parse("romeo@x/Home");
  auto d = Jid::parse("romeo@x/home");
  ASSERT_TRUE(c && d);
  EXPECT_NE(*c, *d);  // resources are case-sensitive
  EXPECT_NE(*a, *c);
  EXPECT_EQ(c->bare(), *a);

  std::unordered_set<Jid> set{*a, *b, *c, *d};
  EXPECT_EQ(set.size(), 3u);
  std::set<Jid> ordered{*a, *b, *c, *d};
  EXPECT_EQ(ordered.size(), 3u);
  EXPECT_LT(*a, *c);
}

TEST(JidTest, DefaultIsEmpty) {
  Jid j;
  EXPECT_TRUE(j.empty());
  EXPECT_TRUE(j.isBare());
  EXPECT_FALSE(j.isFull());
  EXPECT_EQ(j.str(), "");
  EXPECT_EQ(j.bareStr(), "");
  EXPECT_TRUE(j.bare().empty());
  EXPECT_EQ(j, Jid());
  auto r = j.withResource("r");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), JidError::kBadDomainpart);
}

TEST(JidTest, BareAndWithResource) {
  auto full = Jid::parse("Juliet@Example.com/Balcony");
  ASSERT_TRUE(full);
  EXPECT_TRUE(full->isFull());
  Jid bare = full->bare();
  EXPECT_TRUE(bare.isBare());
  EXPECT_FALSE(bare.isFull());
  EXPECT_EQ(bare.str(), "juliet@example.com");
  EXPECT_EQ(bare.bareStr(), "juliet@example.com");
  EXPECT_EQ(full->bareStr(), "juliet@example.com");
  EXPECT_EQ(bare.bare(), bare);

  auto other = bare.withResource("Ｇarden");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->resource(), "Garden");
  EXPECT_EQ(other->str(), "juliet@example.com/Garden");
  EXPECT_EQ(other->bare(), bare);

  auto slashy = full->withResource("a/b@c");
  ASSERT_TRUE(slashy);
  EXPECT_EQ(slashy->str(), "juliet@example.com/a/b@c");

  for (std::string_view bad : {std::string_view(""), std::string_view("a\x01"),
                               std::string_view("\xff"), std::string_view("\u00AD")}) {
    auto r = full->withResource(bad);
    ASSERT_FALSE(r) << escape(bad);
    EXPECT_EQ(r.error(), JidError::kBadResourcepart);
  }
  EXPECT_FALSE(full->withResource(repeat("r", 1024)));
  EXPECT_TRUE(full->withResource(repeat("r", 1023)));

  auto domain_only = Jid::parse("example.com");
  ASSERT_TRUE(domain_only);
  auto with = domain_only->withResource("r");
  ASSERT_TRUE(with);
  EXPECT_EQ(with->str(), "example.com/r");
  EXPECT_EQ(with->bareStr(), "example.com");
}

TEST(JidTest, FromParts) {
  auto j = Jid::fromParts("Juliet", "Example.COM.", "Balcony");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->str(), "juliet@example.com/Balcony");

  auto d = Jid::fromParts("", "example.com", "");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->str(), "example.com");
  EXPECT_TRUE(d->local().empty());

  auto r = Jid::fromParts("a", "d", "x/y@z");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->resource(), "x/y@z");

  struct Bad {
    std::string_view local, domain, resource;
    JidError error;
  };
  for (const Bad& b : {
           Bad{"a", "", "", JidError::kBadDomainpart},
           Bad{"", "", "", JidError::kBadDomainpart},
           Bad{"a/b", "d", "", JidError::kBadLocalpart},
           Bad{"a@b", "d", "", JidError::kBadLocalpart},
           Bad{"a", "d@e", "", JidError::kBadDomainpart},
           Bad{"a", "d/e", "", JidError::kBadDomainpart},
           Bad{"a", "d", "\x01", JidError::kBadResourcepart},
       }) {
    auto res = Jid::fromParts(b.local, b.domain, b.resource);
    ASSERT_FALSE(res) << b.local << "|" << b.domain << "|" << b.resource;
    EXPECT_EQ(res.error(), b.error);
  }
}

TEST(JidTest, ErrorStrings) {
  for (JidError e : {JidError::kEmpty, JidError::kTooLong, JidError::kBadLocalpart,
                     JidError::kBadDomainpart, JidError::kBadResourcepart}) {
    EXPECT_FALSE(toString(e).empty());
  }
  EXPECT_NE(toString(JidError::kBadLocalpart), toString(JidError::kBadDomainpart));
}

// The ASCII fast path must give byte-for-byte what libidn gives.
TEST(JidTest, FastPathMatchesLibidn) {
  using detail::Profile;
  std::vector<std::string> inputs = {
      "",
      "a",
      "Juliet",
      "JULIET",
      "juliet",
      "example.COM",
      "a b",
      " ",
      "  x  ",
      "a@b",
      "a/b",
      "a:b",
      "a\"b",
      "a&b",
      "a'b",
      "a<b",
      "a>b",
      "a_b",
      "a-b",
      "a.b",
      "~!#$%^*()",
      "[::1]",
      "\t",
      "\x01",
      "\x1f",
      "\x7f",
      "a\x7f"
      "b",
      "0123456789",
      "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
      "abcdefghijklmnopqrstuvwxyz",
      "`{|}[]\\;,=+?",
      repeat("Xy", 600),
  };
  for (int c = 1; c < 0x80; ++c) {
    inputs.emplace_back(1, static_cast<char>(c));
    inputs.push_back("A" + std::string(1, static_cast<char>(c)) + "z");
  }
  inputs.push_back(std::string("a\0b", 3));

  for (const std::string& in : inputs) {
    for (Profile p : {Profile::kNodeprep, Profile::kNameprep, Profile::kResourceprep}) {
      EXPECT_EQ(detail::stringprep(p, in, false), detail::stringprep(p, in, true))
          << "profile " << static_cast<int>(p) << " input \"" << escape(in) << '"';
    }
    auto l0 = detail::prepareLocalpart(in, false), l1 = detail::prepareLocalpart(in, true);
    auto d0 = detail::prepareDomainpart(in, false), d1 = detail::prepareDomainpart(in, true);
    auto r0 = detail::prepareResourcepart(in, false), r1 = detail::prepareResourcepart(in, true);
    EXPECT_EQ(l0.has_value(), l1.has_value()) << escape(in);
    if (l0 && l1) {
      EXPECT_EQ(*l0, *l1);
    }
    EXPECT_EQ(d0.has_value(), d1.has_value()) << escape(in);
    if (d0 && d1) {
      EXPECT_EQ(*d0, *d1);
    }
    EXPECT_EQ(r0.has_value(), r1.has_value()) << escape(in);
    if (r0 && r1) {
      EXPECT_EQ(*r0, *r1);
    }
  }
}

TEST(JidTest, StringprepProfiles) {
  using detail::Profile;
  // Observed libidn 1.41 behaviour the parser builds on.
  // nameprep prohibits nothing in ASCII (RFC 3491 leaves out C.1.1 and C.2.1).
  EXPECT_EQ(detail::stringprep(Profile::kNameprep, "A b\x01"), "a b\x01");
  EXPECT_EQ(detail::stringprep(Profile::kNodeprep, "A b"), std::nullopt);
  EXPECT_EQ(detail::stringprep(Profile::kResourceprep, "A b"), "A b");
  EXPECT_EQ(detail::stringprep(Profile::kNodeprep, "Stra\u00dfe"), "strasse");
  EXPECT_EQ(detail::stringprep(Profile::kResourceprep, "Stra\u00dfe"), "Stra\u00dfe");
  EXPECT_EQ(detail::stringprep(Profile::kNameprep, "\uFF21\uFF22"), "ab");
  EXPECT_EQ(detail::stringprep(Profile::kResourceprep, "\uFF21\uFF22"), "AB");
  EXPECT_EQ(detail::stringprep(Profile::kResourceprep, "\u00C5SA"), "\u00C5SA");
  EXPECT_EQ(detail::stringprep(Profile::kNodeprep, "\u00C5SA"), "\u00E5sa");
  EXPECT_EQ(detail::stringprep(Profile::kNodeprep, "\uFF20"), std::nullopt);
  EXPECT_EQ(detail::stringprep(Profile::kNameprep, "\uFF20"), "@");
}

}  // namespace
}  // namespace xmpp::jid
