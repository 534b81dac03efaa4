// format: v2fly lists (README "Rule files"): the scanner on its own, then through
// load_config with files in that format written by the test.
#include <catch2/catch.hpp>

#include <vector>

#include "base_tree.hpp"
#include "config/v2fly.hpp"
#include "policy/decide.hpp"

using namespace gh;
using namespace gh::test;

namespace {

struct Scanned {
  std::vector<std::string> lines;     // "kind value [attrs] @line:col"
  std::vector<std::string> problems;  // "line:col message"
};

Scanned scan(std::string_view text) {
  Scanned s;
  static const char* kNames[] = {"domain", "full", "keyword", "regexp", "include"};
  scan_v2fly(
      text,
      [&](const V2flyLine& l) {
        s.lines.push_back(std::string(kNames[static_cast<int>(l.kind)]) + " " +
                          std::string(l.value) +
                          (l.attrs.empty() ? "" : " [" + std::string(l.attrs) + "]") + " @" +
                          std::to_string(l.line) + ":" + std::to_string(l.col));
      },
      [&](std::uint32_t line, std::uint32_t col, std::string m) {
        s.problems.push_back(std::to_string(line) + ":" + std::to_string(col) + " " + m);
      });
  return s;
}

const char* kV2flyMain =
    "listen:\n"                                                                            // 1
    "  - { address: \"127.0.0.1:3128\", mode: forward }\n"                                 // 2
    "include:\n"                                                                           // 3
    "  domain_lists:\n"                                                                    // 4
    "    - { file: \"data/storage\", category: feed, format: v2fly, attrs: [\"!cn\"] }\n"  // 5
    "policy:\n"                                                                            // 6
    "  categories: { feed: block }\n";                                                     // 7

std::string diags_of(const TempTree& t) {
  LoadResult r = load_config(t.path("gatehouse.yaml"), base_now());
  std::string out = formatted(r);
  const std::string root = t.root() + "/";
  for (std::size_t p; (p = out.find(root)) != std::string::npos;) out.erase(p, root.size());
  return out;
}

Request connect_to(std::string_view host) {
  Request q;
  q.client = *IpAddress::parse("127.0.0.1");
  q.connect = true;
  q.method = "CONNECT";
  q.host = host;
  q.port = 443;
  return q;
}

}  // namespace

TEST_CASE("v2fly scanner: types, tags, comments", "[config][v2fly]") {
  Scanned s = scan(
      "# Box\n"
      "box.com\n"
      "domain:box.net @cn # trailing comment\n"
      "full:app.box.com @ads @cn\n"
      "  keyword:boxcloud\n"
      "regexp:^dl[0-9]+\\.boxcdn\\.net$\n"
      "include:other @-cn\n"
      "a.com &some-list @tag\n"
      "\n");
  CHECK(s.problems.empty());
  CHECK(s.lines == std::vector<std::string>{
                       "domain box.com @2:1",
                       "domain box.net [@cn] @3:1",
                       "full app.box.com [@ads @cn] @4:1",
                       "keyword boxcloud @5:3",
                       "regexp ^dl[0-9]+\\.boxcdn\\.net$ @6:1",
                       "include other [@-cn] @7:1",
                       "domain a.com [&some-list @tag] @8:1",
                   });
  CHECK(has_attr("@ads @cn", "cn"));
  CHECK(has_attr("&x @cn", "cn"));
  CHECK_FALSE(has_attr("@cnx", "cn"));
  CHECK_FALSE(has_attr("", "cn"));
}

TEST_CASE("v2fly scanner: problems", "[config][v2fly]") {
  Scanned s = scan("host:a.com\nfull:\na.com cn\nb.com @\nc.com @c$n\n");
  CHECK(s.lines.empty());
  CHECK(s.problems ==
        std::vector<std::string>{
            "1:1 unknown rule type 'host' (use domain:, full:, keyword:, regexp: or include:)",
            "2:1 empty value after 'full:'", "3:7 expected '@tag' after the rule, got 'cn'",
            "4:7 expected '@tag' after the rule, got '@'",
            "5:7 expected '@tag' after the rule, got '@c$n'"});
}

TEST_CASE("tag filters", "[config][v2fly]") {
  AttrFilter f;
  REQUIRE(parse_attr_filter("!cn", f));
  CHECK((f.name == "cn" && f.negated));
  CHECK_FALSE(passes("@cn", f));
  CHECK(passes("@ads", f));
  REQUIRE(parse_attr_filter("-cn", f));
  CHECK(f.negated);
  REQUIRE(parse_attr_filter("cn", f));
  CHECK(passes("@cn", f));
  CHECK_FALSE(passes("", f));
  CHECK_FALSE(parse_attr_filter("", f));
  CHECK_FALSE(parse_attr_filter("!", f));
  CHECK_FALSE(parse_attr_filter("c n", f));
}

TEST_CASE("a v2fly list through load_config: includes, tags, regexes, keywords",
          "[config][v2fly]") {
  TempTree t;
  t.write("gatehouse.yaml", kV2flyMain);
  t.write("data/storage",
          "# storage\n"                         // 1
          "box.com\n"                           // 2
          "full:exact.example\n"                // 3
          "domain:cn-only.example @cn\n"        // 4
          "regexp:^dl[0-9]+\\.boxcdn\\.net$\n"  // 5
          "keyword:terabox\n"                   // 6
          "include:mega\n"                      // 7
          "include:mega\n");                    // 8: the same file again adds nothing
  t.write("data/mega", "mega.nz\nmega.app @cn\ninclude:more @ads\n");
  t.write("data/more", "ads.more.example @ads\nplain.more.example\n");
  LoadResult res = load_config(t.path("gatehouse.yaml"), base_now());
  INFO(formatted(res));
  REQUIRE(res.ok());
  CHECK(res.diagnostics.empty());
  const RuleSet& r = *res.rules;
  auto where = [&](std::string_view host) {
    Decision d = decide(r, connect_to(host), base_now());
    return d.rule == kNone ? std::string("-") : r.location(d.rule);
  };
  const std::string dir = t.root() + "/data/";
  CHECK(where("www.box.com") == dir + "storage:2");    // bare line: suffix
  CHECK(where("exact.example") == dir + "storage:3");  // full: exact
  CHECK(where("www.exact.example") == "-");
  CHECK(where("cn-only.example") == "-");                // attrs: ["!cn"]
  CHECK(where("dl12.boxcdn.net") == dir + "storage:5");  // regexp
  CHECK(where("boxcdn.net") == "-");
  CHECK(where("www.terabox.app") == dir + "storage:6");  // keyword
  CHECK(where("mega.nz") == dir + "mega:1");             // location: the included file
  CHECK(where("mega.app") == "-");                       // !cn applies through includes
  CHECK(where("ads.more.example") == dir + "more:1");    // include ... @ads keeps @ads only
  CHECK(where("plain.more.example") == "-");
  CHECK(decide(r, connect_to("dl12.boxcdn.net"), base_now()).action == Action::block);
  CHECK(r.host_patterns.size() == 2);
  CHECK(res.settings->watched_files.size() == 4);  // main, storage, mega, more
}

TEST_CASE("the domain table is asked before regexes and keywords", "[config][v2fly]") {
  TempTree t;
  t.write("gatehouse.yaml",
          "listen:\n"
          "  - { address: \"127.0.0.1:3128\", mode: forward }\n"
          "include:\n"
          "  categories: \"categories/*.yaml\"\n"
          "  domain_lists:\n"
          "    - { file: \"data/feed\", category: feed, format: v2fly }\n"
          "policy:\n"
          "  categories: { feed: block, news: allow }\n");
  t.write("categories/news.yaml",
          "category: news\napps:\n  - { id: drive-news, domains: [.drive-news.example] }\n");
  t.write("data/feed", "keyword:drive\n");
  LoadResult res = load_config(t.path("gatehouse.yaml"), base_now());
  INFO(formatted(res));
  REQUIRE(res.ok());
  const RuleSet& r = *res.rules;
  CHECK(decide(r, connect_to("www.drive-news.example"), base_now()).action == Action::allow);
  CHECK(decide(r, connect_to("drive.example"), base_now()).action == Action::block);
}

TEST_CASE("v2fly diagnostics: cycles, unreadable includes, bad lines, match:", "[config][v2fly]") {
  TempTree t;
  t.write("gatehouse.yaml", kV2flyMain);
  t.write("data/storage", "a.example\ninclude:loop\n");
  t.write("data/loop", "b.example\ninclude:storage\n");
  CHECK(diags_of(t) ==
        "data/loop:2:1: error: include cycle: data/storage -> data/loop -> data/storage\n");

  t.write("data/storage", "a.example\ninclude:missing\ninclude:../up\n");
  CHECK(diags_of(t) ==
        "data/storage:2:1: error: cannot read 'data/missing': No such file or directory\n"
        "data/storage:3:1: error: include:../up must name a file in the same directory\n");

  // Bad lines are skipped with warnings by default, errors under reject.
  t.write("data/storage", "a.example\nregexp:(unclosed\nfull:co.uk\nhost:x.example\n");
  CHECK(diags_of(t) ==
        "data/storage:1:1: warning: 3 bad line(s) skipped in all (on_error: skip); the rest of "
        "the list applies\n"
        "data/storage:2:1: warning: bad regex '(unclosed': missing ): (unclosed; line skipped "
        "(on_error: skip)\n"
        "data/storage:3:1: warning: 'co.uk' is a public suffix; a rule must name a registrable "
        "domain or a host below one; line skipped (on_error: skip)\n"
        "data/storage:4:1: warning: unknown rule type 'host' (use domain:, full:, keyword:, "
        "regexp: or include:); line skipped (on_error: skip)\n");
  std::string main = kV2flyMain;
  main.replace(main.find("attrs: [\"!cn\"]"), 14, "on_error: reject");
  t.write("gatehouse.yaml", main);
  CHECK(diags_of(t) ==
        "data/storage:2:1: error: bad regex '(unclosed': missing ): (unclosed\n"
        "data/storage:3:1: error: 'co.uk' is a public suffix; a rule must name a registrable "
        "domain or a host below one\n"
        "data/storage:4:1: error: unknown rule type 'host' (use domain:, full:, keyword:, "
        "regexp: or include:)\n");

  t.write("data/storage", "a.example\n");
  main = kV2flyMain;
  main.replace(main.find("attrs: [\"!cn\"]"), 14, "match: suffix");
  t.write("gatehouse.yaml", main);
  CHECK(diags_of(t) ==
        "gatehouse.yaml:5:69: error: format: v2fly lists need no match: (each line says it)\n");
  main = kV2flyMain;
  main.replace(main.find("format: v2fly, attrs: [\"!cn\"]"), 29, "match: suffix, attrs: [cn]");
  t.write("gatehouse.yaml", main);
  CHECK(diags_of(t) ==
        "gatehouse.yaml:5:69: error: attrs: filters the tags of a format: v2fly list\n");
}
