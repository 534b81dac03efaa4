// README "Identity", Negotiate. STYLE.md: gss_accept_sec_context until
// GSS_S_COMPLETE, then gss_display_name; the context dies with the connection.
#include "auth/gss_acceptor.hpp"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <mutex>
#include <unordered_map>

#include "base/log.hpp"

namespace gh {
namespace {

// Acceptor credentials per keytab path, acquired once (gss_acquire_cred_from
// reads the keytab) and shared by every connection; MIT's credential handles
// may be used from several threads.
gss_cred_id_t acceptor_cred(const std::string& keytab, OM_uint32& major_out) {
  static std::mutex mu;
  static std::unordered_map<std::string, gss_cred_id_t> creds;
  std::lock_guard lock(mu);
  if (auto it = creds.find(keytab); it != creds.end()) {
    major_out = GSS_S_COMPLETE;
    return it->second;
  }
  gss_key_value_element_desc el{"keytab", keytab.c_str()};
  gss_key_value_set_desc store{1, &el};
  OM_uint32 minor = 0;
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  major_out = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
                                    GSS_C_ACCEPT, &store, &cred, nullptr, nullptr);
  if (GSS_ERROR(major_out)) return GSS_C_NO_CREDENTIAL;
  creds.emplace(keytab, cred);
  return cred;
}

std::string status_text(OM_uint32 code, int type) {
  std::string out;
  OM_uint32 ctx = 0, minor = 0;
  do {
    gss_buffer_desc buf{0, nullptr};
    if (GSS_ERROR(gss_display_status(&minor, code, type, GSS_C_NO_OID, &ctx, &buf))) break;
    if (!out.empty()) out += "; ";
    out.append(static_cast<const char*>(buf.value), buf.length);
    gss_release_buffer(&minor, &buf);
  } while (ctx != 0);
  return out;
}

}  // namespace

struct GssAcceptor::State {
  gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
  void reset() {
    if (ctx != GSS_C_NO_CONTEXT) {
      OM_uint32 minor = 0;
      gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
      ctx = GSS_C_NO_CONTEXT;
    }
  }
  ~State() { reset(); }
};

GssAcceptor::GssAcceptor() : state_(std::make_unique<State>()) {}
GssAcceptor::~GssAcceptor() = default;

GssStep GssAcceptor::step(const std::string& keytab, std::string_view token) {
  GssStep out;
  OM_uint32 major = 0, minor = 0;
  gss_cred_id_t cred = acceptor_cred(keytab, major);
  if (cred == GSS_C_NO_CREDENTIAL) {
    log(LogLevel::error, "auth: cannot use keytab %s: %s", keytab.c_str(),
        status_text(major, GSS_C_GSS_CODE).c_str());
    out.status = BackendStatus::unavailable;
    return out;
  }
  gss_buffer_desc in{token.size(), const_cast<char*>(token.data())};
  gss_buffer_desc reply{0, nullptr};
  gss_name_t client = GSS_C_NO_NAME;
  major = gss_accept_sec_context(&minor, &state_->ctx, cred, &in, GSS_C_NO_CHANNEL_BINDINGS,
                                 &client, nullptr, &reply, nullptr, nullptr, nullptr);
  if (reply.length > 0) out.output.assign(static_cast<const char*>(reply.value), reply.length);
  gss_release_buffer(&minor, &reply);
  if (GSS_ERROR(major)) {
    // A bad, expired or replayed ticket (GSS_S_DUPLICATE_TOKEN) is the
    // client's problem: 407, not 503. Only a missing keytab is ours.
    log(LogLevel::info, "auth: Negotiate token refused: %s",
        status_text(major, GSS_C_GSS_CODE).c_str());
    if (client != GSS_C_NO_NAME) gss_release_name(&minor, &client);
    state_->reset();
    out.status = BackendStatus::rejected;
    return out;
  }
  out.status = BackendStatus::ok;
  if (major & GSS_S_CONTINUE_NEEDED) return out;
  gss_buffer_desc name{0, nullptr};
  if (!GSS_ERROR(gss_display_name(&minor, client, &name, nullptr))) {
    out.principal.assign(static_cast<const char*>(name.value), name.length);
    gss_release_buffer(&minor, &name);
  }
  gss_release_name(&minor, &client);
  out.complete = !out.principal.empty();
  if (!out.complete) out.status = BackendStatus::rejected;
  return out;
}

}  // namespace gh
