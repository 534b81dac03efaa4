#include <catch2/catch.hpp>

#include "admin/admin_http.hpp"
#include "prom_text.hpp"

using namespace gh;

namespace {

AdminRequest get(std::string target, http::verb verb = http::verb::get) {
  AdminRequest req{verb, target, 11};
  req.set(http::field::host, "admin");
  return req;
}

struct Fixture {
  Runtime rt;
  Metrics::AuditGauge audit;
  AdminContext ctx;
  Fixture() {
    ctx.runtime = &rt;
    ctx.pac = [](const Settings& s) {
      return "function FindProxyForURL(url, host) { return \"PROXY " + s.pac.proxy + "\"; }\n";
    };
    ctx.audit = [this] { return audit; };
  }
  void load() {
    auto s = std::make_shared<Settings>();
    s->pac.proxy = "proxy.example.gov:3128";
    rt.settings.store(s);
    rt.rules.store(std::make_shared<RuleSet>());
  }
};

}  // namespace

TEST_CASE("/healthz answers ok even before rules load") {
  Fixture f;
  auto res = admin_response(f.ctx, get("/healthz"));
  CHECK(res.result() == http::status::ok);
  CHECK(res.body() == "ok\n");
}

TEST_CASE("/readyz: 503 before rules, 200 after, 503 while audit failed or draining") {
  Fixture f;
  auto res = admin_response(f.ctx, get("/readyz"));
  CHECK(res.result() == http::status::service_unavailable);
  CHECK(res.body() == "not ready: no rules loaded\n");

  f.load();
  res = admin_response(f.ctx, get("/readyz"));
  CHECK(res.result() == http::status::ok);

  f.audit.failed = true;
  res = admin_response(f.ctx, get("/readyz"));
  CHECK(res.result() == http::status::service_unavailable);
  CHECK(res.body() == "not ready: audit log failing\n");

  f.audit.failed = false;
  CHECK(admin_response(f.ctx, get("/readyz")).result() == http::status::ok);
  f.rt.draining = true;
  CHECK(admin_response(f.ctx, get("/readyz")).result() == http::status::service_unavailable);
}

TEST_CASE("/metrics has the Prometheus content type and parses") {
  Fixture f;
  f.audit.seq = 42;
  auto res = admin_response(f.ctx, get("/metrics?x=1"));
  CHECK(res.result() == http::status::ok);
  CHECK(res[http::field::content_type] == "text/plain; version=0.0.4; charset=utf-8");
  auto p = prom::parse(res.body());
  CHECK(p.errors.empty());
  CHECK(p.value("gatehouse_audit_seq") == 42);
}

TEST_CASE("PAC on /proxy.pac and /wpad.dat with the PAC MIME type") {
  Fixture f;
  CHECK(admin_response(f.ctx, get("/proxy.pac")).result() ==
        http::status::not_found);  // no settings yet
  f.load();
  for (const char* path : {"/proxy.pac", "/wpad.dat", "/wpad.dat?v=2"}) {
    INFO(path);
    auto res = admin_response(f.ctx, get(path));
    CHECK(res.result() == http::status::ok);
    CHECK(res[http::field::content_type] == "application/x-ns-proxy-autoconfig");
    CHECK(res.body().find("PROXY proxy.example.gov:3128") != std::string::npos);
  }
  CHECK(is_pac_target("/proxy.pac"));
  CHECK_FALSE(is_pac_target("/proxy.pacx"));
  CHECK_FALSE(is_pac_target("/x/proxy.pac"));
}

TEST_CASE("HEAD gets headers only, other methods 405, unknown paths 404") {
  Fixture f;
  f.load();
  auto head = admin_response(f.ctx, get("/proxy.pac", http::verb::head));
  CHECK(head.result() == http::status::ok);
  CHECK(head.body().empty());
  CHECK(head[http::field::content_length] != "0");

  auto post = admin_response(f.ctx, get("/metrics", http::verb::post));
  CHECK(post.result() == http::status::method_not_allowed);
  CHECK(post[http::field::allow] == "GET, HEAD");

  CHECK(admin_response(f.ctx, get("/")).result() == http::status::not_found);
  CHECK(admin_response(f.ctx, get("/metricsx")).result() == http::status::not_found);
}
