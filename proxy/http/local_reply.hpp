// Every answer gatehouse writes itself, on every listener: the block page,
// the error pages (400, 408, 431, 502, 503, 504, 508), the PAC file, the TLS
// alert of a refused tunnel and the silent close of a transparent refusal.
// One function owns, in this order: the audit record (written before the
// answer), the fail-closed rule (`audit.on_failure`), the metrics, then the
// page and its bytes (docs/architecture.md "Local replies").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/settings.hpp"
#include "net/asio.hpp"
#include "net/conn_info.hpp"
#include "policy/decide.hpp"
#include "runtime/runtime.hpp"

namespace gh {

// Where the bytes of a local reply go: the client's TCP stream, or (for an
// intercepted flow) its TLS stream.
class ReplySink {
 public:
  virtual ~ReplySink() = default;
  // Writes `head` then `body`; false when the client is gone or too slow.
  virtual asio::awaitable<bool> write(std::string_view head, std::string_view body) = 0;
};

// The plain client connection: send(2) at once, else asynchronously within
// the idle timeout.
class StreamSink final : public ReplySink {
 public:
  StreamSink(beast::tcp_stream& s, Millis idle) : stream_(s), idle_(idle) {}
  asio::awaitable<bool> write(std::string_view head, std::string_view body) override;
  void set_idle(Millis idle) { idle_ = idle; }

 private:
  beast::tcp_stream& stream_;
  Millis idle_;
};

// What the client is told, in the listener's terms.
enum class Wire : unsigned char {
  http,       // an HTTP response (forward and transparent-http listeners)
  tls_alert,  // a TLS access_denied alert (a tunnel refused at its ClientHello)
  none,       // nothing: the connection is closed (transparent, not TLS)
};

// The request and connection the reply belongs to. Snapshots, not owners.
struct ReplyContext {
  Runtime& rt;
  const RuleSet* rules;  // the request's snapshot; null only before rules exist
  const Settings& settings;
  const ConnInfo& conn;
  ReplySink* sink;  // null with Wire::none
};

struct LocalReply {
  int status = 403;  // HTTP status; 0: none sent (the record's status is null)
  Reason reason = Reason::bad_request;
  // A policy decision (its record, and for 403 the block page) or, when
  // null, a refusal without one (bad input, limits, upstream failures).
  const Decision* decision = nullptr;
  const Request* request = nullptr;  // what was asked: record fields, page host
  unsigned version = 11;             // of the client's request
  bool keep_alive = false;           // the connection may go on after it
  Wire wire = Wire::http;
  std::optional<std::string> dest;  // audit `dest`, when an origin was chosen
  std::string* id_out = nullptr;    // receives the record id (empty if none)
  // False for the answers of an allowed request whose decision is on record
  // already (a 502 after the origin broke off): its close record carries the status.
  bool audit = true;
  bool intercepted = false;  // audit `intercepted`: the flow is decrypted (a block page over TLS)
  std::string_view detail;   // replaces the reason's standard page text
  // Fields the answer needs beyond the standard ones (Proxy-Authenticate,
  // Retry-After), in order.
  std::vector<std::pair<std::string_view, std::string>> fields;
};

// Audits, counts and answers. True when the answer was written and the
// connection may go on (`keep_alive` and no fail-closed 503).
asio::awaitable<bool> reply(ReplyContext ctx, LocalReply r);

// The reply to a policy decision `d` (not an allow) on `req`.
inline LocalReply refusal_of(const Decision& d, const Request& req, int status) {
  LocalReply r;
  r.status = status;
  r.reason = d.reason;
  r.decision = &d;
  r.request = &req;
  return r;
}

// A policy refusal: 403 gets the block page; other statuses (the 502 of a
// refused origin, 508) their error page.
inline asio::awaitable<bool> reply_refusal(ReplyContext ctx, const Decision& d, const Request& req,
                                           int status, unsigned version, bool keep_alive) {
  LocalReply r = refusal_of(d, req, status);
  r.version = version;
  r.keep_alive = keep_alive;
  return reply(ctx, std::move(r));
}

// A refusal without an HTTP answer: the TLS alert of a tunnel refused at its
// ClientHello, or a close. The record's status is null.
inline asio::awaitable<bool> reply_silently(ReplyContext ctx, const Decision& d, const Request& req,
                                            Wire wire, const std::optional<std::string>& dest) {
  LocalReply r = refusal_of(d, req, 0);
  r.wire = wire;
  r.dest = dest;
  return reply(ctx, std::move(r));
}

// A refusal without a policy decision (bad input, timeouts, limits).
inline asio::awaitable<bool> reply_error(ReplyContext ctx, Reason reason, int status,
                                         unsigned version) {
  LocalReply r;
  r.status = status;
  r.reason = reason;
  r.version = version;
  return reply(ctx, std::move(r));
}

// The 503 of a failed audit log with on_failure: block: no record can be
// written, so none is tried; counted once, logged at most once a second.
asio::awaitable<void> reply_audit_unavailable(ReplyContext ctx, unsigned version,
                                              Wire wire = Wire::http);

// A document served, not decided (the PAC file): no record.
asio::awaitable<bool> reply_document(ReplyContext ctx, unsigned version, std::string body,
                                     std::string_view content_type, bool keep_alive);

// True when the audit log has failed and on_failure is block: the request
// must get reply_audit_unavailable() (nothing is counted here).
bool audit_refuses(const Runtime& rt, const Settings& settings) noexcept;

// The status and page text of a reason answered without the block page.
struct StatusText {
  int status;
  std::string_view title;
  std::string_view detail;
};
StatusText status_text(Reason r) noexcept;

}  // namespace gh
