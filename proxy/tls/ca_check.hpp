// `gatehouse check` on the interception CA (README "HTTPS interception"): errors for a
// key readable by group or others, a certificate that is not a CA, a key that
// does not match, an expired (or not yet valid) CA; a warning when it expires
// within 30 days. Each diagnostic points at the `ca_cert:` / `ca_key:` key of
// the config and names the file.
#pragma once

#include <sys/types.h>

#include <vector>

#include "config/diagnostic.hpp"
#include "config/tls_intercept_settings.hpp"
#include "policy/types.hpp"
#include "tls/ca_material.hpp"

namespace gh {

// The judgement alone, on material already read: no I/O, `now` given.
// `key_mode` is the key file's st_mode.
std::vector<Diagnostic> judge_ca(const TlsInterceptSettings& s, const CaMaterial& ca,
                                 mode_t key_mode, TimePoint now);

// Reads the files named by `s` and judges them; nothing if interception is off.
std::vector<Diagnostic> check_ca(const TlsInterceptSettings& s, TimePoint now);

}  // namespace gh
