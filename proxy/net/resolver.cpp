#include "net/resolver.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "base/log.hpp"

namespace gh {
namespace {

using namespace std::chrono_literals;

// Longer TTLs are cut to this, so a changed record is seen within a day.
constexpr std::chrono::seconds kMaxTtl = 24h;
// The hosts file is looked at again (stat) at most this often.
constexpr std::chrono::nanoseconds kHostsRecheck = 2s;

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ResolveResult result_of(const AresAnswer& a) {
  switch (a.status) {
    case AresAnswer::Status::ok:
      return {ResolveStatus::ok, a.addresses};
    case AresAnswer::Status::timeout:
      return {ResolveStatus::timeout, {}};
    case AresAnswer::Status::no_such_name:
    case AresAnswer::Status::failed:
      break;
  }
  return {ResolveStatus::unresolvable, {}};
}

bool is_localhost(std::string_view host) {
  return host == "localhost" || host.ends_with(".localhost");
}

}  // namespace

Resolver::Resolver(const ResolverSettings& s)
    : settings_(s),
      cache_(s.cache_size),
      limit_(s.max_per_client, kMaxInFlight),
      hosts_(std::make_shared<const HostsTable>()),
      engine_(s) {
  engine_.set_on_answer([this](const std::string& n, const AresAnswer& a) { on_answer(n, a); });
  hosts();  // first read now, not on the first request
}

Resolver::~Resolver() { stop(); }

void Resolver::stop() { engine_.stop(); }

Resolver::Stats Resolver::stats() const noexcept {
  return {hosts_answers_.load(), cache_answers_.load(), engine_.queries_sent(), overloaded_.load()};
}

std::shared_ptr<const HostsTable> Resolver::hosts() {
  const std::int64_t now = steady_ns();
  std::int64_t last = hosts_checked_.load(std::memory_order_relaxed);
  if ((last == 0 || now - last >= kHostsRecheck.count()) &&
      hosts_checked_.compare_exchange_strong(last, now)) {
    struct stat st {};
    const std::int64_t mtime = ::stat(settings_.hosts_file.c_str(), &st) == 0
                                   ? st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec
                                   : -1;
    if (mtime != hosts_mtime_.exchange(mtime)) {
      std::ifstream in(settings_.hosts_file, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      auto table = std::make_shared<const HostsTable>(HostsTable::parse(text.str()));
      if (mtime < 0)
        log(LogLevel::warning, "resolver: cannot read hosts file %s", settings_.hosts_file.c_str());
      hosts_.store(std::move(table));
    }
  }
  return hosts_.load();
}

std::optional<ResolveResult> Resolver::answer_now(std::string_view host) {
  auto table = hosts();
  if (const auto* listed = table->find(host)) {
    ++hosts_answers_;
    return ResolveResult{ResolveStatus::ok, *listed};
  }
  if (is_localhost(host)) {  // RFC 6761 §6.3: never sent to DNS
    ++hosts_answers_;
    return ResolveResult{ResolveStatus::ok, {IpAddress::v4(0x7f000001), *IpAddress::parse("::1")}};
  }
  if (auto hit = cache_.find(host, std::chrono::steady_clock::now())) {
    ++cache_answers_;
    if (hit->addresses.empty()) return ResolveResult{ResolveStatus::unresolvable, {}};
    return ResolveResult{ResolveStatus::ok, std::move(hit->addresses)};
  }
  return std::nullopt;
}

void Resolver::on_answer(const std::string& name, const AresAnswer& a) {
  const auto now = std::chrono::steady_clock::now();
  if (a.status == AresAnswer::Status::ok)
    cache_.put(name, a.addresses, std::min(a.ttl, kMaxTtl), now);
  else if (a.status == AresAnswer::Status::no_such_name)
    cache_.put_negative(name, settings_.negative_ttl, now);
  // Time-outs and failures are not remembered: they say nothing of the name.
}

void Resolver::start(std::string host, const IpAddress& client, Millis timeout,
                     asio::any_io_executor ex, std::function<void(ResolveResult)> cb) {
  if (auto now = answer_now(host)) {
    asio::post(ex, [cb = std::move(cb), r = std::move(*now)]() mutable { cb(std::move(r)); });
    return;
  }
  LookupLimit::Slot slot = limit_.acquire(client);
  if (!slot) {
    ++overloaded_;
    asio::post(ex, [cb = std::move(cb)] { cb(ResolveResult{ResolveStatus::overloaded, {}}); });
    return;
  }

  // Whichever of answer and deadline comes first delivers; both on `ex`.
  struct State {
    explicit State(asio::any_io_executor e) : timer(std::move(e)) {}
    asio::steady_timer timer;
    bool finished = false;
    std::function<void(ResolveResult)> cb;
    LookupLimit::Slot slot;
  };
  auto st = std::make_shared<State>(ex);
  st->cb = std::move(cb);
  st->slot = std::move(slot);
  auto finish = [](State& s, ResolveResult r) {
    if (s.finished) return;
    s.finished = true;
    s.timer.cancel();
    s.slot.release();
    auto done = std::move(s.cb);
    done(std::move(r));
  };

  std::weak_ptr<State> weak = st;
  const std::uint64_t id = engine_.start(host, [ex, weak, finish](const AresAnswer& a) {
    asio::post(ex, [weak, finish, r = result_of(a)]() mutable {
      if (auto s = weak.lock()) finish(*s, std::move(r));
    });
  });
  st->timer.expires_after(std::min(timeout, settings_.timeout));
  st->timer.async_wait(
      [this, st, finish, id, host = std::move(host)](const boost::system::error_code& ec) {
        if (ec || st->finished) return;
        engine_.withdraw(host, id);
        finish(*st, ResolveResult{ResolveStatus::timeout, {}});
      });
}

}  // namespace gh
