#include "config/domain_list.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "policy/ip_address.hpp"

namespace gh {
namespace {

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

// Names that hosts files map to local addresses as boilerplate, not as blocks.
bool hosts_boilerplate(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 11> kNames{
      "localhost",     "localhost.localdomain", "local",        "broadcasthost",
      "ip6-localhost", "ip6-loopback",          "ip6-localnet", "ip6-mcastprefix",
      "ip6-allnodes",  "ip6-allrouters",        "ip6-allhosts"};
  for (std::string_view n : kNames)
    if (n == name) return true;
  return false;
}

bool could_be_address(std::string_view tok) noexcept {
  for (char c : tok) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                    c == '.' || c == ':' || c == '%';
    if (!ok) return false;
  }
  return true;
}

struct Token {
  std::string_view text;
  std::uint32_t col;
};

}  // namespace

std::size_t count_lines(std::string_view text) noexcept {
  std::size_t n = 0;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    ++n;
    if (!nl) break;
    p = static_cast<const char*>(nl) + 1;
  }
  return n;
}

void scan_domain_list(std::string_view text, bool default_suffix, const ListItemFn& on_item,
                      const ListProblemFn& on_problem) {
  const char* p = text.data();
  const char* end = p + text.size();
  std::uint32_t line = 0;
  while (p < end) {
    ++line;
    const char* nl =
        static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* eol = nl ? nl : end;
    const char* line_start = p;
    p = nl ? nl + 1 : end;

    // Up to three tokens are enough to tell the formats apart; the rest of a
    // hosts line is walked below.
    const char* q = line_start;
    const char* stop =
        static_cast<const char*>(std::memchr(q, '#', static_cast<std::size_t>(eol - q)));
    if (!stop) stop = eol;
    auto next_token = [&](Token& t) {
      while (q < stop && is_space(*q)) ++q;
      if (q >= stop) return false;
      const char* s = q;
      while (q < stop && !is_space(*q)) ++q;
      t.text = std::string_view(s, static_cast<std::size_t>(q - s));
      t.col = static_cast<std::uint32_t>(s - line_start) + 1;
      return true;
    };
    auto emit = [&](const Token& t) {
      ListItem item;
      item.line = line;
      item.col = t.col;
      item.body = t.text;
      item.suffix = default_suffix;
      if (!item.body.empty() && item.body.front() == '.') {
        item.body.remove_prefix(1);
        item.suffix = true;
      }
      on_item(item);
    };

    Token first;
    if (!next_token(first)) continue;  // blank or comment
    Token second;
    if (!next_token(second)) {
      emit(first);
      continue;
    }
    if (could_be_address(first.text) && IpAddress::parse(first.text)) {
      // hosts file: address then one or more names
      Token name = second;
      do {
        if (hosts_boilerplate(name.text) || IpAddress::parse(name.text)) continue;
        emit(name);
      } while (next_token(name));
      continue;
    }
    on_problem(line, second.col,
               "expected one domain per line (or a hosts-file line), got '" +
                   std::string(second.text) + "'");
  }
}

bool read_file(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    const int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
    ::close(fd);
    errno = e;
    return false;
  }
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  for (;;) {
    if (got == out.size()) out.resize(out.size() * 2 + 4096);  // file grew, or /proc-like
    const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      errno = e;
      return false;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  ::close(fd);
  return true;
}

}  // namespace gh
