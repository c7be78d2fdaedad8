#include "stanza_errors.hpp"

#include <utility>

#include "router_stanzas.hpp"
#include "xmpp/stanza/element.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::router {

StanzaError fromBackendError(const BackendError& error) {
  switch (error.kind) {
    case BackendError::Kind::kUnavailable:
      // A backend that is down or slow: the sender may retry (RFC 6120 §8.3.2 'wait').
      return errors::temporarilyUnavailable();
    case BackendError::Kind::kRefused:
      if (isDefinedCondition(error.condition)) return stanzaError(error.condition);
      break;
    case BackendError::Kind::kInternal:
      break;
  }
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
  if (!error.text.empty()) stanza::addTextChild(err, "text", ns::kStanzaErrors, error.text);
  if (!error.appCondition.empty()) stanza::addChild(err, error.appCondition, error.appNamespace);
  return reply;
}

}  // namespace xmpp::router
