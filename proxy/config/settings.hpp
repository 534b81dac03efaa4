// Everything in the main config that is not policy: listeners, admin, PAC,
// audit, limits. Listener addresses are read at start only; the rest is
// re-read on reload together with the RuleSet.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/millis.hpp"
#include "config/auth_settings.hpp"
#include "config/tls_intercept_settings.hpp"
#include "policy/endpoint.hpp"
#include "policy/ip_address.hpp"
#include "policy/types.hpp"

namespace gh {

struct ListenerSettings {
  Endpoint address;  // 127.0.0.1:3128, [::1]:3128, 0.0.0.0:3129 (port 0: any free port)
  Mode mode = Mode::forward;
  std::string name;  // audit `listener`; defaults to the mode's name
  bool proxy_protocol = false;
};

enum class FsyncPolicy : unsigned char { every, interval, never };
enum class OnFailure : unsigned char { block, allow };

// How rotated audit files are kept (README "Retention"): the live file never is compressed.
enum class AuditCompression : std::uint8_t { off, gzip, zstd };

struct AuditSettings {
  std::string path = "var/audit.jsonl";  // resolved against the config's directory
  FsyncPolicy fsync = FsyncPolicy::interval;
  Millis fsync_interval{1000};
  std::uint64_t rotate_max_bytes = 1ull << 30;
  AuditCompression rotate_compress = AuditCompression::off;
  OnFailure on_failure = OnFailure::block;
  bool redact_query = false;
  std::string syslog;  // "" = off; "udp://host:port" or "unix:///dev/log"
};

struct LimitSettings {
  Millis header_timeout{10'000};
  Millis idle_timeout{300'000};
  std::uint64_t max_header_bytes = 32 * 1024;
  std::uint32_t max_connections = 20'000;
  std::uint32_t max_connections_per_client = 512;
  Millis drain_timeout{30'000};
  Millis connect_timeout{10'000};       // upstream connect
  Millis client_hello_timeout{10'000};  // first bytes of a CONNECT tunnel
};

struct PacSettings {
  std::string proxy;  // "proxy.example.gov:3128"; empty = first forward listener
  std::vector<std::string> direct_domains;  // ".intranet.example.gov", "host.example"
  std::vector<Cidr> direct_networks;        // "10.0.0.0/8"
};

// The resolver block (README "Configuration", docs/resolver.md). Read at
// start only: a reload keeps the resolver it started with.
struct ResolverSettings {
  std::vector<std::string> servers;  // "127.0.0.1:5353", "[::1]:53"; empty = /etc/resolv.conf
  std::string hosts_file = "/etc/hosts";
  Millis timeout{5'000};              // one lookup, all tries and servers
  std::uint32_t max_per_client = 16;  // DNS lookups in flight per client address
  std::uint32_t cache_size = 10'000;  // names kept; 0 = no cache
  Millis negative_ttl{30'000};        // how long "no such name" is remembered
};

struct Settings {
  std::string config_path;                 // the main config file as given
  std::string config_dir;                  // its directory
  std::vector<std::string> watched_files;  // every file the config names (for reload)
  std::vector<ListenerSettings> listeners;
  std::optional<Endpoint> admin_address;  // none = no admin listener
  std::string user;                       // "" = do not drop privileges
  PacSettings pac;
  AuditSettings audit;
  LimitSettings limits;
  TlsInterceptSettings tls_intercept;
  ResolverSettings resolver;
  std::string block_page_contact;  // how to request approval (shown on the block page)
  // received-by of gatehouse's Via entry; a request already listing it is a
  // loop (README "Via and loops"). Default "<host name>:<first listener port>".
  std::string via_name;
  std::optional<AuthSettings> auth;  // README "Identity"; nullopt = nobody is asked
};

}  // namespace gh
