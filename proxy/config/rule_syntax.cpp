#include "config/rule_syntax.hpp"

#include <libpsl.h>

#include <cstdint>
#include <vector>

#include "config/domain_list.hpp"

namespace gh {
namespace {

// libpsl answers in about 0.7 us, too slow for a million-line feed. The
// rules of the list libpsl's built-in data was made from are hashed here:
// a name that is neither a rule (or exception) nor the child of a wildcard
// rule's parent cannot be a public suffix. A hash collision only costs a
// call to libpsl, which stays the authority; without the file every name
// goes to libpsl.
class SuffixPrefilter {
 public:
  SuffixPrefilter() {
    const char* file = psl_builtin_filename();
    std::string text;
    if (!file || !read_file(file, text)) return;
    std::vector<std::uint64_t> rules, wild;
    std::string canonical;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t eol = text.find('\n', pos);
      if (eol == std::string::npos) eol = text.size();
      std::string_view line(text.data() + pos, eol - pos);
      pos = eol + 1;
      line = line.substr(0, line.find_first_of(" \t\r"));
      if (line.empty() || line.starts_with("//")) continue;
      if (line.front() == '!') line.remove_prefix(1);
      const bool wildcard = line.starts_with("*.");
      if (wildcard) line.remove_prefix(2);
      if (canonicalize_host(line, canonical) != HostError::none) return;  // not usable
      (wildcard ? wild : rules).push_back(hash(canonical));
    }
    fill(rules_, rules);
    fill(wild_, wild);
    usable_ = !rules.empty();
  }

  bool may_be_suffix(std::string_view d) const {
    if (!usable_) return true;
    const std::size_t dot = d.find('.');
    if (dot == std::string_view::npos) return true;  // a single label: the "*" rule
    return contains(rules_, hash(d)) || contains(wild_, hash(d.substr(dot + 1)));
  }

 private:
  std::vector<std::uint64_t> rules_, wild_;  // open addressing, 0 = empty
  bool usable_ = false;

  static std::uint64_t hash(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    h ^= h >> 29;
    return h | 1;  // never 0
  }
  static void fill(std::vector<std::uint64_t>& table, const std::vector<std::uint64_t>& keys) {
    std::size_t size = 16;
    while (size < keys.size() * 2) size <<= 1;
    table.assign(size, 0);
    for (std::uint64_t k : keys) {
      std::size_t i = k & (size - 1);
      while (table[i] != 0 && table[i] != k) i = (i + 1) & (size - 1);
      table[i] = k;
    }
  }
  static bool contains(const std::vector<std::uint64_t>& table, std::uint64_t k) {
    const std::size_t mask = table.size() - 1;
    for (std::size_t i = k & mask;; i = (i + 1) & mask) {
      if (table[i] == k) return true;
      if (table[i] == 0) return false;
    }
  }
};

const SuffixPrefilter& prefilter() {
  static const SuffixPrefilter p;  // thread-safe static init
  return p;
}

}  // namespace

bool is_public_suffix(const std::string& canonical) noexcept {
  if (!prefilter().may_be_suffix(canonical)) return false;
  return psl_is_public_suffix(psl_builtin(), canonical.c_str()) != 0;
}

RuleCheck check_rule_domain(std::string_view body, std::string& out, PublicSuffixPolicy psl) {
  RuleCheck c;
  HostName info;
  if (!body.empty() && body.front() == '.') {  // "..a.com": canonicalize_host rejects, say why
    c.problem = RuleProblem::bad_host;
    c.host = HostError::empty_label;
    return c;
  }
  c.host = canonicalize_host(body, out, &info);
  if (c.host != HostError::none) {
    c.problem = RuleProblem::bad_host;
  } else if (info.is_ip) {
    c.problem = RuleProblem::ip_literal;
  } else if (psl == PublicSuffixPolicy::reject && is_public_suffix(out)) {
    c.problem = RuleProblem::public_suffix;
  }
  return c;
}

std::string describe(const RuleCheck& c, std::string_view as_written) {
  std::string w(as_written);
  switch (c.problem) {
    case RuleProblem::none:
      return {};
    case RuleProblem::bad_host:
      return "bad domain '" + w + "': " + std::string(to_string(c.host));
    case RuleProblem::ip_literal:
      return "'" + w + "' is an IP address, not a domain; list it under networks:";
    case RuleProblem::public_suffix:
      return "'" + w +
             "' is a public suffix; a rule must name a registrable domain or a host below one";
  }
  return {};
}

}  // namespace gh
