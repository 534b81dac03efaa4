// Reads an AuditWriter's state for /metrics and /readyz (serve wires it into
// AdminContext::audit; kept apart so admin/ tests need no writer).
#pragma once

#include "admin/admin_http.hpp"
#include "audit/writer.hpp"

namespace gh {

// `writer` may be null (no audit configured yet): the probe reports zeros.
AuditProbe audit_probe(const AuditWriter* writer);

}  // namespace gh
