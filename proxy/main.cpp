// Command dispatch only; every command lives in proxy/cli/.
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "config/loader.hpp"

namespace {

using namespace gh::cli;

// Every command's options and its CLI11 handle.
struct Commands {
  std::string config;
  CLI::App* serve = nullptr;
  CheckOptions check_opts;
  CLI::App* check = nullptr;
  ExplainOptions explain_opts;
  CLI::App* explain = nullptr;
  TestOptions test_opts;
  CLI::App* test = nullptr;
  CLI::App* pac = nullptr;
  AuditVerifyOptions verify_opts;
  CLI::App* verify = nullptr;
  AuditReportOptions report_opts;
  CLI::App* report = nullptr;
  ApprovalsOptions approvals_opts;
  CLI::App* approvals = nullptr;
  CaInitOptions ca_opts;
  CLI::App* ca_init = nullptr;
};

// serve, check, explain, test, pac: the commands that read the rules.
void add_rule_commands(CLI::App& app, Commands& c) {
  c.serve = app.add_subcommand("serve", "run the proxy in the foreground");
  c.serve->add_option("--config", c.config, "main config file");

  c.check = app.add_subcommand("check", "validate every rule file the config names");
  c.check->add_option("--config", c.config, "main config file");
  c.check->add_flag("--json", c.check_opts.json, "diagnostics as JSON");

  auto& e = c.explain_opts;
  c.explain = app.add_subcommand("explain", "show the decision for a target");
  c.explain->add_option("--config", c.config, "main config file");
  c.explain->add_option("--client", e.client, "client address (default 127.0.0.1)");
  c.explain->add_option("--at", e.at, "time, RFC 3339 (default now)");
  c.explain->add_option("--user", e.user,
                        "authenticated user name; groups from auth.groups (default anonymous)");
  c.explain->add_flag("--json", e.json, "one JSON object");
  c.explain
      ->add_option("target", e.target, "http://URL, https://host/..., host:port, host, or sni:host")
      ->required();

  c.test = app.add_subcommand("test", "check policy expectations (exit 1 if any fails)");
  c.test->add_option("--config", c.config, "main config file");
  c.test->add_flag("--json", c.test_opts.json, "results as one JSON object");
  c.test->add_option("files", c.test_opts.files, "expectation files (YAML)")->required();

  c.pac = app.add_subcommand("pac", "print the PAC file serve publishes");
  c.pac->add_option("--config", c.config, "main config file");
}

// audit verify, audit report, approvals, ca init.
void add_record_commands(CLI::App& app, Commands& c) {
  auto* audit_cmd = app.add_subcommand("audit", "read the audit log");
  audit_cmd->require_subcommand(1);
  c.verify = audit_cmd->add_subcommand("verify", "verify the hash chain across files in order");
  c.verify->add_option("files", c.verify_opts.files, "audit files, oldest first")->required();
  c.verify->add_option("--expect-seq", c.verify_opts.expect_seq,
                       "the seq the last record must have");
  auto& r = c.report_opts;
  c.report = audit_cmd->add_subcommand("report", "attempts by department, app and client");
  c.report->add_option("--config", c.config, "main config file (time zone, titles, approvals)");
  c.report->add_option("files", r.files, "audit files")->required();
  c.report->add_option("--since", r.since, "start (RFC 3339 or YYYY-MM-DD)");
  c.report->add_option("--until", r.until, "end (RFC 3339 or YYYY-MM-DD)");
  c.report->add_option("--by", r.by, "group by department,app,client,user")->delimiter(',');
  c.report->add_option("--format", r.format, "table, csv, json or html")
      ->check(CLI::IsMember({"table", "csv", "json", "html"}));

  c.approvals =
      app.add_subcommand("approvals", "every approval with its state (and uses, with --audit)");
  c.approvals->add_option("--config", c.config, "main config file");
  c.approvals->add_option("--audit", c.approvals_opts.audit, "audit files to count uses from");
  c.approvals->add_flag("--json", c.approvals_opts.json, "a JSON array");
  c.approvals->add_option("--at", c.approvals_opts.at,
                          "time of the states, RFC 3339 (default now)");

  auto* ca_cmd = app.add_subcommand("ca", "interception CA for HTTPS block pages");
  ca_cmd->require_subcommand(1);
  c.ca_init = ca_cmd->add_subcommand("init", "create the CA (key 0600)");
  c.ca_init->add_option("--out", c.ca_opts.out, "output directory")->required();
  c.ca_init->add_option("--name", c.ca_opts.name, "the CA's common name, as browsers show it");
  c.ca_init->add_option("--days", c.ca_opts.days, "validity in days (default 3650)")
      ->check(CLI::Range(1, 9125));
}

int dispatch(Commands& c, bool config_given) {
  if (*c.serve) return serve(ServeOptions{c.config});
  if (*c.check) {
    c.check_opts.config = c.config;
    return check(c.check_opts);
  }
  if (*c.explain) {
    c.explain_opts.config = c.config;
    return explain(c.explain_opts);
  }
  if (*c.test) {
    c.test_opts.config = c.config;
    return test(c.test_opts);
  }
  if (*c.pac) return pac(PacOptions{c.config});
  if (*c.verify) return audit_verify(c.verify_opts);
  if (*c.report) {
    c.report_opts.config = c.config;
    c.report_opts.config_given = config_given;
    return audit_report(c.report_opts);
  }
  if (*c.approvals) {
    c.approvals_opts.config = c.config;
    return approvals(c.approvals_opts);
  }
  if (*c.ca_init) return ca_init(c.ca_opts);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gatehouse: a web-filtering forward proxy with a tamper-evident audit log"};
  app.require_subcommand(1);
  Commands c;
  app.add_option(
      "--config", c.config,
      "main config file (default rules/gatehouse.yaml, then /etc/gatehouse/gatehouse.yaml)");
  add_rule_commands(app, c);
  add_record_commands(app, c);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  const bool config_given = !c.config.empty();
  if (c.config.empty()) c.config = gh::default_config_path();
  return dispatch(c, config_given);
}
