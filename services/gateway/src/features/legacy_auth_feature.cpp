// XEP-0078 legacy authentication (jabber:iq:auth) for clients whose stream has no
// version='1.0' (agsXMPP-era): the fields, then a password (TLS only) or a digest of the
// stream id and the password (only with the opt-in plaintext store); binds in one step.

#include "c2s_session.hpp"
#include "stream_feature.hpp"
#include "xmpp/stanza/element.hpp"
#include "xmpp/stanza/payloads.hpp"
#include "xmpp/xml/escape.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::gateway {
namespace {

const StanzaError kPlaintextNeedsTls =
    stanza::stanzaError("not-acceptable", "plaintext passwords need TLS: use <digest/>");

StanzaError legacyFailure(std::string_view condition) {
  if (condition == "malformed-request") return errors::kNotAcceptable;
  if (condition == "encryption-required") return kPlaintextNeedsTls;
  if (condition == "temporary-auth-failure") return errors::kResourceConstraint;
  return errors::kNotAuthorized;
}

void advertise(const C2sSession& s, Features& f) {
  if (!preAuthOffered(s)) return;
  f.legacyAuth = s.config().legacyAuth;
}

void legacyAuth(C2sSession& s, const v1::Stanza& iq, const v1::Element& query) {
  if (refusedPreAuth(s, iq, s.config().legacyAuth)) return;
  if (iq.type() == "get") {
    v1::LegacyAuthFieldsRequest request;
    request.set_username(stanza::childText(query, "username", ns::kLegacyAuth));
    s.suspendForAuth();
    s.auth().legacyAuthFields(
        request, s.guarded<v1::LegacyAuthFieldsResponse>(
                     [&s, id = iq.id(), from = iq.to(), username = request.username()](
                         const grpc::Status& status, const v1::LegacyAuthFieldsResponse& fields) {
                       if (!status.ok()) {
                         std::string out;
                         appendStanzaError(out, "iq", id, from, errors::kInternalServerError);
                         s.send(std::move(out));
                         return;
                       }
                       std::string payload = "<query xmlns=\"jabber:iq:auth\"><username>";
                       xml::appendEscapedText(payload, username);
                       payload += "</username>";
                       // <password/> is refused without TLS: do not offer it.
                       if (fields.password() && s.transport().secure()) payload += "<password/>";
                       if (fields.digest()) payload += "<digest/>";
                       payload += "<resource/></query>";
                       std::string out;
                       appendIqResult(out, id, from, payload);
                       s.send(std::move(out));
                     }));
    return;
  }

  auto fields = stanza::LegacyAuth::parse(query);
  const bool hasDigest = fields->digest && !fields->digest->empty();
  const bool hasPassword = fields->password && !fields->password->empty();
  if (!fields->username || fields->username->empty() || (!hasDigest && !hasPassword) ||
      !fields->resource || fields->resource->empty() ||
      !jid::detail::prepareResourcepart(*fields->resource)) {
    s.sendStanzaError(iq, errors::kNotAcceptable);
    return;
  }
  v1::LegacyAuthRequest request;
  request.set_username(*fields->username);
  if (hasDigest) {
    request.set_digest(std::move(*fields->digest));
  } else if (s.transport().secure()) {
    request.set_password(std::move(*fields->password));
  } else {
    s.sendStanzaError(iq, kPlaintextNeedsTls);
    return;
  }
  s.fillClientSession(*request.mutable_session());
  s.suspendForAuth();
  s.auth().legacyAuth(
      request, s.guarded<v1::LegacyAuthResponse>([&s, id = iq.id(), from = iq.to(),
                                                  requested = std::move(*fields->username),
                                                  resource = std::move(*fields->resource)](
                                                     const grpc::Status& status,
                                                     const v1::LegacyAuthResponse& response) {
        std::string out;
        if (!status.ok()) {
          appendStanzaError(out, "iq", id, from,
                            status.error_code() == grpc::StatusCode::INVALID_ARGUMENT
                                ? errors::kNotAcceptable
                                : errors::kInternalServerError);
          s.send(std::move(out));
          return;
        }
        if (!response.ok()) {
          s.reportAuthFailure("legacy", response.condition());
          const StanzaError error = legacyFailure(response.condition());
          appendStanzaError(out, "iq", id, from, error);
          if (error.condition == errors::kNotAuthorized.condition && s.countFailure(out)) return;
          s.send(std::move(out));
          return;
        }
        const std::string& username = response.username().empty() ? requested : response.username();
        auto jid = jid::Jid::fromParts(username, s.config().domain, resource);
        if (!jid) {
          appendStanzaError(out, "iq", id, from, errors::kNotAcceptable);
          s.send(std::move(out));
          return;
        }
        s.authenticated(jid->bare(), false);
        appendIqResult(out, id, from);
        s.requestBind(*jid, std::move(out), id, from);  // XEP-0078 binds too
      }));
}

void handle(C2sSession& s, const v1::Stanza& iq, const v1::Element& query) {
  if (!refusedUnlessAuthenticated(s, false)) legacyAuth(s, iq, query);
}

}  // namespace

StreamFeature legacyAuthFeature() {
  return {"legacy-auth", &advertise, {}, {{"query", ns::kLegacyAuth, &handle}}};
}

}  // namespace xmpp::gateway
