#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "audit/json_line.hpp"
#include "audit/json_text.hpp"
#include "test_util.hpp"

using namespace gh;

namespace {

std::string escaped(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string full_line(const AuditRecord& r, std::string prev = std::string(kZeroHash)) {
  std::string body;
  encode_body(r, body);
  chain_line(body, prev);
  return body;
}

}  // namespace

TEST_CASE("escaping of hostile strings", "[audit][json]") {
  CHECK(escaped("plain") == "\"plain\"");
  CHECK(escaped("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(escaped("\n\r\t\b\f") == "\"\\n\\r\\t\\b\\f\"");
  CHECK(escaped(std::string("\x00\x01\x1f\x7f", 4)) == "\"\\u0000\\u0001\\u001f\\u007f\"");
  CHECK(escaped("\xE2\x80\xA8|\xE2\x80\xA9") == "\"\\u2028|\\u2029\"");
  CHECK(escaped("caf\xC3\xA9 \xF0\x9F\x98\x80") == "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  // Invalid UTF-8: lone continuation, truncated sequence, overlong, surrogate, > U+10FFFF.
  CHECK(escaped("a\x80z") == "\"a\xEF\xBF\xBDz\"");
  CHECK(escaped("a\xE2\x82z") == "\"a\xEF\xBF\xBDz\"");
  CHECK(escaped("\xC0\xAF") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  CHECK(escaped("\xED\xA0\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  CHECK(escaped("\xF4\x90\x80\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  CHECK(escaped("end\xE2\x82") == "\"end\xEF\xBF\xBD\"");
}

TEST_CASE("every field round-trips, in the order of README 'The audit log'", "[audit][json]") {
  AuditRecord r = test::sample_record();
  r.ts = *parse_audit_time("2026-11-22T10:00:00.123Z");
  r.seq = 1841;
  r.id = "gh-5f1c2a-1841";
  r.user = "alice\"\\\n\x01\xE2\x80\xA8\xff";
  r.sni = "web.whatsapp.com";
  r.dest = "157.240.7.53:443";
  r.url = "http://x/\"<script>\u2029";
  std::string line = full_line(r);
  REQUIRE(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);  // one line whatever the strings hold
  auto j = nlohmann::json::parse(line);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  // nlohmann sorts keys; check the raw order instead.
  std::vector<std::string> order = {
      "ts",     "seq",    "event", "id",       "client", "department",  "user",     "listener",
      "method", "host",   "port",  "dest",     "sni",    "url",         "category", "app",
      "action", "reason", "rule",  "approval", "status", "intercepted", "prev",     "hash"};
  std::size_t pos = 0;
  for (const auto& k : order) {
    auto at = line.find("\"" + k + "\":", pos);
    INFO(k);
    REQUIRE(at != std::string::npos);
    pos = at;
  }
  CHECK(keys.size() == order.size());
  CHECK(line.rfind("{\"ts\":\"2026-11-22T10:00:00.123Z\",\"seq\":1841,\"event\":\"decision\","
                   "\"id\":\"gh-5f1c2a-1841\",\"client\":\"10.20.5.7:40000\",",
                   0) == 0);
  CHECK(j["user"] == "alice\"\\\n\x01\xE2\x80\xA8\xEF\xBF\xBD");
  CHECK(j["url"] == "http://x/\"<script>\u2029");
  CHECK(j["department"] == "immigration");
  CHECK(j["listener"] == "forward");
  CHECK(j["method"] == "CONNECT");
  CHECK(j["host"] == "web.whatsapp.com");
  CHECK(j["port"] == 443);
  CHECK(j["dest"] == "157.240.7.53:443");
  CHECK(j["sni"] == "web.whatsapp.com");
  CHECK(j["category"] == "instant-messaging-web");
  CHECK(j["app"] == "whatsapp-web");
  CHECK(j["action"] == "allow");
  CHECK(j["reason"] == "approved");
  CHECK(j["rule"] == "rules/categories/instant-messaging-web.yaml:6");
  CHECK(j["approval"] == "IMM-2026-014");
  CHECK(j["status"] == 200);
  CHECK(j["prev"] == std::string(kZeroHash));
  CHECK(!j.contains("ref"));  // close fields only on close events
  CHECK(line.find("\\u2028") != std::string::npos);
  CHECK(line.find("\\u2029") != std::string::npos);
}

TEST_CASE("nulls, close events and every action and reason", "[audit][json]") {
  AuditRecord r;
  r.event = AuditEvent::close;
  r.client = "[2001:db8::1]:5";
  r.listener = "edge-a";
  r.action = Action::deny;
  r.reason = Reason::upstream_unresolvable;
  r.ref = "gh-abc-7";
  r.bytes_up = 12345678901234ull;
  r.bytes_down = 0;
  r.duration_ms = 42;
  auto j = nlohmann::json::parse(full_line(r));
  for (const char* k : {"department", "user", "method", "host", "port", "dest", "sni", "url",
                        "category", "app", "rule", "approval", "status"}) {
    INFO(k);
    CHECK(j[k].is_null());
  }
  CHECK(j["event"] == "close");
  CHECK(j["ref"] == "gh-abc-7");
  CHECK(j["bytes_up"] == 12345678901234ull);
  CHECK(j["bytes_down"] == 0);
  CHECK(j["duration_ms"] == 42);
  for (int a = 0; a <= static_cast<int>(Action::deny); ++a) {
    r.action = static_cast<Action>(a);
    Action back;
    REQUIRE(parse_action(nlohmann::json::parse(full_line(r))["action"].get<std::string>(), back));
    CHECK(back == r.action);
  }
  for (std::size_t x = 0; x < kReasonCount; ++x) {
    r.reason = static_cast<Reason>(x);
    Reason back;
    REQUIRE(parse_reason(nlohmann::json::parse(full_line(r))["reason"].get<std::string>(), back));
    CHECK(back == r.reason);
  }
}

TEST_CASE("hash is SHA-256 over prev and the line up to ,\"prev\":", "[audit][json]") {
  std::string body = "{\"ts\":\"x\"";
  std::string prev(64, 'a');
  std::string hash = chain_line(body, prev);
  CHECK(body == "{\"ts\":\"x\",\"prev\":\"" + prev + "\",\"hash\":\"" + hash + "\"}\n");
  // Known answer: sha256("abc").
  CHECK(sha256_hex("ab", "c") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hash == sha256_hex(prev, "{\"ts\":\"x\""));
}

TEST_CASE("timestamps are RFC 3339 UTC with milliseconds", "[audit][json]") {
  auto t = parse_audit_time("2026-11-22T10:00:00.123Z");
  REQUIRE(t);
  CHECK(format_timestamp(*t) == "2026-11-22T10:00:00.123Z");
  CHECK(format_timestamp(*parse_audit_time("2026-11-22T12:30:00.5+02:30")) ==
        "2026-11-22T10:00:00.500Z");
  CHECK(format_timestamp(TimePoint{}) == "1970-01-01T00:00:00.000Z");
  CHECK(format_timestamp(*parse_audit_time("2000-02-29T23:59:59.999Z")) ==
        "2000-02-29T23:59:59.999Z");
  CHECK_FALSE(parse_audit_time("2026-11-22"));
  CHECK_FALSE(parse_audit_time("2026-02-30T00:00:00Z"));
  CHECK_FALSE(parse_audit_time("2026-11-22T10:00:00"));
  CHECK_FALSE(parse_audit_time("2026-11-22T10:00:00Zjunk"));
}

TEST_CASE("query redaction", "[audit][json]") {
  std::string u = "http://a.example/path?user=alice&token=s3cret#frag";
  redact_query(u);
  CHECK(u == "http://a.example/path");
  std::string v = "http://a.example/";
  redact_query(v);
  CHECK(v == "http://a.example/");
}
