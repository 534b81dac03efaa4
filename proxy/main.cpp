// Command dispatch only; every command lives in proxy/cli/.
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "config/loader.hpp"

int main(int argc, char** argv) {
  using namespace gh::cli;
  CLI::App app{"gatehouse: a web-filtering forward proxy with a tamper-evident audit log"};
  app.require_subcommand(1);
  std::string config;
  app.add_option(
      "--config", config,
      "main config file (default rules/gatehouse.yaml, then /etc/gatehouse/gatehouse.yaml)");

  auto* serve_cmd = app.add_subcommand("serve", "run the proxy in the foreground");
  serve_cmd->add_option("--config", config, "main config file");

  CheckOptions check_opts;
  auto* check_cmd = app.add_subcommand("check", "validate every rule file the config names");
  check_cmd->add_option("--config", config, "main config file");
  check_cmd->add_flag("--json", check_opts.json, "diagnostics as JSON");

  ExplainOptions explain_opts;
  auto* explain_cmd = app.add_subcommand("explain", "show the decision for a target");
  explain_cmd->add_option("--config", config, "main config file");
  explain_cmd->add_option("--client", explain_opts.client, "client address (default 127.0.0.1)");
  explain_cmd->add_option("--at", explain_opts.at, "time, RFC 3339 (default now)");
  explain_cmd->add_option("--user", explain_opts.user,
                          "authenticated user name; groups from auth.groups (default anonymous)");
  explain_cmd->add_flag("--json", explain_opts.json, "one JSON object");
  explain_cmd
      ->add_option("target", explain_opts.target,
                   "http://URL, https://host/..., host:port, host, or sni:host")
      ->required();

  TestOptions test_opts;
  auto* test_cmd = app.add_subcommand("test", "check policy expectations (exit 1 if any fails)");
  test_cmd->add_option("--config", config, "main config file");
  test_cmd->add_flag("--json", test_opts.json, "results as one JSON object");
  test_cmd->add_option("files", test_opts.files, "expectation files (YAML)")->required();

  auto* pac_cmd = app.add_subcommand("pac", "print the PAC file serve publishes");
  pac_cmd->add_option("--config", config, "main config file");

  auto* audit_cmd = app.add_subcommand("audit", "read the audit log");
  audit_cmd->require_subcommand(1);
  AuditVerifyOptions verify_opts;
  auto* verify_cmd =
      audit_cmd->add_subcommand("verify", "verify the hash chain across files in order");
  verify_cmd->add_option("files", verify_opts.files, "audit files, oldest first")->required();
  verify_cmd->add_option("--expect-seq", verify_opts.expect_seq,
                         "the seq the last record must have");
  AuditReportOptions report_opts;
  auto* report_cmd = audit_cmd->add_subcommand("report", "attempts by department, app and client");
  report_cmd->add_option("--config", config, "main config file (time zone, titles, approvals)");
  report_cmd->add_option("files", report_opts.files, "audit files")->required();
  report_cmd->add_option("--since", report_opts.since, "start (RFC 3339 or YYYY-MM-DD)");
  report_cmd->add_option("--until", report_opts.until, "end (RFC 3339 or YYYY-MM-DD)");
  report_cmd->add_option("--by", report_opts.by, "group by department,app,client,user")
      ->delimiter(',');
  report_cmd->add_option("--format", report_opts.format, "table, csv, json or html")
      ->check(CLI::IsMember({"table", "csv", "json", "html"}));

  ApprovalsOptions approvals_opts;
  auto* approvals_cmd =
      app.add_subcommand("approvals", "every approval with its state (and uses, with --audit)");
  approvals_cmd->add_option("--config", config, "main config file");
  approvals_cmd->add_option("--audit", approvals_opts.audit, "audit files to count uses from");
  approvals_cmd->add_flag("--json", approvals_opts.json, "a JSON array");
  approvals_cmd->add_option("--at", approvals_opts.at, "time of the states, RFC 3339 (default now)");

  auto* ca_cmd = app.add_subcommand("ca", "interception CA for HTTPS block pages");
  ca_cmd->require_subcommand(1);
  CaInitOptions ca_opts;
  auto* ca_init_cmd = ca_cmd->add_subcommand("init", "create the CA (key 0600)");
  ca_init_cmd->add_option("--out", ca_opts.out, "output directory")->required();
  ca_init_cmd->add_option("--name", ca_opts.name, "the CA's common name, as browsers show it");
  ca_init_cmd->add_option("--days", ca_opts.days, "validity in days (default 3650)")
      ->check(CLI::Range(1, 9125));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  const bool config_given = !config.empty();
  if (config.empty()) config = gh::default_config_path();

  if (*serve_cmd) return serve(ServeOptions{config});
  if (*check_cmd) {
    check_opts.config = config;
    return check(check_opts);
  }
  if (*explain_cmd) {
    explain_opts.config = config;
    return explain(explain_opts);
  }
  if (*test_cmd) {
    test_opts.config = config;
    return test(test_opts);
  }
  if (*pac_cmd) return pac(PacOptions{config});
  if (*verify_cmd) return audit_verify(verify_opts);
  if (*report_cmd) {
    report_opts.config = config;
    report_opts.config_given = config_given;
    return audit_report(report_opts);
  }
  if (*approvals_cmd) {
    approvals_opts.config = config;
    return approvals(approvals_opts);
  }
  if (*ca_init_cmd) return ca_init(ca_opts);
  return 2;
}
