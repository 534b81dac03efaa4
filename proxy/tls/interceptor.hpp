// What a running proxy needs to decrypt a flow (README "HTTPS interception"): the CA,
// the leaf minter and its cache, and the two TLS contexts. Made once at start
// from the settings; the CA files are read then (a changed CA needs a restart;
// the selectors reload with the rules).
#pragma once

#include <memory>
#include <string>

#include "config/tls_intercept_settings.hpp"
#include "tls/leaf_cache.hpp"
#include "tls/tls_contexts.hpp"

namespace gh {

class Interceptor {
 public:
  // Null with `error` set if the CA cannot be read or a context cannot be made.
  static std::shared_ptr<Interceptor> create(const TlsInterceptSettings& s, std::string& error);

  LeafCache& leaves() noexcept { return cache_; }
  SSL_CTX* client_facing() const noexcept { return client_facing_.get(); }
  SSL_CTX* origin() const noexcept { return origin_.get(); }

  Interceptor(std::shared_ptr<const CaMaterial> ca, const TlsInterceptSettings& s);

 private:
  std::shared_ptr<const CaMaterial> ca_;
  LeafMinter minter_;
  LeafCache cache_;
  SslCtxPtr client_facing_;
  SslCtxPtr origin_;
};

}  // namespace gh
