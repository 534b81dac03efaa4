#include "proxy_auth.hpp"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>

#include <boost/beast/core/detail/base64.hpp>
#include <stdexcept>

namespace gh::load {
namespace {

std::string base64(const void* data, std::size_t n) {
  namespace b64 = boost::beast::detail::base64;
  std::string out(b64::encoded_size(n), '\0');
  out.resize(b64::encode(out.data(), data, n));
  return out;
}

// SPNEGO (RFC 4178), the mechanism browsers and curl --proxy-negotiate offer.
gss_OID_desc spnego_oid{6, const_cast<char*>("\x2b\x06\x01\x05\x05\x02")};

std::string gss_message(OM_uint32 major, OM_uint32 minor) {
  std::string out;
  for (auto [code, type] : {std::pair{major, GSS_C_GSS_CODE}, std::pair{minor, GSS_C_MECH_CODE}}) {
    OM_uint32 ctx = 0, min = 0;
    gss_buffer_desc text{};
    if (gss_display_status(&min, code, type, GSS_C_NO_OID, &ctx, &text) == GSS_S_COMPLETE) {
      out += (out.empty() ? "" : ": ") + std::string(static_cast<char*>(text.value), text.length);
      gss_release_buffer(&min, &text);
    }
  }
  return out;
}

}  // namespace

std::string basic_field(const std::string& user_password) {
  return "Proxy-Authorization: Basic " + base64(user_password.data(), user_password.size()) +
         "\r\n";
}

struct NegotiateClient::Impl {
  gss_name_t target = GSS_C_NO_NAME;
};

NegotiateClient::NegotiateClient(const std::string& spn) : impl_(std::make_unique<Impl>()) {
  OM_uint32 minor = 0;
  gss_buffer_desc name{spn.size(), const_cast<char*>(spn.data())};
  const OM_uint32 major =
      gss_import_name(&minor, &name, GSS_C_NT_HOSTBASED_SERVICE, &impl_->target);
  if (GSS_ERROR(major))
    throw std::runtime_error("gss_import_name " + spn + ": " + gss_message(major, minor));
}

NegotiateClient::NegotiateClient(NegotiateClient&&) noexcept = default;

NegotiateClient::~NegotiateClient() {
  OM_uint32 minor = 0;
  if (impl_ && impl_->target != GSS_C_NO_NAME) gss_release_name(&minor, &impl_->target);
}

std::string NegotiateClient::field(std::string& error) {
  OM_uint32 minor = 0;
  gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
  gss_buffer_desc out{};
  const OM_uint32 major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx, impl_->target,
                                               &spnego_oid, 0, 0, GSS_C_NO_CHANNEL_BINDINGS,
                                               GSS_C_NO_BUFFER, nullptr, &out, nullptr, nullptr);
  std::string field;
  if (GSS_ERROR(major) || out.length == 0)
    error = "gss_init_sec_context: " + gss_message(major, minor);
  else
    field = "Proxy-Authorization: Negotiate " + base64(out.value, out.length) + "\r\n";
  gss_release_buffer(&minor, &out);
  // The proxy needs no second leg (no mutual authentication asked for).
  if (ctx != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
  return field;
}

}  // namespace gh::load
