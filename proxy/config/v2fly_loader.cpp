// format: v2fly domain lists (README "Rule files"): `include:` followed within the
// list's directory, tag filters from the list entry and from include lines,
// domain:/full: into the domain table, regexp:/keyword: into HostPatterns.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "config/domain_list.hpp"
#include "config/feed_load.hpp"

namespace gh {
namespace {

// Bounds on what one list may pull in (each file is read whole).
constexpr std::size_t kMaxIncludeDepth = 16;
constexpr std::size_t kMaxFilesPerList = 1024;

struct Frame {
  std::string path;
  std::vector<AttrFilter> filters;  // the list entry's, then each include line's
};

class V2flyLoad {
 public:
  V2flyLoad(LoadContext& ctx, FeedLoad& feed) : ctx_(ctx), feed_(feed) {}

  // Loads `path`; `ref` is where it was named (the include line, or the list entry).
  void load(const Frame& frame, const Where& ref) {
    std::string key = frame.path;
    for (const AttrFilter& f : frame.filters) key += (f.negated ? " !" : " ") + f.name;
    // A file reached twice with the same filters (a diamond, not a cycle) adds nothing new.
    if (std::find(done_.begin(), done_.end(), key) != done_.end()) return;
    if (done_.size() >= kMaxFilesPerList) {
      ctx_.error(ref,
                 "more than " + std::to_string(kMaxFilesPerList) + " files included by one list");
      return;
    }
    done_.push_back(key);
    std::string text;
    if (!read_file(frame.path, text)) {
      ctx_.error(ref, "cannot read '" + frame.path + "': " + std::strerror(errno));
      return;
    }
    stack_.push_back(frame.path);
    const std::uint32_t source = feed_.source_for(frame.path);
    const std::string dir = dir_of(frame.path);
    std::vector<std::pair<V2flyLine, std::string>> includes;  // followed after this file
    auto on_line = [&](const V2flyLine& l) {
      for (const AttrFilter& f : frame.filters)
        if (l.kind != V2flyKind::include && !passes(l.attrs, f)) return;
      switch (l.kind) {
        case V2flyKind::domain:
          feed_.add_domain(source, frame.path, l.line, l.col, l.value, true, l.value);
          break;
        case V2flyKind::full:
          feed_.add_domain(source, frame.path, l.line, l.col, l.value, false, l.value);
          break;
        case V2flyKind::regexp:
          feed_.add_regex(source, frame.path, l.line, l.col, l.value);
          break;
        case V2flyKind::keyword:
          feed_.add_keyword(source, frame.path, l.line, l.col, l.value);
          break;
        case V2flyKind::include:
          includes.emplace_back(l, std::string(l.value));
          break;
      }
    };
    auto on_problem = [&](std::uint32_t line, std::uint32_t col, std::string msg) {
      feed_.bad_line(frame.path, line, col, std::move(msg));
    };
    scan_v2fly(text, on_line, on_problem);
    for (const auto& [l, name] : includes) follow(frame, dir, l, name);
    stack_.pop_back();
  }

 private:
  void follow(const Frame& from, const std::string& dir, const V2flyLine& l,
              const std::string& name) {
    const Where at{from.path, static_cast<int>(l.line), static_cast<int>(l.col)};
    if (name == "." || name == ".." || name.find_first_of("/\\") != std::string::npos) {
      ctx_.error(at, "include:" + name + " must name a file in the same directory");
      return;
    }
    Frame next{join_path(dir, name), from.filters};
    if (std::find(stack_.begin(), stack_.end(), next.path) != stack_.end()) {
      std::string chain;
      for (const std::string& p : stack_) chain += p + " -> ";
      ctx_.error(at, "include cycle: " + chain + next.path);
      return;
    }
    if (stack_.size() >= kMaxIncludeDepth) {
      ctx_.error(at, "includes nested deeper than " + std::to_string(kMaxIncludeDepth));
      return;
    }
    // "include:google @cn" keeps google's @cn entries; "@-cn" drops them.
    std::string_view attrs = l.attrs;
    while (!attrs.empty()) {
      const std::size_t space = attrs.find_first_of(" \t\r\f\v");
      std::string_view tok = attrs.substr(0, space);
      attrs = space == std::string_view::npos ? std::string_view() : attrs.substr(space + 1);
      if (tok.empty() || tok.front() != '@') continue;  // blank, or an &affiliation
      AttrFilter f;
      if (!parse_attr_filter(tok.substr(1), f)) {
        ctx_.error(at, "bad tag filter '" + std::string(tok) + "' on include (use @tag or @-tag)");
        return;
      }
      next.filters.push_back(std::move(f));
    }
    load(next, at);
  }

  LoadContext& ctx_;
  FeedLoad& feed_;
  std::vector<std::string> stack_;  // the include chain being read, for cycles
  std::vector<std::string> done_;   // path + filters already loaded
};

}  // namespace

void load_v2fly_list(LoadContext& ctx, FeedLoad& feed, const DomainListSpec& spec) {
  V2flyLoad(ctx, feed).load(Frame{spec.path, spec.attrs}, spec.where);
}

}  // namespace gh
