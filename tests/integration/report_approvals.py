#!/usr/bin/env python3
"""`gatehouse approvals` (README "The audit log", §17): each approval's state at fixed
times (--at) in policy.timezone, the JSON shape scripts rely on, and uses and
last use counted from audit logs with the same rules as `audit report` (a
CONNECT tunnel is one use)."""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_lib import auditlog  # noqa: E402

GATEHOUSE = os.environ.get("GATEHOUSE")

APPROVALS = """approvals:
  - id: IMM-2026-014
    department: immigration
    app: whatsapp-web
    approved_by: Director of Immigration
    reason: "1868 WhatsApp Assistance Hotline"
    granted: 2026-04-01
    expires: 2027-03-31
  - id: FIN-2026-007
    department: finance
    category: public-cloud-storage
    approved_by: Director of Finance
    reason: "Exchange of working papers, with \\"quotes\\""
    granted: 2026-07-01
    expires: 2026-12-31
  - id: FIN-DOM-1
    department: finance
    domain: .files.example.gov
    approved_by: Director of Finance
    reason: "auditors"
    granted: 2026-01-01
    expires: 2026-01-31
"""


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(*args, expect=0):
    p = subprocess.run([GATEHOUSE, "approvals", *args], capture_output=True, text=True,
                       timeout=60)
    if p.returncode != expect:
        fail("gatehouse approvals %s -> exit %d, expected %d\n%s%s"
             % (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
    return p.stdout


def column(table, row_id, name):
    """The cell under header `name` in the row starting with `row_id`."""
    lines = table.splitlines()
    start = lines[0].index(name)
    nxt = [i for i in range(start + len(name), len(lines[0])) if lines[0][i - 1] == " " and
           lines[0][i] != " "]
    end = nxt[0] if nxt else None
    for line in lines[1:]:
        if line.startswith(row_id + " "):
            return line[start:end].strip()
    fail("no row %s in:\n%s" % (row_id, table))


def states(config, at):
    out = json.loads(run("--config", config, "--json", "--at", at))
    return {a["id"]: a["state"] for a in out}


def main():
    if not GATEHOUSE or not os.access(GATEHOUSE, os.X_OK):
        fail("GATEHOUSE binary not set or not executable")
    tree = auditlog.rule_tree(APPROVALS, timezone="Asia/Hong_Kong")
    config = os.path.join(tree, "gatehouse.yaml")
    try:
        # Dates are whole days in Asia/Hong_Kong (UTC+8): 2026-04-01 starts at
        # 2026-03-31T16:00:00Z; 2027-03-31 ends at 2027-03-31T16:00:00Z.
        cases = [
            ("2026-03-31T15:59:59Z", "not-yet-valid", "not-yet-valid", "expired"),
            ("2026-03-31T16:00:00Z", "active", "not-yet-valid", "expired"),
            ("2026-04-01T00:00:00+08:00", "active", "not-yet-valid", "expired"),
            ("2026-12-17T15:59:59Z", "active", "active", "expired"),  # 14 days + 1 s left
            ("2026-12-17T16:00:00Z", "active", "expiring", "expired"),  # 14 days left
            ("2026-12-31T15:59:59Z", "active", "expiring", "expired"),
            ("2026-12-31T16:00:00Z", "active", "expired", "expired"),
            ("2027-03-17T16:00:00Z", "expiring", "expired", "expired"),
            ("2027-03-31T16:00:00Z", "expired", "expired", "expired"),
            ("2026-01-15T12:00:00+08:00", "not-yet-valid", "not-yet-valid", "active"),
        ]
        for at, imm, fin, dom in cases:
            got = states(config, at)
            want = {"IMM-2026-014": imm, "FIN-2026-007": fin, "FIN-DOM-1": dom}
            if got != want:
                fail("at %s: %r, expected %r" % (at, got, want))

        out = json.loads(run("--config", config, "--json", "--at", "2026-11-01T00:00:00Z"))
        keys = ["id", "department", "scope", "approved_by", "reason", "granted", "expires",
                "state"]
        if [list(a.keys()) for a in out] != [keys] * 3:
            fail("JSON keys: %r" % [list(a.keys()) for a in out])
        if out[0] != {"id": "IMM-2026-014", "department": "immigration",
                      "scope": "app:whatsapp-web", "approved_by": "Director of Immigration",
                      "reason": "1868 WhatsApp Assistance Hotline", "granted": "2026-04-01",
                      "expires": "2027-03-31", "state": "active"}:
            fail("first approval: %r" % out[0])
        if out[1]["scope"] != "category:public-cloud-storage" or "\"quotes\"" not in out[1]["reason"]:
            fail("second approval: %r" % out[1])
        if out[2]["scope"] != ".files.example.gov":
            fail("domain scope: %r" % out[2])

        table = run("--config", config, "--at", "2026-12-20T00:00:00Z")
        lines = table.splitlines()
        if lines[0].split()[:7] != ["id", "department", "scope", "approved_by", "granted",
                                    "expires", "state"] or "uses" in lines[0]:
            fail("table header: %r" % lines[0])
        if column(table, "FIN-2026-007", "state") != "expiring":
            fail("table row: %r" % table)
        if column(table, "FIN-2026-007", "approved_by") != "Director of Finance":
            fail("table approved_by: %r" % table)
        if "3 approvals at 2026-12-20 08:00 Asia/Hong_Kong: 1 active, 1 expiring, 1 expired, " \
           "0 not-yet-valid" not in table:
            fail("table summary: %r" % table)

        # Uses from two log files; the tunnel (authority + SNI record) is one use.
        D = auditlog.decision
        imm = "10.20.5.7:1"
        recs = [D("2026-11-20T02:00:00.000Z", imm, "immigration", "instant-messaging-web",
                  "whatsapp-web", "allow", "approved", approval="IMM-2026-014")
                for _ in range(3)]
        recs += [D("2026-11-21T02:00:00.000Z", "10.20.5.8:9", "immigration", None, None, "allow",
                   "uncategorized", method="CONNECT", host="web.whatsapp.com"),
                 D("2026-11-21T02:00:00.500Z", "10.20.5.8:9", "immigration",
                   "instant-messaging-web", "whatsapp-web", "allow", "approved",
                   approval="IMM-2026-014", method="CONNECT", sni="web.whatsapp.com"),
                 D("2026-11-22T09:30:00.000Z", "10.30.1.1:1", "finance", "public-cloud-storage",
                   "dropbox", "allow", "approved", approval="FIN-2026-007"),
                 D("2026-11-22T10:00:00.000Z", "10.30.1.1:1", "finance", "public-cloud-storage",
                   "dropbox", "block", "category-blocked")]
        lines_all = auditlog.chain(recs)
        first = os.path.join(tree, "audit-20261121T000000Z.jsonl")
        live = os.path.join(tree, "audit.jsonl")
        with open(first, "w") as f:
            f.write("\n".join(lines_all[:3]) + "\n")
        with open(live, "w") as f:
            f.write("\n".join(lines_all[3:]) + "\n")
        out = json.loads(run("--config", config, "--json", "--at", "2026-11-23T00:00:00Z",
                             "--audit", first, live))
        by_id = {a["id"]: a for a in out}
        if list(out[0].keys()) != keys + ["uses", "last_use"]:
            fail("JSON keys with --audit: %r" % list(out[0].keys()))
        if (by_id["IMM-2026-014"]["uses"], by_id["IMM-2026-014"]["last_use"]) != \
                (4, "2026-11-21T02:00:00.500Z"):
            fail("IMM-2026-014 usage: %r" % by_id["IMM-2026-014"])
        if (by_id["FIN-2026-007"]["uses"], by_id["FIN-2026-007"]["last_use"]) != \
                (1, "2026-11-22T09:30:00.000Z"):
            fail("FIN-2026-007 usage: %r" % by_id["FIN-2026-007"])
        if (by_id["FIN-DOM-1"]["uses"], by_id["FIN-DOM-1"]["last_use"]) != (0, None):
            fail("FIN-DOM-1 usage: %r" % by_id["FIN-DOM-1"])
        table = run("--config", config, "--at", "2026-11-23T00:00:00Z", "--audit", first, live)
        # last use in Hong Kong time: 02:00Z is 10:00 there.
        if (column(table, "IMM-2026-014", "uses"), column(table, "IMM-2026-014", "last_use")) != \
                ("4", "2026-11-21 10:00"):
            fail("table with --audit: %r" % table)

        # Errors: a bad --at is a usage error, broken rules a validation
        # failure, an unreadable log a runtime failure.
        run("--config", config, "--at", "yesterday", expect=2)
        run("--config", os.path.join(tree, "nope.yaml"), expect=1)
        run("--config", config, "--audit", os.path.join(tree, "nope.jsonl"), expect=3)
        with open(os.path.join(tree, "approvals.yaml"), "w") as f:
            f.write("approvals: []\n")
        if json.loads(run("--config", config, "--json")) != []:
            fail("no approvals: an empty array")
        if not run("--config", config).startswith("no approvals\n"):
            fail("no approvals: table")
        print("ok: approvals states, JSON and usage")
    finally:
        shutil.rmtree(tree, ignore_errors=True)


if __name__ == "__main__":
    main()
