#include "stanza_errors.hpp"

#include <array>
#include <utility>

#include "router_stanzas.hpp"
#include "xmpp/stanza/element.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::router {
namespace {

// RFC 6120 §8.3.3: every defined condition with the type its section recommends.
constexpr std::array<std::pair<std::string_view, ErrorType>, 22> kConditions = {{
    {"bad-request", ErrorType::kModify},
    {"conflict", ErrorType::kCancel},
    {"feature-not-implemented", ErrorType::kCancel},
    {"forbidden", ErrorType::kAuth},
    {"gone", ErrorType::kCancel},
    {"internal-server-error", ErrorType::kCancel},
    {"item-not-found", ErrorType::kCancel},
    {"jid-malformed", ErrorType::kModify},
    {"not-acceptable", ErrorType::kModify},
    {"not-allowed", ErrorType::kCancel},
    {"not-authorized", ErrorType::kAuth},
    {"policy-violation", ErrorType::kModify},
    {"recipient-unavailable", ErrorType::kWait},
    {"redirect", ErrorType::kModify},
    {"registration-required", ErrorType::kAuth},
    {"remote-server-not-found", ErrorType::kCancel},
    {"remote-server-timeout", ErrorType::kWait},
    {"resource-constraint", ErrorType::kWait},
    {"service-unavailable", ErrorType::kCancel},
    {"subscription-required", ErrorType::kAuth},
    {"undefined-condition", ErrorType::kCancel},
    {"unexpected-request", ErrorType::kWait},
}};

const std::pair<std::string_view, ErrorType>* findCondition(std::string_view condition) {
  for (const auto& c : kConditions) {
    if (c.first == condition) return &c;
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

bool isDefinedCondition(std::string_view condition) { return findCondition(condition) != nullptr; }

StanzaError stanzaError(std::string_view condition) {
  const auto* c = findCondition(condition);
  if (c == nullptr) return {ErrorType::kCancel, "undefined-condition", {}, {}};
  return {c->second, std::string(c->first), {}, {}};
}

namespace errors {
StanzaError serviceUnavailable() { return stanzaError("service-unavailable"); }
StanzaError remoteServerNotFound() { return stanzaError("remote-server-not-found"); }
StanzaError jidMalformed() { return stanzaError("jid-malformed"); }
StanzaError badRequest() { return stanzaError("bad-request"); }
StanzaError internalServerError() { return stanzaError("internal-server-error"); }
StanzaError temporarilyUnavailable() { return {ErrorType::kWait, "service-unavailable", {}, {}}; }
}  // namespace errors

StanzaError fromStatus(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      // A backend that is down or slow: the sender may retry (RFC 6120 §8.3.2 'wait').
      return errors::temporarilyUnavailable();
    default:
      break;
  }
  if (isDefinedCondition(status.error_message())) return stanzaError(status.error_message());
  return errors::internalServerError();
}

StanzaError fromStoreError(storage::StoreError error) {
  return error == storage::StoreError::kUnavailable ? errors::temporarilyUnavailable()
                                                    : errors::internalServerError();
}

std::optional<v1::Stanza> makeErrorReply(const v1::Stanza& original, const StanzaError& error) {
  if (original.type() == "error") return std::nullopt;
  v1::Stanza reply;
  reply.set_kind(original.kind());
  reply.set_from(original.to());
  reply.set_to(original.from());
  reply.set_id(original.id());
  reply.set_type("error");
  reply.set_lang(original.lang());
  v1::Element& e = *reply.mutable_element();
  e.set_name(original.element().name().empty() ? std::string(kindName(original.kind()))
                                               : original.element().name());
  e.set_ns(original.element().ns().empty() ? std::string(ns::kClient) : original.element().ns());
  *e.mutable_attributes() = original.element().attributes();
  for (const auto& child : original.element().children()) {
    if (child.has_element() && child.element().name() == "error" &&
        child.element().ns() == e.ns()) {
      continue;
    }
    *e.add_children() = child;
  }
  v1::Element& err = stanza::addChild(e, "error", e.ns());
  stanza::setAttribute(err, "type", toString(error.type));
  stanza::addChild(err, error.condition, ns::kStanzaErrors);
  if (!error.appCondition.empty()) stanza::addChild(err, error.appCondition, error.appNamespace);
  return reply;
}

}  // namespace xmpp::router
