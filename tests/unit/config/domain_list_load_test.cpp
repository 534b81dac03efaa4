// include.domain_lists through load_config: the three formats, match:, and
// diagnostics with the list file's line and column.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "base_tree.hpp"
#include "config/load_context.hpp"
#include "policy/decide.hpp"
#include "unit/policy/homed_names.hpp"

using namespace gh;
using namespace gh::test;

namespace {

const char* kListMain =
    "listen:\n"
    "  - { address: \"127.0.0.1:3128\", mode: forward }\n"
    "include:\n"
    "  domain_lists:\n"
    "    - { file: \"lists/plain.txt\", category: feed, match: exact, on_error: reject }\n"  // 5
    "    - { file: \"lists/hosts.txt\", category: feed, match: exact, on_error: reject }\n"  // 6
    "    - { file: \"lists/squid.txt\", category: feed, match: exact }\n"                    // 7
    "    - { file: \"lists/suffix.txt\", category: feed, match: suffix }\n"                  // 8
    "policy:\n"
    "  categories: { feed: block }\n";

std::string classify(const RuleSet& r, std::string_view host) {
  auto hit = r.domains.lookup(host);
  return hit ? r.location(hit->value) : "-";
}

}  // namespace

TEST_CASE("three list formats and match:", "[config][lists]") {
  TempTree t;
  t.write("gatehouse.yaml", kListMain);
  t.write("lists/plain.txt", "# plain\nplain.example\n\nBÜCHER.example\n");
  t.write("lists/hosts.txt",
          "127.0.0.1 localhost\n0.0.0.0 ads.example\n0.0.0.0 a.example b.example\n");
  t.write("lists/squid.txt", ".squid.example\nexact.squid-x.example\n");
  t.write("lists/suffix.txt", "suffix.example\n");
  LoadResult res = load_config(t.path("gatehouse.yaml"), base_now());
  INFO(formatted(res));
  REQUIRE(res.ok());
  CHECK(res.diagnostics.empty());
  const RuleSet& r = *res.rules;
  const std::string dir = t.root() + "/lists/";
  CHECK(classify(r, "plain.example") == dir + "plain.txt:2");
  CHECK(classify(r, "www.plain.example") == "-");  // match: exact
  CHECK(classify(r, "xn--bcher-kva.example") == dir + "plain.txt:4");
  CHECK(classify(r, "ads.example") == dir + "hosts.txt:2");
  CHECK(classify(r, "b.example") == dir + "hosts.txt:3");
  CHECK(classify(r, "localhost") == "-");
  CHECK(classify(r, "squid.example") == dir + "squid.txt:1");  // leading dot: suffix anyway
  CHECK(classify(r, "deep.www.squid.example") == dir + "squid.txt:1");
  CHECK(classify(r, "www.exact.squid-x.example") == "-");
  CHECK(classify(r, "www.suffix.example") == dir + "suffix.txt:1");
  REQUIRE(r.categories.size() == 1);
  CHECK(r.categories[0].id == "feed");  // from policy.categories: a feed may bring its own
  CHECK(r.categories[0].action == Verdict::block);
  CHECK(r.entries.size() == 8);
  CHECK(r.sources.size() == 4);
  CHECK(res.settings->watched_files.size() == 5);
}

TEST_CASE("list diagnostics name the list's line and column (on_error: reject)",
          "[config][lists]") {
  TempTree t;
  t.write("gatehouse.yaml", kListMain);
  t.write("lists/plain.txt", "ok.example\n  bad_name.example\n.co.uk\nok.example\n");
  t.write("lists/hosts.txt", "0.0.0.0 fine.example\nfoo.example bar.example\n");
  t.write("lists/squid.txt", "\n");
  t.remove("lists/suffix.txt");
  LoadResult res = load_config(t.path("gatehouse.yaml"), base_now());
  std::string d = formatted(res);
  const std::string root = t.root() + "/";
  for (std::size_t p; (p = d.find(root)) != std::string::npos;) d.erase(p, root.size());
  CHECK(
      d ==
      "gatehouse.yaml:8:15: error: cannot read 'lists/suffix.txt': No such file or directory\n"
      "lists/plain.txt:2:3: error: bad domain 'bad_name.example': invalid character in host name\n"
      "lists/plain.txt:3:1: error: '.co.uk' is a public suffix; a rule must name a registrable "
      "domain or a host below one\n"
      "lists/plain.txt:4:1: warning: duplicate rule 'ok.example' (first at lists/plain.txt:1)\n"
      "lists/hosts.txt:2:13: error: expected one domain per line (or a hosts-file line), got "
      "'bar.example'\n");
  CHECK_FALSE(res.ok());
}

TEST_CASE("an unknown list category is an error at its name", "[config][lists]") {
  TempTree t;
  t.write("gatehouse.yaml",
          "listen:\n"
          "  - { address: \"127.0.0.1:3128\", mode: forward }\n"
          "include:\n"
          "  domain_lists:\n"
          "    - { file: \"l.txt\", category: nosuch, match: suffix }\n"
          "    - { file: \"l.txt\", category: nosuch, match: prefix }\n");
  t.write("l.txt", "a.example\n");
  LoadResult res = load_config(t.path("gatehouse.yaml"), base_now());
  REQUIRE(res.diagnostics.size() == 2);
  CHECK(res.diagnostics[0].format() ==
        t.path("gatehouse.yaml") +
            ":5:34: error: unknown category 'nosuch' (define it in a "
            "category file or give it an action in policy.categories)");
  CHECK(res.diagnostics[1].format() ==
        t.path("gatehouse.yaml") + ":6:49: error: expected suffix or exact, got 'prefix'");
}

TEST_CASE("on_error: skip (the default) drops bad lines with warnings and loads the rest",
          "[config][lists]") {
  TempTree t;
  t.write("gatehouse.yaml",
          "listen:\n"
          "  - { address: \"127.0.0.1:3128\", mode: forward }\n"
          "include:\n"
          "  domain_lists:\n"
          "    - { file: \"feed.txt\", category: feed, match: suffix }\n"
          "policy:\n"
          "  categories: { feed: block }\n");
  // 25 public suffixes (as a refreshed feed might carry), a bad name, good lines.
  std::string feed = "good.example\n";
  for (const char* ps : {"com.fr", "ga.us", "ru.net", "za.org", "co.uk"})
    for (int i = 0; i < 5; ++i) feed += std::string(ps) + "\n";
  feed += "bad_name.example\nalso-good.example\n";
  t.write("feed.txt", feed);
  LoadResult res = load_config(t.path("gatehouse.yaml"), base_now());
  INFO(formatted(res));
  REQUIRE(res.ok());  // the gateway starts
  const RuleSet& r = *res.rules;
  CHECK(r.skipped_list_lines == 26);
  CHECK(r.domains.lookup("www.good.example"));
  CHECK(r.domains.lookup("also-good.example"));
  CHECK_FALSE(r.domains.lookup("x.com.fr"));  // a public suffix is never applied
  CHECK_FALSE(r.domains.lookup("x.co.uk"));
  // 20 line warnings (the cap), one "more not shown", one total.
  std::size_t warnings = 0;
  for (const Diagnostic& d : res.diagnostics) warnings += d.severity == Severity::warning;
  CHECK(warnings == 22);
  const std::string f = t.path("feed.txt");
  CHECK(res.diagnostics[0].format() ==
        f + ":1:1: warning: 6 more skipped lines in this file not shown");
  CHECK(res.diagnostics[1].format() ==
        f + ":1:1: warning: 26 bad line(s) skipped in all (on_error: skip); the rest of the "
            "list applies");
  CHECK(res.diagnostics[2].format() ==
        f + ":2:1: warning: 'com.fr' is a public suffix; a rule must name a registrable domain "
            "or a host below one; line skipped (on_error: skip)");
}

namespace {

// 66 names of 253 bytes that crowd the matcher at every size under kCraftSeed.
std::vector<std::string> crowding_names() {
  std::mt19937_64 rng(29);
  return gh::testing::names_crowding_every_size(64, rng, true);
}

}  // namespace

TEST_CASE("a list crafted to crowd the matcher under a known seed loads and matches",
          "[config][lists]") {
  // Until the hash was keyed, every build used kCraftSeed and this list was
  // a load error: whoever wrote a feed could make every reload of it fail.
  // The loader's builder now draws its own seed.
  const std::vector<std::string> names = crowding_names();
  std::string list;
  for (const std::string& n : names) list += n + "\n";
  TempTree t;
  t.write("gatehouse.yaml", kListMain);
  t.write("lists/plain.txt", "\n");
  t.write("lists/hosts.txt", "\n");
  t.write("lists/squid.txt", "\n");
  t.write("lists/suffix.txt", list);
  LoadResult res = load_config(t.path("gatehouse.yaml"), base_now());
  INFO(formatted(res));
  REQUIRE(res.ok());
  for (const std::string& n : names) {  // 253 bytes: no host below them
    INFO(n);
    CHECK(res.rules->domains.lookup(n));
  }
}

TEST_CASE("a matcher build that throws is a load error, not a crash", "[config][lists]") {
  // The same names under the seed they were crafted against: the builder's
  // std::length_error must come back as a diagnostic (a reload that threw
  // would end the process).
  LoadContext ctx(base_now());
  ctx.domains = DomainMatcher::Builder{gh::testing::kCraftSeed};
  const std::vector<std::string> names = crowding_names();
  for (std::uint32_t i = 0; i < names.size(); ++i)
    REQUIRE_FALSE(ctx.domains.add(names[i], true, i));
  build_domain_matcher(ctx);
  REQUIRE(ctx.diags.size() == 1);
  CHECK(ctx.diags[0].severity == Severity::error);
  CHECK(ctx.diags[0].message.find("the domain lists: domain matcher: the rule names crowd one "
                                  "home line") == 0);
}
