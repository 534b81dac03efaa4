// The interception CA (README "HTTPS interception"): its certificate and private key,
// read from the PEM files `tls_intercept.ca_cert` / `ca_key` name.
#pragma once

#include <memory>
#include <string>

#include "tls/openssl_ptr.hpp"

namespace gh {

struct CaMaterial {
  X509Ptr cert;
  PkeyPtr key;
};

struct CaLoad {
  std::shared_ptr<const CaMaterial> ca;  // null on failure
  std::string error;                     // "cannot read certs/ca.key: Permission denied", ...
};

// Reads both files; does not judge them (ca_check.hpp does).
CaLoad load_ca(const std::string& cert_path, const std::string& key_path);

}  // namespace gh
