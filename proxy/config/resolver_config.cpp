// The main config's `resolver:` block (README "Configuration",
// docs/resolver.md). Every key is optional; servers default to
// /etc/resolv.conf's.
#include "config/load_context.hpp"

namespace gh {

void read_resolver_block(LoadContext& ctx, const std::string& file, const YAML::Node& n,
                         ResolverSettings& out) {
  MapView m(ctx, file, n,
            {"servers", "hosts_file", "timeout", "max_per_client", "cache_size", "negative_ttl"},
            "resolver");
  if (!m.ok()) return;
  if (const YAML::Node* s = m.get("servers");
      s && read_sequence(ctx, file, *s, "resolver.servers")) {
    for (const YAML::Node& item : *s) {
      std::string text;
      if (!read_string(ctx, file, item, text)) continue;
      // A bare address means port 53.
      if (auto ip = IpAddress::parse(text); ip && text.front() != '[')
        text = ip->is_v4() ? text + ":53" : "[" + text + "]:53";
      if (!valid_host_port(text, true)) {
        ctx.error(where(file, item), "bad resolver server '" + text +
                                         "' (use an IP address with an optional port, e.g. "
                                         "127.0.0.1:5353 or [::1]:53)");
        continue;
      }
      out.servers.push_back(std::move(text));
    }
  }
  if (const YAML::Node* h = m.get("hosts_file"); h && read_string(ctx, file, *h, out.hosts_file)) {
    if (out.hosts_file.empty())
      ctx.error(where(file, *h), "resolver.hosts_file must not be empty");
    else
      out.hosts_file = join_path(dir_of(file), out.hosts_file);  // relative: to the config
  }
  auto positive = [&](std::string_view key, Millis& v) {
    if (const YAML::Node* d = m.get(key); d && read_duration(ctx, file, *d, v) && v.count() == 0)
      ctx.error(where(file, *d), "resolver." + std::string(key) + " must be positive");
  };
  positive("timeout", out.timeout);
  if (const YAML::Node* d = m.get("negative_ttl")) read_duration(ctx, file, *d, out.negative_ttl);
  std::uint64_t v = 0;
  if (const YAML::Node* c = m.get("max_per_client"); c && read_uint(ctx, file, *c, 1, 100'000, v))
    out.max_per_client = static_cast<std::uint32_t>(v);
  if (const YAML::Node* c = m.get("cache_size"); c && read_uint(ctx, file, *c, 0, 10'000'000, v))
    out.cache_size = static_cast<std::uint32_t>(v);
}

}  // namespace gh
