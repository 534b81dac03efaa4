// Test hook: make the audit file's writes and syncs fail with a chosen errno
// (EIO, EACCES, ...) that cannot be provoked reliably from a test otherwise.
// 0 = no fault. Process-wide; production code never sets it.
#pragma once

namespace gh {

void inject_audit_write_error(int err) noexcept;
int injected_audit_write_error() noexcept;

}  // namespace gh
