#!/usr/bin/env python3
"""deploy/grafana/gatehouse.json against a live scrape (README "The audit log"): start the
real gatehouse, make some decisions, scrape the admin /metrics and check that
every metric the dashboard's queries, variables and annotations name exists,
with every label they filter or group by. Also the dashboard's shape: valid
JSON, unique panel ids, panels inside the 24-column grid, a Prometheus data
source input for import."""
import json
import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib import gh  # noqa: E402

DASHBOARD = os.path.join(gh.SRC, "deploy", "grafana", "gatehouse.json")
# Added by Prometheus at scrape time, never by the exporter.
SCRAPE_LABELS = {"instance", "job"}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def queries(dash):
    """(where, PromQL) for every query in the dashboard."""
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                out.append(("panel %r %s" % (p.get("title"), t.get("refId")), t["expr"]))
            walk(p.get("panels", []))
    walk(dash["panels"])
    for a in dash.get("annotations", {}).get("list", []):
        if "expr" in a:
            out.append(("annotation %r" % a["name"], a["expr"]))
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            out.append(("variable %r" % v["name"], q))
    return out


def labels_of(metrics, name):
    """Label names on any sample of metric `name` in the scrape."""
    found = set()
    for key in metrics:
        if key == name or key.startswith(name + "{"):
            found.update(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', key[len(name):]))
    return found


def check_shape(dash):
    if not any(i.get("pluginId") == "prometheus" for i in dash.get("__inputs", [])):
        fail("no Prometheus data source input for import")
    if not dash.get("uid") or not dash.get("title"):
        fail("uid and title are needed to import")
    ids = []

    def walk(panels):
        for p in panels:
            ids.append(p["id"])
            g = p["gridPos"]
            if g["x"] < 0 or g["w"] <= 0 or g["x"] + g["w"] > 24 or g["h"] <= 0:
                fail("panel %r outside the grid: %r" % (p["title"], g))
            if p["type"] != "row":
                if not p.get("title") or not p.get("targets"):
                    fail("panel without title or queries: %r" % p)
                for t in p["targets"]:
                    if not t.get("refId") or not t.get("expr"):
                        fail("target without refId/expr in %r" % p["title"])
                if p["datasource"]["uid"] != "${datasource}":
                    fail("panel %r does not use the data source variable" % p["title"])
            walk(p.get("panels", []))
    walk(dash["panels"])
    if len(ids) != len(set(ids)):
        fail("panel ids are not unique: %r" % ids)


def main():
    gh.need_binary()
    with open(DASHBOARD) as f:
        dash = json.load(f)
    check_shape(dash)
    qs = queries(dash)
    if len(qs) < 15:
        fail("expected the dashboard's queries, found %d" % len(qs))

    tree = gh.RuleTree()
    g = gh.Gatehouse(tree.config, tree.admin_port)
    try:
        g.wait_ready()
        # Decisions with a category, a department and an action, so that the
        # labelled series exist: a blocked GET and a blocked CONNECT from the
        # immigration network (127.0.20.0/24 in the rule tree).
        status, _ = gh.proxy_get(tree.forward_port, "http://web.whatsapp.com/", source="127.0.20.5")
        if status != 403:
            fail("blocked GET answered %d" % status)
        status, _ = gh.proxy_connect(tree.forward_port, "web.whatsapp.com:443", source="127.0.20.5")
        if status != 403:
            fail("blocked CONNECT answered %d" % status)
        g.signal(signal.SIGHUP)
        g.wait_log(r"reload")
        metrics, _ = g.metrics()
    finally:
        rc = g.stop()
        tree.cleanup()
    if rc != 0:
        fail("gatehouse exited %s" % rc)

    names_seen = set()
    for where, expr in qs:
        names = set(re.findall(r"\bgatehouse_[a-zA-Z0-9_:]+", expr))
        if not names:
            fail("%s names no gatehouse metric: %s" % (where, expr))
        have = set()
        for n in names:
            names_seen.add(n)
            if not any(k == n or k.startswith(n + "{") for k in metrics):
                fail("%s: metric %s is not in the scrape" % (where, n))
            have |= labels_of(metrics, n)
        used = set()
        for m in re.finditer(r"\{([^}]*)\}", expr):
            used.update(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", m.group(1)))
        for m in re.finditer(r"\b(?:by|without)\s*\(([^)]*)\)", expr):
            used.update(x.strip() for x in m.group(1).split(",") if x.strip())
        m = re.match(r"label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*(\w+)\s*\)", expr)
        if m:
            used.add(m.group(2))
        for label in used - SCRAPE_LABELS - PROMQL_WORDS:
            if label not in have:
                fail("%s: label %r is on none of %s (labels seen: %s)"
                     % (where, label, sorted(names), sorted(have)))
    # The dashboard covers what README "Operations guide"/§14 ask for.
    for family in ("gatehouse_decisions_total", "gatehouse_decision_latency_seconds_bucket",
                   "gatehouse_connections_open", "gatehouse_audit_queue_depth",
                   "gatehouse_audit_write_errors_total", "gatehouse_audit_failed",
                   "gatehouse_reloads_total"):
        if family not in names_seen:
            fail("the dashboard does not show %s" % family)
    print("ok: %d dashboard queries over %d metrics, all in a live scrape"
          % (len(qs), len(names_seen)))


if __name__ == "__main__":
    main()
