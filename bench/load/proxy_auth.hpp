// Proxy-Authorization for the generator (bench/README.md, "Authentication
// rows"): a fixed Basic credential sent with every request (a proxy that
// caches it pays a lookup per request), or Negotiate with a fresh GSSAPI
// context per new connection, sent on the connection's first request only
// (a proxy keeps the identity for the connection, README "Identity").
#pragma once

#include <memory>
#include <string>

namespace gh::load {

// "Proxy-Authorization: Basic <base64 of user:password>\r\n"
std::string basic_field(const std::string& user_password);

// A Kerberos initiator for the service principal `spn` ("HTTP@localhost",
// GSS_C_NT_HOSTBASED_SERVICE), with the credentials of KRB5CCNAME.
class NegotiateClient {
 public:
  explicit NegotiateClient(const std::string& spn);  // throws if the name is bad
  ~NegotiateClient();
  NegotiateClient(NegotiateClient&&) noexcept;
  NegotiateClient& operator=(NegotiateClient&&) = delete;

  // One gss_init_sec_context from no context (SPNEGO), as a browser does on a
  // new connection: "Proxy-Authorization: Negotiate <token>\r\n", or "" with
  // `error` set.
  std::string field(std::string& error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gh::load
