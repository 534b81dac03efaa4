// The `via_name` key (README "Via and loops"): its default names the host and
// the first listener's port, an explicit value is checked like any key.
#include <catch2/catch.hpp>

#include <unistd.h>

#include "config/loader.hpp"
#include "unit/config/base_tree.hpp"

using namespace gh;
using namespace gh::test;

namespace {

LoadResult load_with(const std::string& extra) {
  TempTree t;
  write_base(t);
  t.write("gatehouse.yaml", std::string(kMain) + extra);
  return load_config(t.path("gatehouse.yaml"), base_now());
}

}  // namespace

TEST_CASE("via_name defaults to <host name>:<first listener port>") {
  LoadResult r = load_with("");
  INFO(formatted(r));
  REQUIRE(r.ok());
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  CHECK(r.settings->via_name == std::string(host) + ":3128");
}

TEST_CASE("an explicit via_name is taken as written") {
  for (const char* name : {"gw-1.example.gov", "gw1:3128", "[2001:db8::1]:3128", "edge_a~1"}) {
    INFO(name);
    LoadResult r = load_with(std::string("via_name: \"") + name + "\"\n");
    INFO(formatted(r));
    REQUIRE(r.ok());
    CHECK(r.settings->via_name == name);
  }
}

TEST_CASE("a via_name that is not a host or token is an error at its line") {
  for (const char* bad : {"two words", "a,b", "gw(1)", "\"\"", "[]"}) {
    INFO(bad);
    const std::string value =
        bad[0] == '"' || bad[0] == '[' ? std::string(bad) : "\"" + std::string(bad) + "\"";
    LoadResult r = load_with("via_name: " + value + "\n");
    CHECK_FALSE(r.ok());
    CHECK(formatted(r).find("gatehouse.yaml:11:11: error: ") != std::string::npos);
  }
}
