// The main config's `resolver:` block: defaults, values, and unknown or bad
// keys as file:line:col errors (README "Main config").
#include <catch2/catch.hpp>

#include "base_tree.hpp"

using namespace gh;
using namespace gh::test;

namespace {

LoadResult load_with(TempTree& t, const std::string& block) {
  write_base(t);
  t.write("gatehouse.yaml", std::string(kMain) + block);
  return load_config(t.path("gatehouse.yaml"), base_now());
}

std::string stripped(const TempTree& t, const LoadResult& r) {
  std::string out = formatted(r);
  const std::string root = t.root() + "/";
  for (std::size_t p; (p = out.find(root)) != std::string::npos;) out.erase(p, root.size());
  return out;
}

}  // namespace

TEST_CASE("resolver: defaults without the block", "[config][resolver]") {
  TempTree t;
  auto r = load_with(t, "");
  REQUIRE(r.ok());
  const ResolverSettings& s = r.settings->resolver;
  CHECK(s.servers.empty());
  CHECK(s.hosts_file == "/etc/hosts");
  CHECK(s.timeout == Millis(5000));
  CHECK(s.max_per_client == 16);
  CHECK(s.cache_size == 10000);
  CHECK(s.negative_ttl == Millis(30000));
}

TEST_CASE("resolver: every key read", "[config][resolver]") {
  TempTree t;
  auto r = load_with(t,
                     "resolver:\n"
                     "  servers: [\"127.0.0.1:5353\", \"::1\", \"192.0.2.53\"]\n"
                     "  hosts_file: hosts.test\n"
                     "  timeout: 2s\n"
                     "  max_per_client: 4\n"
                     "  cache_size: 0\n"
                     "  negative_ttl: 0s\n");
  INFO(stripped(t, r));
  REQUIRE(r.ok());
  const ResolverSettings& s = r.settings->resolver;
  CHECK(s.servers == std::vector<std::string>{"127.0.0.1:5353", "[::1]:53", "192.0.2.53:53"});
  CHECK(s.hosts_file == t.path("hosts.test"));
  CHECK(s.timeout == Millis(2000));
  CHECK(s.max_per_client == 4);
  CHECK(s.cache_size == 0);
  CHECK(s.negative_ttl == Millis(0));
}

TEST_CASE("resolver: unknown keys and bad values are located", "[config][resolver]") {
  TempTree t;
  auto r = load_with(t, "resolver:\n  server: [\"127.0.0.1\"]\n");
  CHECK_FALSE(r.ok());
  CHECK(stripped(t, r) ==
        "gatehouse.yaml:12:3: error: unknown key 'server' in resolver (did you mean "
        "'servers'?)\n");
  r = load_with(t, "resolver:\n  servers: [\"dns.example:53\"]\n  max_per_client: 0\n");
  CHECK_FALSE(r.ok());
  const std::string d = stripped(t, r);
  INFO(d);
  CHECK(d.find("gatehouse.yaml:12:13: error: bad resolver server 'dns.example:53'") !=
        std::string::npos);
  CHECK(d.find("gatehouse.yaml:13:19: error: expected a whole number from 1 to 100000") !=
        std::string::npos);
  r = load_with(t, "resolver:\n  timeout: 0s\n");
  CHECK(stripped(t, r) == "gatehouse.yaml:12:12: error: resolver.timeout must be positive\n");
}
