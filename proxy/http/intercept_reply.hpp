// The answers gatehouse writes itself inside a decrypted flow (README "HTTPS
// interception"): audited first (`intercepted: true`), then rendered as one HTTP/1.1
// response with `Connection: close`. The one place such pages are made, so
// that the block page over TLS and the plain one say the same things.
#pragma once

#include <string>

#include "http/intercept_session.hpp"

namespace gh {

struct InterceptReply {
  std::string wire;  // the serialised response
  std::string id;    // its record's id ("" if the audit refused it)
};

// The 403 block page for `inner` decided as `d` (503 if the audit log fails
// with on_failure: block).
asio::awaitable<InterceptReply> record_intercepted_block(InterceptFlow& f, const Request& inner,
                                                         const Decision& d);

// A refusal without a policy decision: bad-request (400), header-too-large
// (431), header-timeout (408), upstream-cert-invalid (502).
asio::awaitable<InterceptReply> record_intercepted_error(InterceptFlow& f, const Request& inner,
                                                         Reason r);

// Serialises a page: status, HTML body, no-store, Connection: close.
std::string intercepted_response(int status, std::string body);

}  // namespace gh
