// README "Identity": LDAP bind and group search. Error texts never carry a
// password; the service password is read from its file at config load.
#include "auth/ldap_directory.hpp"

#include <ldap.h>
#include <sys/time.h>

#include <memory>

#include "auth/ldap_escape.hpp"
#include "base/log.hpp"

namespace gh {
namespace {

struct LdapDeleter {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
using LdapHandle = std::unique_ptr<LDAP, LdapDeleter>;

timeval to_timeval(std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  return tv;
}

LdapHandle open(const std::string& url, std::chrono::milliseconds timeout) {
  LDAP* raw = nullptr;
  if (ldap_initialize(&raw, url.c_str()) != LDAP_SUCCESS || !raw) return nullptr;
  LdapHandle ld(raw);
  int version = LDAP_VERSION3;
  ldap_set_option(raw, LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(raw, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  timeval tv = to_timeval(timeout);
  ldap_set_option(raw, LDAP_OPT_NETWORK_TIMEOUT, &tv);  // connect
  ldap_set_option(raw, LDAP_OPT_TIMEOUT, &tv);          // each synchronous operation
  return ld;
}

bool is_down(int rc) {
  return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT ||
         rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY || rc == LDAP_OTHER || rc == LDAP_LOCAL_ERROR;
}

int simple_bind(LDAP* ld, const std::string& dn, std::string_view password) {
  berval cred{};
  cred.bv_val = const_cast<char*>(password.data());
  cred.bv_len = password.size();
  return ldap_sasl_bind_s(ld, dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
}

// The service connection of this worker thread, bound once and reused.
thread_local LdapHandle t_service;
thread_local std::string t_service_key;

}  // namespace

std::string ldap_user_dn(const LdapBindSettings& s, std::string_view user) {
  if (s.user_dn.empty()) return {};
  return fill_template(s.user_dn, "user", user, escape_dn_value);
}

BackendStatus ldap_check_password(const LdapBindSettings& s, std::string_view user,
                                  std::string_view password, std::chrono::milliseconds timeout) {
  if (password.empty() || user.empty()) return BackendStatus::rejected;
  LdapHandle ld = open(s.url, timeout);
  if (!ld) return BackendStatus::unavailable;
  const int rc = simple_bind(ld.get(), ldap_user_dn(s, user), password);
  if (rc == LDAP_SUCCESS) return BackendStatus::ok;
  if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INVALID_DN_SYNTAX || rc == LDAP_NO_SUCH_OBJECT ||
      rc == LDAP_INAPPROPRIATE_AUTH || rc == LDAP_UNWILLING_TO_PERFORM)
    return BackendStatus::rejected;
  log(LogLevel::warning, "auth: LDAP bind at %s failed: %s", s.url.c_str(), ldap_err2string(rc));
  return BackendStatus::unavailable;
}

BackendStatus ldap_groups_of(const LdapGroupSettings& s, std::string_view user_dn,
                             std::string_view user, std::chrono::milliseconds timeout,
                             std::vector<std::string>& out) {
  out.clear();
  const std::string key = s.url + '\n' + s.bind_dn;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!t_service || t_service_key != key) {
      t_service = open(s.url, timeout);
      t_service_key = key;
      if (!t_service) return BackendStatus::unavailable;
      if (!s.bind_dn.empty()) {
        const int rc = simple_bind(t_service.get(), s.bind_dn, s.bind_password);
        if (rc != LDAP_SUCCESS) {
          log(LogLevel::warning, "auth: LDAP service bind as %s at %s failed: %s",
              s.bind_dn.c_str(), s.url.c_str(), ldap_err2string(rc));
          t_service.reset();
          return BackendStatus::unavailable;
        }
      }
    }
    std::string filter = fill_template(s.filter, "dn", user_dn, escape_filter_value);
    filter = fill_template(filter, "user", user, escape_filter_value);
    char attr_none[] = LDAP_NO_ATTRS;  // only the DNs are needed
    char* attrs[] = {attr_none, nullptr};
    timeval tv = to_timeval(timeout);
    LDAPMessage* res = nullptr;
    const int rc = ldap_search_ext_s(t_service.get(), s.base.c_str(), LDAP_SCOPE_SUBTREE,
                                     filter.c_str(), attrs, 0, nullptr, nullptr, &tv, 1000, &res);
    std::unique_ptr<LDAPMessage, int (*)(LDAPMessage*)> hold(res, ldap_msgfree);
    if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED || rc == LDAP_NO_SUCH_OBJECT) {
      for (LDAPMessage* e = ldap_first_entry(t_service.get(), res); e;
           e = ldap_next_entry(t_service.get(), e)) {
        if (char* dn = ldap_get_dn(t_service.get(), e)) {
          out.emplace_back(dn);
          ldap_memfree(dn);
        }
      }
      return BackendStatus::ok;
    }
    t_service.reset();  // a broken connection: one fresh try
    if (!is_down(rc) || attempt == 1) {
      log(LogLevel::warning, "auth: LDAP group search at %s failed: %s", s.url.c_str(),
          ldap_err2string(rc));
      return BackendStatus::unavailable;
    }
  }
  return BackendStatus::unavailable;
}

}  // namespace gh
