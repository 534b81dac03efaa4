// audit_probe() reports the writer's own state, as /metrics and /readyz use it.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>

#include "admin/audit_probe.hpp"

TEST_CASE("audit probe follows the writer's seq; a null writer reads as zeros") {
  CHECK(gh::audit_probe(nullptr)().seq == 0);
  CHECK_FALSE(gh::audit_probe(nullptr)().failed);

  char dir[] = "/tmp/gh-probe-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  {
    gh::AuditSettings s;
    s.path = std::string(dir) + "/audit.jsonl";
    s.fsync = gh::FsyncPolicy::never;
    gh::AuditWriter w(s, "test");
    auto probe = gh::audit_probe(&w);
    CHECK(probe().seq == 0);
    gh::AuditRecord r;
    r.event = gh::AuditEvent::decision;
    r.ts = gh::Clock::now();
    r.client = "127.0.0.1:1234";
    r.listener = "forward";
    r.action = gh::Action::allow;
    r.reason = gh::Reason::uncategorized;
    REQUIRE(w.submit_wait(r).accepted);
    REQUIRE(w.submit_wait(r).accepted);
    auto g = probe();
    CHECK(g.seq == 2);
    CHECK(g.write_errors == 0);
    CHECK_FALSE(g.failed);
    w.stop();
  }
  std::filesystem::remove_all(dir);
}
