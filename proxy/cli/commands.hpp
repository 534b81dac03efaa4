// One function per subcommand; each returns the process exit code of README "Commands":
// 0 ok, 1 validation failure, 2 usage error, 3 runtime failure.
#pragma once

#include <string>
#include <vector>

namespace gh::cli {

struct CheckOptions {
  std::string config;
  bool json = false;
};
int check(const CheckOptions& o);

struct ExplainOptions {
  std::string config;
  std::string client = "127.0.0.1";
  std::string at;  // RFC 3339; empty = now
  bool json = false;
  std::string target;
  std::string user;  // --user: decide as this authenticated user (README "Identity")
};
int explain(const ExplainOptions& o);

struct TestOptions {
  std::string config;
  bool json = false;
  std::vector<std::string> files;
};
int test(const TestOptions& o);

struct PacOptions {
  std::string config;
};
int pac(const PacOptions& o);

struct ServeOptions {
  std::string config;
};
int serve(const ServeOptions& o);

struct AuditVerifyOptions {
  std::vector<std::string> files;
  long long expect_seq = -1;  // --expect-seq N; -1 = not given
};
int audit_verify(const AuditVerifyOptions& o);

struct AuditReportOptions {
  std::string config;
  bool config_given = false;  // --config was on the command line (else the default, if any)
  std::vector<std::string> files;
  std::string since, until;  // RFC 3339 or YYYY-MM-DD; empty = open
  std::vector<std::string> by{"department", "app"};
  std::string format = "table";  // table | csv | json | html
};
int audit_report(const AuditReportOptions& o);

struct ApprovalsOptions {
  std::string config;
  std::vector<std::string> audit;  // --audit FILE...: count uses from these logs
  bool json = false;
  std::string at;  // RFC 3339; empty = now
};
int approvals(const ApprovalsOptions& o);

struct CaInitOptions {
  std::string out;
  std::string name = "gatehouse interception CA";  // the certificate's CN
  int days = 3650;
};
int ca_init(const CaInitOptions& o);

}  // namespace gh::cli
