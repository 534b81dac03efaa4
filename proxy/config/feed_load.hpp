// Internal to config/: what loading one include.domain_lists entry shares
// between the plain and v2fly formats — bad lines under on_error (README "Rule files"),
// the per-file report cap, rule sources, domain and host-pattern entries.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "config/load_context.hpp"

namespace gh {

class FeedLoad {
 public:
  FeedLoad(LoadContext& ctx, const DomainListSpec& spec, std::uint32_t category);

  // A line that cannot be a rule: an error under on_error: reject; under
  // skip (the default) a warning, and the line is dropped and counted.
  void bad_line(const std::string& file, std::uint32_t line, std::uint32_t col, std::string msg);
  // A problem with the feed's structure (include cycle, unreadable include):
  // always an error.
  void error(const std::string& file, std::uint32_t line, std::uint32_t col, std::string msg);
  // Registers `file` (shown in locations, watched for reload) and returns a new RuleSource.
  std::uint32_t source_for(const std::string& file);
  // `body` without its leading dot; `written` as the user wrote it, for messages.
  void add_domain(std::uint32_t source, const std::string& file, std::uint32_t line,
                  std::uint32_t col, std::string_view body, bool suffix, std::string_view written);
  void add_regex(std::uint32_t source, const std::string& file, std::uint32_t line,
                 std::uint32_t col, std::string_view pattern);
  void add_keyword(std::uint32_t source, const std::string& file, std::uint32_t line,
                   std::uint32_t col, std::string_view keyword);
  // "N more ... not shown" for every file over the cap, and the skipped count.
  void finish();

 private:
  struct Counts {
    std::size_t reports = 0, skipped = 0, duplicates = 0;
  };
  LoadContext& ctx_;
  RuleSet& r_;
  const DomainListSpec& spec_;
  std::uint32_t category_;
  std::string canonical_;
  std::map<std::string, Counts> counts_;  // by file (diagnostics are sorted later)
};

// format: v2fly (config/v2fly_loader.cpp).
void load_v2fly_list(LoadContext& ctx, FeedLoad& feed, const DomainListSpec& spec);

}  // namespace gh
