#include "xmpp/stanza/stanza_error.hpp"

#include <array>
#include <tuple>

namespace xmpp::stanza {
namespace {

struct Condition {
  std::string_view name;
  ErrorType type;  // RFC 6120 §8.3.3
  int code;        // XEP-0086; 0: none
};

constexpr std::array<Condition, 22> kConditions = {{
    {"bad-request", ErrorType::kModify, 400},
    {"conflict", ErrorType::kCancel, 409},
    {"feature-not-implemented", ErrorType::kCancel, 501},
    {"forbidden", ErrorType::kAuth, 403},
    {"gone", ErrorType::kCancel, 302},
    {"internal-server-error", ErrorType::kCancel, 500},
    {"item-not-found", ErrorType::kCancel, 404},
    {"jid-malformed", ErrorType::kModify, 400},
    {"not-acceptable", ErrorType::kModify, 406},
    {"not-allowed", ErrorType::kCancel, 405},
    {"not-authorized", ErrorType::kAuth, 401},
    {"policy-violation", ErrorType::kModify, 0},
    {"recipient-unavailable", ErrorType::kWait, 404},
    {"redirect", ErrorType::kModify, 302},
    {"registration-required", ErrorType::kAuth, 407},
    {"remote-server-not-found", ErrorType::kCancel, 404},
    {"remote-server-timeout", ErrorType::kWait, 504},
    {"resource-constraint", ErrorType::kWait, 500},
    {"service-unavailable", ErrorType::kCancel, 503},
    {"subscription-required", ErrorType::kAuth, 407},
    {"undefined-condition", ErrorType::kCancel, 500},
    {"unexpected-request", ErrorType::kWait, 400},
}};

const Condition* find(std::string_view condition) {
  for (const auto& c : kConditions) {
    if (c.name == condition) return &c;
  }
  return nullptr;
}

}  // namespace

std::string_view toString(ErrorType type) {
  switch (type) {
    case ErrorType::kCancel:
      return "cancel";
    case ErrorType::kContinue:
      return "continue";
    case ErrorType::kModify:
      return "modify";
    case ErrorType::kAuth:
      return "auth";
    case ErrorType::kWait:
      return "wait";
  }
  return "cancel";
}

bool isDefinedCondition(std::string_view condition) { return find(condition) != nullptr; }

int legacyCode(std::string_view condition) {
  const Condition* c = find(condition);
  return c == nullptr ? 0 : c->code;
}

StanzaError stanzaError(std::string_view condition, std::string_view text) {
  const Condition* c = find(condition);
  if (c == nullptr) return {ErrorType::kCancel, "undefined-condition", std::string(text), {}, {}};
  return {c->type, std::string(c->name), std::string(text), {}, {}};
}

namespace errors {
StanzaError serviceUnavailable() { return stanzaError("service-unavailable"); }
StanzaError remoteServerNotFound() { return stanzaError("remote-server-not-found"); }
StanzaError jidMalformed() { return stanzaError("jid-malformed"); }
StanzaError badRequest() { return stanzaError("bad-request"); }
StanzaError internalServerError() { return stanzaError("internal-server-error"); }
StanzaError temporarilyUnavailable() {
  StanzaError e = stanzaError("service-unavailable");
  e.type = ErrorType::kWait;
  return e;
}
}  // namespace errors

}  // namespace xmpp::stanza
