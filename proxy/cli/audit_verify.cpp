// `gatehouse audit verify FILE... [--expect-seq N]` (README "Commands"; README "The audit log").
#include <unistd.h>

#include <cstdio>
#include <system_error>

#include "audit/progress.hpp"
#include "audit/verify.hpp"
#include "cli/commands.hpp"

namespace gh::cli {
namespace {

// verify_files() with progress on a terminal (README "gatehouse audit report").
VerifyResult verify_with_progress(const std::vector<std::string>& files,
                                  std::optional<std::uint64_t> anchor) {
  ProgressMeter progress(STDERR_FILENO, ::isatty(STDERR_FILENO) == 1, "audit verify", files.size());
  struct Finish {
    ProgressMeter& p;
    ~Finish() { p.finish(); }
  } finish{progress};
  VerifyHooks hooks{[&progress] { progress.record(); }, [&progress] { progress.file_done(); }};
  return verify_files(files, anchor, hooks);
}

}  // namespace

int audit_verify(const AuditVerifyOptions& o) {
  if (o.files.empty()) {
    std::fprintf(stderr, "gatehouse audit verify: no files given\n");
    return 2;
  }
  if (o.expect_seq < -1) {
    std::fprintf(stderr, "gatehouse audit verify: --expect-seq must be >= 0\n");
    return 2;
  }
  std::optional<std::uint64_t> anchor;
  if (o.expect_seq >= 0) anchor = static_cast<std::uint64_t>(o.expect_seq);
  VerifyResult r;
  try {
    r = verify_with_progress(o.files, anchor);
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "gatehouse audit verify: cannot read %s\n", e.what());
    return 3;
  }
  if (!r.ok) {
    std::printf("%s:%llu: error: %s\n", r.file.c_str(), static_cast<unsigned long long>(r.line),
                r.problem.c_str());
    std::printf("audit verify: FAILED after %llu good records\n",
                static_cast<unsigned long long>(r.records));
    return 1;
  }
  std::printf("audit verify: ok\n");
  std::printf("files: %llu\nrecords: %llu\n", static_cast<unsigned long long>(r.files),
              static_cast<unsigned long long>(r.records));
  if (r.records > 0) {
    std::printf("first seq: %llu\nlast seq: %llu\nlast hash: %s\n",
                static_cast<unsigned long long>(r.first_seq),
                static_cast<unsigned long long>(r.last_seq), r.last_hash.c_str());
    if (r.first_prev != std::string(64, '0')) {
      std::printf("note: the chain starts after earlier files (first prev %s)\n",
                  r.first_prev.c_str());
    }
  }
  if (anchor) {
    std::printf("anchor: seq %llu reached\n", static_cast<unsigned long long>(*anchor));
  }
  return 0;
}

}  // namespace gh::cli
