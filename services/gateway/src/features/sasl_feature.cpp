// RFC 6120 §6 SASL, relayed to the auth service: <auth/>, <response/>, <abort/>; the
// auth service's sealed continuation travels between the steps, so any replica finishes an
// exchange another started (ADR 0004). PLAIN only inside TLS.

#include <optional>

#include "base64.hpp"
#include "c2s_session.hpp"
#include "stream_feature.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::gateway {
namespace {

using C = stream::StreamErrorCondition;

// SASL payload: empty or "=" is zero-length data (RFC 6120 §6.4.2).
std::optional<std::string> decodeSaslPayload(std::string_view text) {
  if (text.empty() || text == "=") return std::string{};
  return base64Decode(text);
}

void advertise(const C2sSession& s, Features& f) {
  if (s.authenticated()) return;
  for (const std::string& m : s.config().mechanisms) {
    if (s.mechanismOffered(m)) f.mechanisms.push_back(m);
  }
}

void fail(C2sSession& s, std::string_view condition, bool counts = true) {
  s.reportAuthFailure(s.sasl().mechanism.empty() ? std::string_view("sasl") : s.sasl().mechanism,
                      condition);
  std::string out;
  appendSaslFailure(out, condition);
  if (counts && s.countFailure(out)) return;
  s.send(std::move(out));
}

bool refusedAfterAuth(C2sSession& s) {
  if (!s.authenticated()) return false;
  s.streamError({C::kUnsupportedStanzaType, "already authenticated"});
  return true;
}

void onStep(C2sSession& s, const grpc::Status& status, const v1::SaslStep& step) {
  if (!status.ok()) {
    // The auth service is unreachable or broken: not the client's fault.
    fail(s, "temporary-auth-failure", false);
    return;
  }
  std::string out;
  switch (step.outcome()) {
    case v1::SaslStep::OUTCOME_CHALLENGE: {
      s.sasl().inProgress = true;
      s.sasl().continuation = step.continuation();
      std::string data;
      appendBase64(data, step.data());
      appendSaslData(out, "challenge", data);
      s.send(std::move(out));
      return;
    }
    case v1::SaslStep::OUTCOME_SUCCESS: {
      auto account = jid::Jid::fromParts(step.username(), s.config().domain, {});
      if (!account) {
        fail(s, "temporary-auth-failure", false);
        return;
      }
      std::string data;
      appendBase64(data, step.data());
      appendSaslData(out, "success", data);
      s.authenticated(*account, true);
      s.send(std::move(out));
      return;
    }
    default:
      fail(s, isSaslCondition(step.condition()) ? step.condition() : "not-authorized");
      return;
  }
}

void auth(C2sSession& s, xml::Element element) {
  if (refusedAfterAuth(s)) return;
  s.sasl() = {};
  const std::string_view mechanism = element.attribute("mechanism").value();
  // A metric label: only mechanisms we know, never what a client made up.
  s.sasl().mechanism = s.mechanismOffered(mechanism) ? std::string(mechanism) : "unknown";
  if (s.config().tlsRequired && !s.transport().secure()) {
    fail(s, "encryption-required");
    return;
  }
  if (!s.mechanismOffered(mechanism)) {
    fail(s, "invalid-mechanism");
    return;
  }
  auto payload = decodeSaslPayload(xml::text(element));
  if (!payload) {
    fail(s, "incorrect-encoding");
    return;
  }
  v1::SaslStartRequest request;
  request.set_mechanism(std::string(mechanism));
  request.set_initial_response(std::move(*payload));
  s.fillClientSession(*request.mutable_session());
  s.suspendForAuth();
  s.auth().saslStart(
      request, s.guarded<v1::SaslStep>([&s](const grpc::Status& st, const v1::SaslStep& step) {
        onStep(s, st, step);
      }));
}

void response(C2sSession& s, xml::Element element) {
  if (refusedAfterAuth(s)) return;
  if (!s.sasl().inProgress) {
    fail(s, "malformed-request");
    return;
  }
  s.sasl().inProgress = false;
  auto payload = decodeSaslPayload(xml::text(element));
  if (!payload) {
    s.sasl().continuation.clear();
    fail(s, "incorrect-encoding");
    return;
  }
  v1::SaslContinueRequest request;
  request.set_continuation(std::exchange(s.sasl().continuation, {}));
  request.set_response(std::move(*payload));
  s.fillClientSession(*request.mutable_session());
  s.suspendForAuth();
  s.auth().saslContinue(
      request, s.guarded<v1::SaslStep>([&s](const grpc::Status& st, const v1::SaslStep& step) {
        onStep(s, st, step);
      }));
}

void abort(C2sSession& s, xml::Element) {
  if (refusedAfterAuth(s)) return;
  s.sasl().inProgress = false;
  s.sasl().continuation.clear();
  fail(s, "aborted");
}

}  // namespace

StreamFeature saslFeature() {
  return {"sasl",
          &advertise,
          {{"auth", ns::kSasl, &auth},
           {"response", ns::kSasl, &response},
           {"abort", ns::kSasl, &abort}},
          {}};
}

}  // namespace xmpp::gateway
