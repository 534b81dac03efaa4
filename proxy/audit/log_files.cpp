#include "audit/log_files.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <system_error>

namespace gh {

namespace fs = std::filesystem;

LogPaths log_paths(const std::string& live) {
  LogPaths p;
  p.live = fs::path(live);
  p.dir = p.live.parent_path();
  if (p.dir.empty()) p.dir = ".";
  p.stem = p.live.stem().string();
  return p;
}

bool is_rotated_name(const std::string& stem, const std::string& name) {
  // <stem>-YYYYMMDDTHHMMSSZ.jsonl, or .jsonl.gz / .jsonl.zst once compressed
  constexpr std::string_view kShape = "-ddddddddTddddddZ.jsonl";
  std::size_t len = name.size();
  if (name.ends_with(".jsonl.gz"))
    len -= 3;
  else if (name.ends_with(".jsonl.zst"))
    len -= 4;
  if (len != stem.size() + kShape.size() || name.compare(0, stem.size(), stem) != 0) {
    return false;
  }
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    char c = name[stem.size() + i];
    char want = kShape[i];
    if (want == 'd' ? (c < '0' || c > '9') : c != want) return false;
  }
  return true;
}

std::vector<fs::path> rotated_files(const LogPaths& p) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(p.dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (is_rotated_name(p.stem, name)) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  // A crash between compressing a file and removing the plain one leaves
  // both, with the same records: the chain must see them once (the plain one).
  auto plain_of = [](const fs::path& f) {
    std::string s = f.string();
    return s.substr(0, s.rfind(".jsonl") + 6);
  };
  out.erase(
      std::unique(out.begin(), out.end(),
                  [&](const fs::path& a, const fs::path& b) { return plain_of(a) == plain_of(b); }),
      out.end());
  return out;
}

namespace {

std::string name_for(const LogPaths& p, std::chrono::sys_seconds t) {
  using namespace std::chrono;
  auto days = floor<std::chrono::days>(t);
  year_month_day ymd{days};
  hh_mm_ss hms{t - days};
  char buf[64];
  std::snprintf(buf, sizeof buf, "-%04d%02u%02uT%02d%02d%02dZ.jsonl", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return p.stem + buf;
}

}  // namespace

fs::path rotated_name(const LogPaths& p, TimePoint now) {
  using namespace std::chrono;
  auto t = floor<seconds>(now);
  // Names must sort after every existing rotated file, even if the clock
  // stepped back, so that "newest by name" stays the end of the chain.
  auto existing = rotated_files(p);
  std::string newest = existing.empty() ? std::string() : existing.back().filename().string();
  std::string name = name_for(p, t);
  if (name <= newest) {
    int y, mo, d, h, mi, s;
    if (std::sscanf(newest.c_str() + p.stem.size(), "-%4d%2d%2dT%2d%2d%2dZ", &y, &mo, &d, &h, &mi,
                    &s) == 6) {
      t = sys_days{year{y} / mo / d} + hours{h} + minutes{mi} + seconds{s + 1};
      name = name_for(p, t);
    }
  }
  return p.dir / name;
}

}  // namespace gh
