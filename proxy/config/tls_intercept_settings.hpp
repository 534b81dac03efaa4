// The `tls_intercept` block (README "HTTPS interception") that is not policy: the
// CA files, the origin trust anchors and the leaf parameters. The selectors
// (inspect, never, policy.headers) are policy and live in RuleSet::intercept.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace gh {

// Where a key was written, so that `check` can point at `ca_cert:` / `ca_key:`.
struct ConfigPosition {
  std::string file;
  int line = 0;
  int col = 0;
};

struct TlsInterceptSettings {
  bool enabled = false;  // `tls_intercept: off` (the default) keeps part one's behaviour
  std::string ca_cert;   // resolved against the config's directory
  std::string ca_key;
  ConfigPosition ca_cert_at;
  ConfigPosition ca_key_at;
  bool block_pages = true;
  std::string upstream_ca;  // "" = the system store; else a PEM file of trust anchors
  ConfigPosition upstream_ca_at;
  std::chrono::seconds leaf_validity{7 * 24 * 3600};
  std::uint32_t leaf_cache = 10'000;  // minted leaves kept (LRU)
};

}  // namespace gh
