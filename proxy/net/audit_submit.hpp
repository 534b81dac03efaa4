// Building audit records from decisions, and awaiting their write: a session
// never answers a client before the record of that answer is written (README "The audit log").
#pragma once

#include <chrono>
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

// The audit `dest` of an origin address: "ip:port", "[v6]:port" (docs/threat-model.md).
std::string endpoint_dest(const tcp::endpoint& ep);
// The audit `dest` of a connected origin socket (its peer, asked of the
// kernel), or null when the socket has no peer.
std::optional<std::string> dest_of(const tcp::socket& origin);

// A deny for which no rules-based decision exists (bad input, limits):
// department still resolved from the client when rules are available.
AuditRecord deny_record(const RuleSet* rules, const ConnInfo& c, Reason reason, int status);

// The close record of an allowed request or tunnel: `ref` is the id of its
// decision record; method, host, port and (when seen) SNI come from `req`.
AuditRecord close_record(const ConnInfo& c, std::string_view ref, const Request& req,
                         const Decision& d, std::optional<int> status, std::uint64_t bytes_up,
                         std::uint64_t bytes_down, std::chrono::steady_clock::time_point started);

// One audit write per event-loop turn: the first record queued in a turn
// posts write_queued() behind the handlers already queued on `ex`, so the
// records of every request handled in that turn share one write.
void schedule_audit_write(AuditWriter& writer, const asio::any_io_executor& ex);

// Queues a record nobody waits for (close records) into this turn's write.
void submit_detached(AuditWriter& writer, AuditRecord rec, const asio::any_io_executor& ex);

// The close record of a request or tunnel, on every listener: queued into
// this turn's write (no-op without an audit writer).
void submit_close(Runtime& rt, AuditRecord rec, const asio::any_io_executor& ex);

// Submits `rec` and resumes the calling coroutine, on its own executor, once
// the writer has written it (true) or refused it (false). `id_out` receives
// the record id before the coroutine suspends. One allocation per call: the
// handler and its executor, owned by the posted completion.
template <class Token>
auto async_audit(AuditWriter& writer, AuditRecord rec, std::string* id_out, Token&& token) {
  return asio::async_initiate<Token, void(bool)>(
      [&writer, id_out](auto handler, AuditRecord r) {
        using Handler = decltype(handler);
        struct Pending {
          Handler handler;
          asio::associated_executor_t<Handler> ex;
        };
        auto* p = new Pending{std::move(handler), {}};
        p->ex = asio::get_associated_executor(p->handler);
        // Once queued, `p` belongs to the completion, which may run (and free
        // it) on another thread at once: keep what is needed after enqueue().
        const auto ex = p->ex;
        // A raw pointer keeps the std::function within its small buffer.
        writer.enqueue(
            std::move(r),
            [p](const SubmitResult& res) {
              auto ex = p->ex;
              asio::post(ex, [own = std::unique_ptr<Pending>(p), ok = res.accepted]() mutable {
                std::move(own->handler)(ok);
              });
            },
            id_out);
        schedule_audit_write(writer, ex);
      },
      token, std::move(rec));
}

// Writes a record and reports whether it reached the log. A refused record
// with on_failure: allow still lets the request proceed.
// `rec` is taken by reference (it lives in the caller's frame until the
// coroutine resumes), which keeps this frame small.
asio::awaitable<bool> audit_and_wait(Runtime& rt, AuditRecord&& rec, std::string* id_out);

}  // namespace gh
