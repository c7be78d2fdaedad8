#pragma once
// The one mapping from a gRPC status to the core's BackendStatus (ports.hpp), for the gRPC
// adapters (grpc_clients.cpp) and the tests' in-process service doubles.

#include <grpcpp/support/status.h>

#include "ports.hpp"
#include "xmpp/stanza/stanza_error.hpp"

namespace xmpp::router {

/// UNAVAILABLE and DEADLINE_EXCEEDED -> kUnavailable; a defined RFC 6120 condition in the
/// message (how the userdata service refuses) -> kRefused; anything else -> kInternal.
inline BackendStatus fromGrpc(const grpc::Status& status) {
  if (status.ok()) return backendOk();
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return unexpected(BackendError{BackendError::Kind::kUnavailable, {}});
    case grpc::StatusCode::INTERNAL:
      return unexpected(BackendError{BackendError::Kind::kInternal, {}});
    default:
      break;
  }
  if (stanza::isDefinedCondition(status.error_message())) {
    return unexpected(BackendError{BackendError::Kind::kRefused, status.error_message()});
  }
  return unexpected(BackendError{BackendError::Kind::kInternal, {}});
}

}  // namespace xmpp::router
