// The audit writer: a dedicated thread fed by a bounded queue, writing JSON
// Lines in batches (group commit), chaining every record with SHA-256.
// Records are never dropped: when the queue is full, submit() waits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "audit/record.hpp"
#include "config/settings.hpp"

namespace gh {

struct SubmitResult {
  bool accepted = false;  // false: writer failed (or stopped); the record is not on disk
  std::uint64_t seq = 0;
  std::string id;
};

struct AuditStats {
  std::uint64_t seq = 0;  // last seq assigned
  std::uint64_t queue_depth = 0;
  std::uint64_t write_errors = 0;
  std::uint64_t records_written = 0;
  bool failed = false;
  std::string last_hash;
};

class AuditWriter {
 public:
  // Opens (or continues) the log at settings.path: reads the tail of the
  // newest file to continue seq and the chain. Throws std::runtime_error on
  // an unusable path at start. `queue_capacity` bounds the records waiting
  // for the writer thread (backpressure beyond it).
  explicit AuditWriter(const AuditSettings& settings, std::string instance_id = {},
                       std::size_t queue_capacity = kDefaultQueueCapacity);
  static constexpr std::size_t kDefaultQueueCapacity = 65536;
  ~AuditWriter();  // stop(): flushes everything
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;

  // Assigns seq and id now (returned at once through `id_out` if not null) and
  // calls `done` on the writer thread once the record is written (and synced
  // when fsync is `every`), or not accepted. `done` must be cheap and must not
  // block (post to an executor). Blocks the caller while the queue is full.
  void submit(AuditRecord record, std::function<void(const SubmitResult&)> done,
              std::string* id_out = nullptr);

  // Lets a producer that finds the writer idle write the queued records
  // itself (group commit without a thread hand-off). Syncs, rotation on
  // signal and recovery stay on the writer thread. No effect with fsync:
  // every, whose syncs must never run on a producer (event loop) thread.
  void enable_inline_writes();

  // Like submit(), but with inline writes on it only queues the record: the
  // caller calls write_queued() soon after (an event loop does once per turn,
  // so the records of every request it handled in that turn share one write).
  void enqueue(AuditRecord record, std::function<void(const SubmitResult&)> done,
               std::string* id_out = nullptr);
  // Writes the queued records on this thread if no one else is writing.
  void write_queued();

  // Synchronous convenience for tools and tests: waits until written.
  SubmitResult submit_wait(AuditRecord record);

  void rotate();  // SIGUSR1: close the live file, rename it by time, start a new one
  void flush();   // wait until everything queued so far is written and synced
  void stop();    // flush and end the thread; idempotent

  bool failed() const noexcept;
  AuditStats stats() const;

 private:
  void push(AuditRecord record, std::function<void(const SubmitResult&)> done, std::string* id_out,
            bool defer);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gh
