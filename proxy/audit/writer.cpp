#include "audit/writer.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "audit/compression.hpp"
#include "audit/json_line.hpp"
#include "audit/json_text.hpp"
#include "audit/log_file.hpp"
#include "audit/log_tail.hpp"
#include "audit/syslog_sink.hpp"
#include "base/log.hpp"

namespace gh {
namespace {

using Steady = std::chrono::steady_clock;
using Done = std::function<void(const SubmitResult&)>;

constexpr std::size_t kMaxBatch = 4096;
constexpr auto kRetryEvery = std::chrono::seconds(1);

struct Item {
  AuditRecord rec;
  Done done;
};

std::string default_instance_id() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  auto now = Clock::now().time_since_epoch().count();
  std::string seed =
      std::string(host) + "/" + std::to_string(::getpid()) + "/" + std::to_string(now);
  return sha256_hex(seed, "").substr(0, 6);
}

std::string record_id(const std::string& instance, std::uint64_t seq) {
  return "gh-" + instance + "-" + std::to_string(seq);
}

void notify_done(const Done& done, const SubmitResult& r) {
  if (done) done(r);
}

}  // namespace

struct AuditWriter::Impl {
  AuditSettings settings;
  std::string instance;
  std::size_t capacity;
  AuditFile file;
  std::unique_ptr<SyslogSink> syslog;
  std::unique_ptr<AuditCompressor> compressor;  // rotated files, on a thread of its own

  // Shared with producers, under `m`.
  mutable std::mutex m;
  std::condition_variable cv_work;   // the writer waits for work
  std::condition_variable cv_space;  // producers wait for room in the queue
  std::condition_variable cv_flush;  // flush() waits for the writer
  std::deque<Item> queue;
  std::uint64_t next_seq = 1;
  bool failed = false;
  bool stopping = false;
  bool thread_done = false;
  bool rotate_requested = false;
  std::uint64_t flush_requested = 0, flush_completed = 0;
  // The write token: whoever holds it (the writer thread, or a producer
  // writing inline) alone touches the file and the chain below.
  bool writing = false;
  bool thread_waiting = false;  // the writer thread waits for the token
  bool inline_writes = false;
  Steady::time_point next_probe{};  // when failed: the next recovery probe
  AuditStats
      st;  // seq, records_written, write_errors, last_hash (queue_depth/failed filled on read)
  std::atomic<bool> failed_flag{false};

  // Writer thread only.
  std::string hash;               // the chain's head: hash of the last record on disk
  std::uint64_t seq_written = 0;  // seq of the last record on disk
  bool unsynced = false;
  Steady::time_point last_sync = Steady::now();
  Steady::time_point next_rotate_try{};
  std::vector<Item> inline_batch;   // the inline writer's batch
  std::string batch_buf, line_buf;  // write_batch's buffers
  Steady::time_point last_error_log{};
  std::thread thread;

  Impl(const AuditSettings& s, std::string inst, std::size_t cap)
      : settings(s), instance(std::move(inst)), capacity(cap), file(log_paths(s.path)) {}

  void run();
  // Waits (under `lk`) until no producer writes inline, then takes the token.
  void take_token(std::unique_lock<std::mutex>& lk);
  // One turn while the log has failed: answer flushes, probe for recovery.
  // False when stopping.
  bool failed_turn(std::unique_lock<std::mutex>& lk);
  // Under `m`: a producer may take the token and write the queue itself.
  bool may_write_inline() const {
    return inline_writes && !writing && !failed && !stopping && !rotate_requested &&
           flush_requested == flush_completed;
  }
  void write_inline(std::unique_lock<std::mutex>& lk);
  void write_batch(std::vector<Item>& batch);
  bool commit_segment(std::string& buf, std::vector<Item>& batch, std::size_t first,
                      std::size_t last, const std::string& head);
  void enter_failed(int err, const char* what, std::vector<Item>& batch, std::size_t from);
  void try_recover();
  void rotate_now(const char* why);
  void sync_if_needed(bool force);
  void log_error(int err, const char* what, bool refusing = true);
};

void AuditWriter::Impl::log_error(int err, const char* what, bool refusing) {
  auto now = Steady::now();
  if (now - last_error_log < kRetryEvery) return;  // once a second, not per record
  last_error_log = now;
  gh::log(LogLevel::error, "audit: %s %s: %s%s", what, file.paths().live.c_str(),
          std::strerror(err),
          refusing ? " (records are refused until writing works again)"
                   : " (still writing to the live file; retrying)");
}

void AuditWriter::Impl::enter_failed(int err, const char* what, std::vector<Item>& batch,
                                     std::size_t from) {
  std::deque<Item> pending;
  {
    std::lock_guard lk(m);
    failed = true;
    failed_flag = true;
    ++st.write_errors;
    // Seqs handed out but not written are taken back, so that the chain goes
    // on from the last record on disk without a gap.
    next_seq = seq_written + 1;
    st.seq = seq_written;
    pending.swap(queue);
    next_probe = Steady::now() + kRetryEvery;
  }
  cv_space.notify_all();
  cv_work.notify_one();  // the writer thread takes over the recovery probes
  log_error(err, what);
  SubmitResult refused;
  for (std::size_t i = from; i < batch.size(); ++i) notify_done(batch[i].done, refused);
  for (auto& it : pending) notify_done(it.done, refused);
}

void AuditWriter::Impl::try_recover() {
  {
    std::lock_guard lk(m);
    next_probe = Steady::now() + kRetryEvery;
  }
  int err = file.is_open() ? 0 : file.open();
  if (err == 0) err = file.probe();
  if (err != 0) {
    log_error(err, "still cannot write");
    return;
  }
  {
    std::lock_guard lk(m);
    failed = false;
    failed_flag = false;
  }
  gh::log(LogLevel::info, "audit: writing to %s works again; the chain continues after seq %llu",
          file.paths().live.c_str(), static_cast<unsigned long long>(seq_written));
}

void AuditWriter::Impl::rotate_now(const char* why) {
  if (file.size() == 0) return;  // nothing to ship: no empty rotated files
  std::string to;
  int err = file.rotate(Clock::now(), to);
  if (err == 0) {
    unsynced = false;
    last_sync = Steady::now();
    gh::log(LogLevel::info, "audit: rotated (%s) %s -> %s at seq %llu hash %s", why,
            file.paths().live.c_str(), to.c_str(), static_cast<unsigned long long>(seq_written),
            hash.c_str());
    if (compressor) compressor->enqueue(to);
    return;
  }
  next_rotate_try = Steady::now() + kRetryEvery;
  if (file.is_open() && to.empty()) {
    // The rename failed: keep writing to the live file, try again later.
    log_error(err, "cannot rotate", false);
    return;
  }
  std::vector<Item> none;
  enter_failed(err, "cannot open a new file after rotating", none, 0);
  file.close();
}

bool AuditWriter::Impl::commit_segment(std::string& buf, std::vector<Item>& batch,
                                       std::size_t first, std::size_t last,
                                       const std::string& head) {
  if (first == last) return true;
  std::uint64_t before = file.size();
  int err = file.append(buf);
  const char* what = "cannot write";
  if (err == 0 && settings.fsync == FsyncPolicy::every) {
    err = file.sync();
    what = "cannot sync";
    if (err != 0) file.truncate_to(before);  // not durable = not accepted
  }
  if (err != 0) {
    file.close();  // reopened (and cut back to `before`) by the recovery probe
    enter_failed(err, what, batch, first);
    return false;
  }
  if (settings.fsync == FsyncPolicy::every) {
    last_sync = Steady::now();
  } else {
    unsynced = true;
  }
  hash = head;
  seq_written = batch[last - 1].rec.seq;
  {
    std::lock_guard lk(m);
    st.records_written += last - first;
    st.last_hash = hash;
  }
  if (syslog) {
    std::string_view rest = buf;
    while (!rest.empty()) {
      auto nl = rest.find('\n');
      syslog->send(rest.substr(0, nl));
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    }
  }
  buf.clear();
  for (std::size_t i = first; i < last; ++i) {
    // The record is on disk: its id moves into the result, no copy.
    notify_done(batch[i].done, SubmitResult{true, batch[i].rec.seq, std::move(batch[i].rec.id)});
  }
  return true;
}

void AuditWriter::Impl::write_batch(std::vector<Item>& batch) {
  if (!file.is_open()) {
    enter_failed(EBADF, "no open file for", batch, 0);
    return;
  }
  // Reused across batches (the write token makes them ours alone).
  std::string& buf = batch_buf;
  std::string& line = line_buf;
  buf.clear();
  std::string head = hash;
  std::size_t first = 0;
  const std::uint64_t max_bytes = settings.rotate_max_bytes;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    AuditRecord& rec = batch[i].rec;
    rec.id = record_id(instance, rec.seq);
    if (settings.redact_query && rec.url) redact_query(*rec.url);
    line.clear();
    encode_body(rec, line);
    std::string next = chain_line(line, head);
    if (max_bytes > 0 && file.size() + buf.size() > 0 &&
        file.size() + buf.size() + line.size() > max_bytes && Steady::now() >= next_rotate_try) {
      if (!commit_segment(buf, batch, first, i, head)) return;
      first = i;
      rotate_now("size");
      if (!file.is_open()) {
        // rotate_now failed the queue; fail the rest of this batch too.
        SubmitResult refused;
        for (std::size_t k = i; k < batch.size(); ++k) notify_done(batch[k].done, refused);
        return;
      }
    }
    buf += line;
    head = std::move(next);
  }
  commit_segment(buf, batch, first, batch.size(), head);
}

void AuditWriter::Impl::sync_if_needed(bool force) {
  if (!unsynced || !file.is_open()) return;
  if (!force && (settings.fsync != FsyncPolicy::interval ||
                 Steady::now() - last_sync < settings.fsync_interval)) {
    return;
  }
  int err = file.sync();
  last_sync = Steady::now();
  if (err != 0) {
    // Already acknowledged records may be lost; refuse new ones until a probe succeeds.
    std::vector<Item> none;
    file.close();
    enter_failed(err, "cannot sync", none, 0);
    return;
  }
  unsynced = false;
}

void AuditWriter::Impl::take_token(std::unique_lock<std::mutex>& lk) {
  thread_waiting = true;
  cv_work.wait(lk, [&] { return !writing; });
  thread_waiting = false;
  writing = true;
}

bool AuditWriter::Impl::failed_turn(std::unique_lock<std::mutex>& lk) {
  cv_work.wait_until(lk, next_probe,
                     [&] { return stopping || flush_requested != flush_completed; });
  // Nothing is queued while failed: flushes are complete at once.
  flush_completed = flush_requested;
  cv_flush.notify_all();
  if (stopping) return false;
  if (Steady::now() >= next_probe) {
    take_token(lk);
    lk.unlock();
    try_recover();
    lk.lock();
    writing = false;
  }
  return true;
}

void AuditWriter::Impl::run() {
  std::vector<Item> batch;
  batch.reserve(kMaxBatch);
  const bool interval = settings.fsync == FsyncPolicy::interval;
  auto next_sync = Steady::now() + settings.fsync_interval;
  std::unique_lock lk(m);
  for (;;) {
    if (failed) {
      if (!failed_turn(lk)) break;
      continue;
    }
    auto ready = [&] {
      return !queue.empty() || stopping || rotate_requested || failed ||
             flush_requested != flush_completed;
    };
    if (interval) {
      // Wakes at least once per interval to sync what inline writers wrote.
      cv_work.wait_until(lk, next_sync, [&] { return ready() && !writing; });
    } else {
      cv_work.wait(lk, [&] { return ready() && !writing; });
    }
    take_token(lk);
    if (failed) {
      writing = false;
      continue;
    }
    std::size_t n = std::min(queue.size(), kMaxBatch);
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue.front()));
      queue.pop_front();
    }
    bool drained = queue.empty();
    std::uint64_t flush_gen = flush_requested;
    bool rotate = std::exchange(rotate_requested, false);
    bool stop = stopping && drained;
    lk.unlock();
    if (n > 0) cv_space.notify_all();

    if (!batch.empty()) write_batch(batch);
    batch.clear();
    if (rotate && !failed_flag) rotate_now("signal");
    const bool sync_due = interval && Steady::now() >= next_sync;
    sync_if_needed(sync_due || (drained && flush_gen != flush_completed));
    if (sync_due) next_sync = Steady::now() + settings.fsync_interval;

    lk.lock();
    writing = false;
    if (drained && flush_gen != flush_completed) {
      flush_completed = flush_gen;
      cv_flush.notify_all();
    }
    if (stop && queue.empty()) break;
  }
  // Stopping: no producer writes inline any more (submit refuses).
  take_token(lk);
  lk.unlock();
  sync_if_needed(true);
  file.close();
  gh::log(LogLevel::info, "audit: stopped at seq %llu hash %s",
          static_cast<unsigned long long>(seq_written), hash.c_str());
  lk.lock();
  thread_done = true;
  flush_completed = flush_requested;
  cv_flush.notify_all();
  cv_space.notify_all();
}

// A producer that finds the writer idle writes the queue itself: no thread
// hand-off and no wake-up per record. Called with `m` held and the token
// taken; returns with `m` released and the token given back. Syncing stays
// on the writer thread, so a producer never waits for the disk.
void AuditWriter::Impl::write_inline(std::unique_lock<std::mutex>& lk) {
  for (int round = 0; round < 4 && !queue.empty() && !failed && !stopping; ++round) {
    const bool was_full = queue.size() >= capacity;
    std::size_t n = std::min(queue.size(), kMaxBatch);
    for (std::size_t i = 0; i < n; ++i) {
      inline_batch.push_back(std::move(queue.front()));
      queue.pop_front();
    }
    lk.unlock();
    if (was_full) cv_space.notify_all();
    write_batch(inline_batch);
    inline_batch.clear();
    lk.lock();
  }
  writing = false;
  // Whatever the writer thread may be waiting for (its wait needs the token).
  const bool more = !queue.empty() || stopping || rotate_requested || failed ||
                    flush_requested != flush_completed || thread_waiting;
  lk.unlock();
  if (more) cv_work.notify_one();
}

AuditWriter::AuditWriter(const AuditSettings& settings, std::string instance_id,
                         std::size_t queue_capacity)
    : impl_(std::make_unique<Impl>(settings,
                                   instance_id.empty() ? default_instance_id() : instance_id,
                                   queue_capacity == 0 ? 1 : queue_capacity)) {
  // With RLIMIT_FSIZE a write past the limit must fail with EFBIG, not kill us.
  ::signal(SIGXFSZ, SIG_IGN);
  std::error_code ec;
  auto dir = impl_->file.paths().dir;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::system_error(ec, "audit: cannot create " + dir.string());
  ChainPosition pos = resume_chain(settings.path);
  // Finishes compressions a crash interrupted and takes the rotated files
  // still plain (README "Retention"); never touches the live file.
  impl_->compressor =
      std::make_unique<AuditCompressor>(impl_->file.paths(), settings.rotate_compress);
  impl_->hash = pos.hash;
  impl_->seq_written = pos.seq;
  impl_->next_seq = pos.seq + 1;
  impl_->st.seq = pos.seq;
  impl_->st.last_hash = pos.hash;
  if (int err = impl_->file.open()) {
    throw std::system_error(err, std::generic_category(), "audit: cannot open " + settings.path);
  }
  if (!settings.syslog.empty()) impl_->syslog = std::make_unique<SyslogSink>(settings.syslog);
  if (pos.from_file.empty()) {
    gh::log(LogLevel::info, "audit: new log %s (instance %s)", settings.path.c_str(),
            impl_->instance.c_str());
  } else {
    gh::log(LogLevel::info, "audit: %s continues the chain of %s at seq %llu hash %s (instance %s)",
            settings.path.c_str(), pos.from_file.c_str(), static_cast<unsigned long long>(pos.seq),
            pos.hash.c_str(), impl_->instance.c_str());
  }
  impl_->thread = std::thread([this] { impl_->run(); });
}

AuditWriter::~AuditWriter() { stop(); }

void AuditWriter::submit(AuditRecord record, std::function<void(const SubmitResult&)> done,
                         std::string* id_out) {
  push(std::move(record), std::move(done), id_out, false);
}

void AuditWriter::enqueue(AuditRecord record, std::function<void(const SubmitResult&)> done,
                          std::string* id_out) {
  push(std::move(record), std::move(done), id_out, true);
}

void AuditWriter::write_queued() {
  Impl& d = *impl_;
  std::unique_lock lk(d.m);
  if (!d.queue.empty() && d.may_write_inline()) {
    d.writing = true;
    d.write_inline(lk);
  }
  // Otherwise the token holder looks at the queue again before it lets go,
  // and without inline writes the writer thread was woken by push().
}

void AuditWriter::push(AuditRecord record, std::function<void(const SubmitResult&)> done,
                       std::string* id_out, bool defer) {
  Impl& d = *impl_;
  if (record.ts == TimePoint{}) record.ts = Clock::now();
  std::unique_lock lk(d.m);
  if (d.queue.size() >= d.capacity && !d.failed && !d.stopping) {
    // Backpressure: the proxy slows down rather than losing a record.
    d.cv_space.wait(lk, [&] { return d.queue.size() < d.capacity || d.failed || d.stopping; });
  }
  if (d.failed || d.stopping) {
    lk.unlock();
    if (id_out) id_out->clear();
    notify_done(done, SubmitResult{});
    return;
  }
  record.seq = d.next_seq++;
  d.st.seq = record.seq;
  // Before the record is queued: `done` may run (on another thread) at once.
  // The writer builds the same id from the seq.
  if (id_out) *id_out = record_id(d.instance, record.seq);
  d.queue.push_back(Item{std::move(record), std::move(done)});
  if (d.inline_writes && defer) return;  // write_queued() follows
  if (d.may_write_inline()) {
    d.writing = true;
    d.write_inline(lk);
    return;
  }
  // The writer thread sleeps only on an empty queue; a token holder
  // (inline writer) looks at the queue again before it lets go.
  bool wake = d.queue.size() == 1 && !d.writing;
  lk.unlock();
  if (wake) d.cv_work.notify_one();
}

void AuditWriter::enable_inline_writes() {
  std::lock_guard lk(impl_->m);
  // With fsync: every a record is acknowledged only once synced, which must
  // not happen on a producer's thread.
  impl_->inline_writes = impl_->settings.fsync != FsyncPolicy::every;
}

SubmitResult AuditWriter::submit_wait(AuditRecord record) {
  std::mutex m;
  std::condition_variable cv;
  bool ready = false;
  SubmitResult result;
  submit(std::move(record), [&](const SubmitResult& r) {
    std::lock_guard lk(m);
    result = r;
    ready = true;
    cv.notify_one();
  });
  std::unique_lock lk(m);
  cv.wait(lk, [&] { return ready; });
  return result;
}

void AuditWriter::rotate() {
  {
    std::lock_guard lk(impl_->m);
    impl_->rotate_requested = true;
  }
  impl_->cv_work.notify_one();
}

void AuditWriter::flush() {
  Impl& d = *impl_;
  std::unique_lock lk(d.m);
  if (d.thread_done) return;
  std::uint64_t gen = ++d.flush_requested;
  d.cv_work.notify_one();
  d.cv_flush.wait(lk, [&] { return d.flush_completed >= gen || d.thread_done; });
}

void AuditWriter::stop() {
  Impl& d = *impl_;
  {
    std::lock_guard lk(d.m);
    d.stopping = true;
  }
  d.cv_work.notify_one();
  d.cv_space.notify_all();
  if (d.thread.joinable()) d.thread.join();
  if (d.compressor) d.compressor->stop();  // a file in progress stays plain, resumed at start
}

bool AuditWriter::failed() const noexcept { return impl_->failed_flag.load(); }

AuditStats AuditWriter::stats() const {
  std::lock_guard lk(impl_->m);
  AuditStats s = impl_->st;
  s.queue_depth = impl_->queue.size();
  s.failed = impl_->failed;
  return s;
}

}  // namespace gh
