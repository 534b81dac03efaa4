#include "tls/interceptor.hpp"

#include <stdexcept>

namespace gh {

Interceptor::Interceptor(std::shared_ptr<const CaMaterial> ca, const TlsInterceptSettings& s)
    : ca_(std::move(ca)),
      minter_(ca_, s.leaf_validity),
      cache_(minter_, s.leaf_cache, intercept_metrics()) {}

std::shared_ptr<Interceptor> Interceptor::create(const TlsInterceptSettings& s,
                                                 std::string& error) {
  CaLoad load = load_ca(s.ca_cert, s.ca_key);
  if (!load.ca) {
    error = load.error;
    return nullptr;
  }
  std::shared_ptr<Interceptor> ic;
  try {
    ic = std::make_shared<Interceptor>(load.ca, s);
  } catch (const std::exception& e) {
    error = e.what();
    return nullptr;
  }
  ContextResult client = make_client_facing_context(ic->minter_.key());
  ContextResult origin = make_origin_context(s.upstream_ca);
  if (!client.ctx || !origin.ctx) {
    error = client.ctx ? origin.error : client.error;
    return nullptr;
  }
  ic->client_facing_ = std::move(client.ctx);
  ic->origin_ = std::move(origin.ctx);
  return ic;
}

}  // namespace gh
