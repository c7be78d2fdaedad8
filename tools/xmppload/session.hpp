// xmppload: an XMPP client session over a Conn. It logs in (STARTTLS or direct TLS; SASL
// PLAIN, SCRAM-SHA-1 or SCRAM-SHA-256; resource binding) with pre-built stanzas and then hands
// every top-level element it reads to the scenario, which consumes it without a parser.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "conn.hpp"

namespace xmppload {

struct LoginOptions {
  std::string domain = "localhost";
  bool directTls = false;      // false: STARTTLS on the c2s port
  std::string mech = "PLAIN";  // PLAIN, SCRAM-SHA-1, SCRAM-SHA-256
  std::string password = "pw";
  std::string resource = "r";
};

// Salted passwords by (mechanism, salt, iterations, password): a server that stores SCRAM
// verifiers hands the same salt at every login, so the driver pays PBKDF2 once per account
// (a server that keeps plaintext picks a new salt each time: the driver pays it each login,
// which its own CPU figure shows).
class SaltCache {
 public:
  const std::string& salted(const std::string& mech, const std::string& password,
                            const std::string& salt, int iterations);

 private:
  std::map<std::string, std::string> cache_;
};

// One top-level element of the stream: name and the whole text, start to end tag.
struct Element {
  std::string_view name;
  std::string_view text;
};

// The end of the first complete top-level element in `buf` from `pos` (npos: incomplete),
// skipping whitespace. `closed` is set by </stream:stream>.
size_t nextElement(std::string_view buf, size_t pos, Element& out, bool& closed);
// The value of attribute `name` in the start tag of `element` (either quote), or empty.
std::string_view attribute(std::string_view element, std::string_view name);

class Session : public Conn {
 public:
  enum class State {
    kIdle,
    kConnecting,
    kFeatures1,
    kProceed,
    kFeatures2,
    kSasl,
    kFeatures3,
    kBind,
    kReady,
    kFailed
  };

  Session(Loop& loop, const LoginOptions& opts, SaltCache& salts);

  // Starts a login as `user` to `to` from `source` (empty: any address).
  void login(const std::string& user, const Endpoint& to, const std::string& source = {});
  State state() const { return state_; }
  const std::string& user() const { return user_; }
  const std::string& bareJid() const { return bare_; }
  uint64_t loginStarted() const { return started_; }
  // The resource to bind (default: the options'); several sessions of one account need their own.
  void setResource(std::string r) { resource_ = std::move(r); }

 protected:
  virtual void onReady() = 0;                    // bound: the scenario's turn
  virtual void onElement(const Element& e) = 0;  // a top-level element after onReady
  virtual void onFailed(const char* why) = 0;    // login failed or the stream ended

  void onConnected() override;
  void onTlsUp() override;
  void onInput() override;
  void onClosed(const char* why) override;

 private:
  void openStream();
  void fail(const char* why);
  void startSasl();
  void scramFinal(std::string_view challenge);

  const LoginOptions& opts_;
  SaltCache& salts_;
  State state_ = State::kIdle;
  std::string user_, bare_, resource_;
  std::string clientFirstBare_, serverSignature_;
  uint64_t started_ = 0;
};

std::string base64(std::string_view in);
std::string unbase64(std::string_view in);

}  // namespace xmppload
