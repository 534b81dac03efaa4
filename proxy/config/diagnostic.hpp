// A message about a rule file, always with file:line:col (1-based).
#pragma once

#include <string>
#include <vector>

namespace gh {

enum class Severity : unsigned char { error, warning };

struct Diagnostic {
  std::string file;  // as shown to the user
  int line = 0;
  int col = 0;
  Severity severity = Severity::error;
  std::string message;
  // "path:line:col: error: message"
  std::string format() const;
};

bool has_errors(const std::vector<Diagnostic>& diags) noexcept;

}  // namespace gh
