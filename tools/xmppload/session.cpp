#include "session.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <random>

namespace xmppload {
namespace {

const EVP_MD* digestOf(const std::string& mech) {
  return mech == "SCRAM-SHA-1" ? EVP_sha1() : EVP_sha256();
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string hash(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

// The text content of the element (between its start tag and its end tag).
std::string_view content(std::string_view element) {
  size_t open = element.find('>');
  size_t close = element.rfind("</");
  if (open == std::string_view::npos || close == std::string_view::npos || close <= open) return {};
  return element.substr(open + 1, close - open - 1);
}

std::string nonce() {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string out(24, 'x');
  for (auto& c : out) c = kChars[rng() % (sizeof kChars - 1)];
  return out;
}

std::string_view scramAttr(std::string_view msg, char key) {
  size_t pos = 0;
  while (pos < msg.size()) {
    size_t end = msg.find(',', pos);
    if (end == std::string_view::npos) end = msg.size();
    if (end - pos >= 2 && msg[pos] == key && msg[pos + 1] == '=')
      return msg.substr(pos + 2, end - pos - 2);
    pos = end + 1;
  }
  return {};
}

}  // namespace

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), int(in.size()));
  out.resize(size_t(n));
  return out;
}

std::string unbase64(std::string_view in) {
  std::string clean;
  for (char c : in)
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') clean.push_back(c);
  if (clean.size() % 4 != 0) return {};
  std::string out(clean.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()), int(clean.size()));
  if (n < 0) return {};
  size_t pad = 0;
  if (!clean.empty() && clean.back() == '=') ++pad;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(size_t(n) - pad);
  return out;
}

const std::string& SaltCache::salted(const std::string& mech, const std::string& password,
                                     const std::string& salt, int iterations) {
  std::string key = mech + '\0' + password + '\0' + salt + '\0' + std::to_string(iterations);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  const EVP_MD* md = digestOf(mech);
  std::string out(size_t(EVP_MD_size(md)), '\0');
  PKCS5_PBKDF2_HMAC(password.data(), int(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), int(salt.size()),
                    iterations, md, int(out.size()), reinterpret_cast<unsigned char*>(out.data()));
  if (cache_.size() > 200000) cache_.clear();
  return cache_.emplace(std::move(key), std::move(out)).first->second;
}

size_t nextElement(std::string_view buf, size_t pos, Element& out, bool& closed) {
  while (pos < buf.size() &&
         (buf[pos] == ' ' || buf[pos] == '\n' || buf[pos] == '\r' || buf[pos] == '\t'))
    ++pos;
  if (pos >= buf.size()) return std::string_view::npos;
  if (buf[pos] != '<') {  // text at the top level: skip to the next element
    size_t lt = buf.find('<', pos);
    return lt == std::string_view::npos ? buf.size() : nextElement(buf, lt, out, closed);
  }
  if (buf.compare(pos, 2, "<?") == 0) {
    size_t end = buf.find("?>", pos);
    if (end == std::string_view::npos) return end;
    return nextElement(buf, end + 2, out, closed);
  }
  if (buf.compare(pos, 16, "</stream:stream>") == 0) {
    closed = true;
    return pos + 16;
  }
  size_t nameEnd = buf.find_first_of(" />\t\r\n", pos + 1);
  if (nameEnd == std::string_view::npos) return nameEnd;
  std::string_view name = buf.substr(pos + 1, nameEnd - pos - 1);
  size_t gt = buf.find('>', nameEnd);
  if (gt == std::string_view::npos) return gt;
  size_t end;
  if (name == "stream:stream") {
    end = gt + 1;  // the stream header: an element of its own here
  } else if (buf[gt - 1] == '/') {
    end = gt + 1;
  } else {
    std::string closeTag = "</";
    closeTag.append(name);
    closeTag.push_back('>');
    size_t c = buf.find(closeTag, gt);
    if (c == std::string_view::npos) return c;
    end = c + closeTag.size();
  }
  out.name = name;
  out.text = buf.substr(pos, end - pos);
  return end;
}

std::string_view attribute(std::string_view element, std::string_view name) {
  size_t gt = element.find('>');
  std::string_view tag = element.substr(0, gt);
  size_t pos = 0;
  while ((pos = tag.find(name, pos)) != std::string_view::npos) {
    size_t eq = pos + name.size();
    if (pos > 0 && tag[pos - 1] == ' ' && eq + 1 < tag.size() && tag[eq] == '=') {
      char q = tag[eq + 1];
      size_t end = tag.find(q, eq + 2);
      if (end == std::string_view::npos) return {};
      return tag.substr(eq + 2, end - eq - 2);
    }
    pos = eq;
  }
  return {};
}

Session::Session(Loop& loop, const LoginOptions& opts, SaltCache& salts)
    : Conn(loop), opts_(opts), salts_(salts) {}

void Session::login(const std::string& user, const Endpoint& to, const std::string& source) {
  close();
  in.clear();
  user_ = user;
  bare_ = user + "@" + opts_.domain;
  started_ = nowNs();
  state_ = State::kConnecting;
  if (!connect(to, source)) fail("connect failed");
}

void Session::fail(const char* why) {
  state_ = State::kFailed;
  close();
  onFailed(why);
}

void Session::onClosed(const char* why) {
  if (state_ != State::kFailed) {
    state_ = State::kFailed;
    onFailed(why);
  }
}

void Session::openStream() {
  in.clear();
  std::string header =
      "<?xml version='1.0'?><stream:stream to='" + opts_.domain +
      "' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
  send(header);
}

void Session::onConnected() {
  if (opts_.directTls) {
    startTls();
    return;
  }
  state_ = State::kFeatures1;
  openStream();
}

void Session::onTlsUp() {
  state_ = State::kFeatures2;
  openStream();
}

void Session::startSasl() {
  state_ = State::kSasl;
  if (opts_.mech == "PLAIN") {
    std::string creds;
    creds.push_back('\0');
    creds += user_;
    creds.push_back('\0');
    creds += opts_.password;
    send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + base64(creds) +
         "</auth>");
    return;
  }
  clientFirstBare_ = "n=" + user_ + ",r=" + nonce();
  send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='" + opts_.mech + "'>" +
       base64("n,," + clientFirstBare_) + "</auth>");
}

void Session::scramFinal(std::string_view challenge) {
  std::string serverFirst = unbase64(challenge);
  std::string_view r = scramAttr(serverFirst, 'r');
  std::string salt = unbase64(scramAttr(serverFirst, 's'));
  int iterations = std::atoi(std::string(scramAttr(serverFirst, 'i')).c_str());
  if (r.empty() || salt.empty() || iterations <= 0) {
    fail("bad SCRAM challenge");
    return;
  }
  const EVP_MD* md = digestOf(opts_.mech);
  const std::string& salted = salts_.salted(opts_.mech, opts_.password, salt, iterations);
  std::string withoutProof = "c=biws,r=" + std::string(r);
  std::string authMessage = clientFirstBare_ + "," + serverFirst + "," + withoutProof;
  std::string clientKey = hmac(md, salted, "Client Key");
  std::string signature = hmac(md, hash(md, clientKey), authMessage);
  for (size_t i = 0; i < clientKey.size(); ++i) clientKey[i] ^= signature[i];
  serverSignature_ = base64(hmac(md, hmac(md, salted, "Server Key"), authMessage));
  send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
       base64(withoutProof + ",p=" + base64(clientKey)) + "</response>");
}

void Session::onInput() {
  size_t pos = 0;
  Element e;
  bool closed = false;
  for (;;) {
    size_t next = nextElement(in, pos, e, closed);
    if (closed) {
      fail("stream closed by the server");
      return;
    }
    if (next == std::string_view::npos) break;
    pos = next;
    if (e.name.empty()) continue;
    switch (state_) {
      case State::kFeatures1:
        if (e.name == "stream:features") {
          state_ = State::kProceed;
          send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        }
        break;
      case State::kProceed:
        if (e.name == "proceed") {
          in.clear();
          startTls();
          return;
        }
        fail("STARTTLS refused");
        return;
      case State::kFeatures2:
        if (e.name == "stream:features") startSasl();
        break;
      case State::kSasl:
        if (e.name == "challenge") {
          scramFinal(content(e.text));
          if (state_ == State::kFailed) return;
        } else if (e.name == "success") {
          if (opts_.mech != "PLAIN") {
            std::string v = unbase64(content(e.text));
            if (v.rfind("v=", 0) == 0 && v.substr(2) != serverSignature_) {
              fail("server signature mismatch");
              return;
            }
          }
          state_ = State::kFeatures3;
          openStream();  // clears `in`: nothing after <success/> is read before the restart
          return;
        } else {
          fail("authentication failed");
          return;
        }
        break;
      case State::kFeatures3:
        if (e.name == "stream:features") {
          state_ = State::kBind;
          send(
              "<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
              "<resource>" +
              (resource_.empty() ? opts_.resource : resource_) + "</resource></bind></iq>");
        }
        break;
      case State::kBind:
        if (e.name == "iq" && attribute(e.text, "id") == "bind") {
          if (attribute(e.text, "type") != "result") {
            fail("bind refused");
            return;
          }
          state_ = State::kReady;
          in.erase(0, pos);
          onReady();
          if (state_ == State::kReady && open()) onInput();  // what followed the bind result
          return;
        }
        break;
      case State::kReady:
        onElement(e);
        if (state_ != State::kReady || !open()) return;  // the scenario closed or relogged
        break;
      default:
        break;
    }
  }
  if (pos > 0 && open()) in.erase(0, pos);
}

}  // namespace xmppload
