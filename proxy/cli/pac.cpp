// gatehouse pac: print the PAC file serve publishes (README "Commands"; README "Operations guide").
#include <cstdio>
#include <exception>

#include "cli/commands.hpp"
#include "config/loader.hpp"
#include "config/pac.hpp"

namespace gh::cli {

int pac(const PacOptions& o) {
  LoadResult res;
  try {
    res = load_config(o.config, Clock::now());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gatehouse pac: %s\n", e.what());
    return 3;
  }
  if (!res.ok()) {
    for (const Diagnostic& d : res.diagnostics)
      if (d.severity == Severity::error) std::fprintf(stderr, "%s\n", d.format().c_str());
    return 1;
  }
  const std::string text = pac_text(*res.settings);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace gh::cli
