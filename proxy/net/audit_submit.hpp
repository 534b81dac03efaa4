// Building audit records from decisions, and awaiting their write: a session
// never answers a client before the record of that answer is written (SPEC §7).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "audit/record.hpp"
#include "audit/writer.hpp"
#include "net/asio.hpp"
#include "net/conn_info.hpp"
#include "policy/decide.hpp"

namespace gh {

struct Runtime;

// The decision record of one request, names resolved against `rules`.
// `url` is recorded without its query string when `redact_query` is set.
AuditRecord decision_record(const RuleSet& rules, const Decision& d, const ConnInfo& c,
                            const Request& req, std::optional<int> status, bool redact_query);

// A deny for which no rules-based decision exists (bad input, limits):
// department still resolved from the client when rules are available.
AuditRecord deny_record(const RuleSet* rules, const ConnInfo& c, Reason reason, int status);

// Submits `rec` and resumes the calling coroutine, on its own executor, once
// the writer has written it (or refused it). `id_out` receives the record id
// before the coroutine suspends.
template <class Token>
auto async_audit(AuditWriter& writer, AuditRecord rec, std::string* id_out, Token&& token) {
  return asio::async_initiate<Token, void(SubmitResult)>(
      [&writer, id_out](auto handler, AuditRecord r) {
        auto ex = asio::get_associated_executor(handler);
        // std::function needs a copyable callable; the handler is move-only.
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        writer.submit(
            std::move(r),
            [h, ex](const SubmitResult& res) { asio::post(ex, [h, res]() mutable { (*h)(res); }); },
            id_out);
      },
      token, std::move(rec));
}

// True when the audit log is failed and on_failure is block: the request
// must get a 503 that cannot be audited (counted, logged at most once/s).
bool audit_blocks_requests(Runtime& rt);

// Writes a record and reports whether it reached the log. A refused record
// with on_failure: allow still lets the request proceed.
asio::awaitable<bool> audit_and_wait(Runtime& rt, AuditRecord rec, std::string* id_out);

}  // namespace gh
