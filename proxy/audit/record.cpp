#include "audit/record.hpp"

namespace gh {

std::string_view to_string(AuditEvent e) noexcept {
  return e == AuditEvent::close ? "close" : "decision";
}

}  // namespace gh
