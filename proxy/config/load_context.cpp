#include "config/load_context.hpp"

#include "policy/endpoint.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "config/domain_list.hpp"
#include "config/units.hpp"

namespace gh {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string scalar_text(const YAML::Node& n) { return n.IsScalar() ? n.Scalar() : std::string(); }

}  // namespace

LoadContext::LoadContext(TimePoint t)
    : now(t), rules(std::make_shared<RuleSet>()), settings(std::make_shared<Settings>()) {}

void LoadContext::report(Severity s, const Where& w, std::string message) {
  diags.push_back(Diagnostic{w.file, w.line, w.col, s, std::move(message)});
  file_rank_.try_emplace(w.file, static_cast<std::uint32_t>(file_rank_.size()));
}

std::uint32_t LoadContext::file_index(const std::string& shown) {
  file_rank_.try_emplace(shown, static_cast<std::uint32_t>(file_rank_.size()));
  auto it = std::find(rules->files.begin(), rules->files.end(), shown);
  if (it != rules->files.end()) return static_cast<std::uint32_t>(it - rules->files.begin());
  rules->files.push_back(shown);
  return static_cast<std::uint32_t>(rules->files.size() - 1);
}

void LoadContext::sort_diagnostics() {
  std::stable_sort(diags.begin(), diags.end(), [this](const Diagnostic& a, const Diagnostic& b) {
    const std::uint32_t ra = file_rank_[a.file], rb = file_rank_[b.file];
    if (ra != rb) return ra < rb;
    if (a.line != b.line) return a.line < b.line;
    return a.col < b.col;
  });
}

Where where(const std::string& file, const YAML::Mark& m) {
  if (m.is_null()) return Where{file, 1, 1};
  return Where{file, m.line + 1, m.column + 1};
}

Where where(const std::string& file, const YAML::Node& n) { return where(file, n.Mark()); }

std::string join_path(const std::string& dir, const std::string& rel) {
  namespace fs = std::filesystem;
  const fs::path r(rel);
  if (r.is_absolute() || dir.empty() || dir == ".") return r.lexically_normal().string();
  return (fs::path(dir) / r).lexically_normal().string();
}

std::string dir_of(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

std::optional<YAML::Node> load_yaml_file(LoadContext& ctx, const std::string& path,
                                         const Where* ref) {
  std::string text;
  if (!read_file(path, text)) {
    const std::string why = std::strerror(errno);
    ctx.error(ref ? *ref : Where{path, 1, 1}, "cannot read '" + path + "': " + why);
    return std::nullopt;
  }
  ctx.file_index(path);
  ctx.settings->watched_files.push_back(path);
  try {
    YAML::Node n = YAML::Load(text);
    return n;
  } catch (const YAML::Exception& e) {
    ctx.error(where(path, e.mark), e.msg);
    return std::nullopt;
  }
}

MapView::MapView(LoadContext& ctx, const std::string& file, const YAML::Node& node,
                 std::initializer_list<std::string_view> allowed, std::string_view what)
    : ctx_(ctx), file_(file), node_(node), what_(what) {
  if (!node.IsMap()) {
    ctx.error(where(file, node), std::string(what) + ": expected a mapping");
    return;
  }
  ok_ = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // A copy: `it->first` lives in a proxy that dies with the full-expression.
    const YAML::Node k = it->first;
    if (!k.IsScalar()) {
      ctx.error(where(file, k), std::string(what) + ": keys must be plain names");
      continue;
    }
    const std::string& key = k.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string msg = "unknown key '" + key + "' in " + std::string(what);
      std::string_view best;
      std::size_t best_d = 3;
      for (std::string_view a : allowed) {
        const std::size_t d = edit_distance(key, a);
        if (d < best_d) best_d = d, best = a;
      }
      if (!best.empty()) msg += " (did you mean '" + std::string(best) + "'?)";
      ctx.error(where(file, k), msg);  // reported; the known keys are still read
      continue;
    }
    if (get(key)) {
      ctx.error(where(file, k), "duplicate key '" + key + "' in " + std::string(what));
      continue;
    }
    items_.emplace_back(key, it->second);
  }
}

const YAML::Node* MapView::get(std::string_view key) const {
  for (const auto& [k, v] : items_)
    if (k == key) return &v;
  return nullptr;
}

const YAML::Node* MapView::require(std::string_view key) const {
  if (const YAML::Node* n = get(key)) return n;
  if (ok_ || node_.IsMap()) ctx_.error(at(), "missing key '" + std::string(key) + "' in " + what_);
  return nullptr;
}

bool read_string(LoadContext& ctx, const std::string& file, const YAML::Node& n, std::string& out) {
  if (!n.IsScalar()) {
    ctx.error(where(file, n), "expected a string");
    return false;
  }
  out = n.Scalar();
  return true;
}

bool read_bool(LoadContext& ctx, const std::string& file, const YAML::Node& n, bool& out) {
  const std::string s = scalar_text(n);
  if (s == "true" || s == "yes" || s == "on") {
    out = true;
    return true;
  }
  if (s == "false" || s == "no" || s == "off") {
    out = false;
    return true;
  }
  ctx.error(where(file, n), "expected true or false, got '" + s + "'");
  return false;
}

bool read_uint(LoadContext& ctx, const std::string& file, const YAML::Node& n, std::uint64_t min,
               std::uint64_t max, std::uint64_t& out) {
  const std::string s = scalar_text(n);
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || v < min || v > max) {
    ctx.error(where(file, n), "expected a whole number from " + std::to_string(min) + " to " +
                                  std::to_string(max) + ", got '" + s + "'");
    return false;
  }
  out = v;
  return true;
}

bool read_duration(LoadContext& ctx, const std::string& file, const YAML::Node& n, Millis& out) {
  const std::string s = scalar_text(n);
  if (!parse_duration(s, out)) {
    ctx.error(where(file, n), "bad duration '" + s + "' (use e.g. 500ms, 10s, 5m, 1h)");
    return false;
  }
  return true;
}

bool read_size(LoadContext& ctx, const std::string& file, const YAML::Node& n, std::uint64_t& out) {
  const std::string s = scalar_text(n);
  if (!parse_size(s, out)) {
    ctx.error(where(file, n), "bad size '" + s + "' (use bytes or e.g. 64KiB, 1MiB, 1GiB)");
    return false;
  }
  return true;
}

bool read_verdict(LoadContext& ctx, const std::string& file, const YAML::Node& n, Verdict& out) {
  const std::string s = scalar_text(n);
  if (!parse_verdict(s, out)) {
    ctx.error(where(file, n), "expected block, monitor or allow, got '" + s + "'");
    return false;
  }
  return true;
}

bool read_cidr(LoadContext& ctx, const std::string& file, const YAML::Node& n, Cidr& out) {
  const std::string s = scalar_text(n);
  auto c = Cidr::parse(s);
  if (!c) {
    ctx.error(where(file, n), "bad network '" + s + "' (use e.g. 10.0.0.0/8 or 2001:db8::/32)");
    return false;
  }
  // "10.1.2.3/8" is almost always a typo for a host or for 10.0.0.0/8: say so.
  const std::size_t slash = s.find('/');
  if (slash != std::string::npos) {
    auto base = IpAddress::parse(std::string_view(s).substr(0, slash));
    if (base && !(*base == c->base))
      ctx.warning(where(file, n),
                  "network '" + s + "' has host bits set; it means '" + c->to_string() + "'");
  }
  out = *c;
  return true;
}

bool read_sequence(LoadContext& ctx, const std::string& file, const YAML::Node& n,
                   std::string_view what) {
  if (n.IsSequence()) return true;
  ctx.error(where(file, n), std::string(what) + ": expected a list");
  return false;
}

bool valid_host_port(std::string_view text, bool ip_only) {
  return parse_endpoint(text, ip_only ? EndpointHost::ip_only : EndpointHost::name_or_ip)
      .has_value();
}

}  // namespace gh
