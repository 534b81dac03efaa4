#include "admin/audit_probe.hpp"

namespace gh {

AuditProbe audit_probe(const AuditWriter* writer) {
  return [writer] {
    Metrics::AuditGauge g;
    if (writer == nullptr) return g;
    AuditStats s = writer->stats();
    g.seq = s.seq;
    g.queue_depth = s.queue_depth;
    g.write_errors = s.write_errors;
    g.failed = s.failed;
    return g;
  };
}

}  // namespace gh
