// XEP-0077 in-band registration before authentication (off by default): the form, then one
// account per stream through the auth service. Removing an account needs a login first.

#include "c2s_session.hpp"
#include "stream_feature.hpp"
#include "xmpp/stanza/element.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::gateway {
namespace {

void advertise(const C2sSession& s, Features& f) {
  if (!preAuthOffered(s)) return;
  f.registration = s.config().registration;
}

void registration(C2sSession& s, const v1::Stanza& iq, const v1::Element& query) {
  if (refusedPreAuth(s, iq, s.config().registration)) return;
  if (iq.type() == "get") {
    std::string out;
    appendIqResult(out, iq.id(), iq.to(),
                   "<query xmlns=\"jabber:iq:register\"><instructions>Choose a username and "
                   "password.</instructions><username/><password/></query>");
    s.send(std::move(out));
    return;
  }
  // One account per stream; cancelling an account needs a login first.
  if (s.registered() || stanza::findChild(query, "remove", ns::kRegister) != nullptr) {
    s.sendStanzaError(iq, errors::kNotAllowed);
    return;
  }
  v1::RegisterRequest request;
  request.set_username(stanza::childText(query, "username", ns::kRegister));
  request.set_password(stanza::childText(query, "password", ns::kRegister));
  if (request.username().empty() || request.password().empty()) {
    s.sendStanzaError(iq, errors::kNotAcceptable);
    return;
  }
  s.fillClientSession(*request.mutable_session());
  s.suspendForAuth();
  s.auth().registerAccount(
      request, s.guarded<v1::AuthEmpty>([&s, id = iq.id(), from = iq.to()](
                                            const grpc::Status& status, const v1::AuthEmpty&) {
        std::string out;
        switch (status.error_code()) {
          case grpc::StatusCode::OK:
            s.setRegistered();
            appendIqResult(out, id, from);
            break;
          case grpc::StatusCode::ALREADY_EXISTS:
            appendStanzaError(out, "iq", id, from, errors::kConflict);
            break;
          case grpc::StatusCode::INVALID_ARGUMENT:
            appendStanzaError(out, "iq", id, from, errors::kNotAcceptable);
            break;
          case grpc::StatusCode::RESOURCE_EXHAUSTED:  // too many from this address
            appendStanzaError(out, "iq", id, from, errors::kResourceConstraint);
            break;
          case grpc::StatusCode::PERMISSION_DENIED:
            appendStanzaError(out, "iq", id, from, errors::kNotAllowed);
            break;
          default:
            appendStanzaError(out, "iq", id, from, errors::kInternalServerError);
            break;
        }
        s.send(std::move(out));
      }));
}

void handle(C2sSession& s, const v1::Stanza& iq, const v1::Element& query) {
  if (!refusedUnlessAuthenticated(s, false)) registration(s, iq, query);
}

}  // namespace

StreamFeature registrationFeature() {
  return {"register", &advertise, {}, {{"query", ns::kRegister, &handle}}};
}

}  // namespace xmpp::gateway
