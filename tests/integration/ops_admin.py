#!/usr/bin/env python3
"""Admin listener (README "Operations guide", issue #5 item 2): /healthz, /readyz and /metrics
scraped from the real binary. The Prometheus text is parsed strictly, and the
counters must move after requests from two departments' addresses."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "proxy_lib"))
import gh  # noqa: E402

gh.need_binary()

REQUIRED = [
    "gatehouse_connections_open", "gatehouse_connections_total", "gatehouse_decisions_total",
    "gatehouse_decision_latency_seconds", "gatehouse_audit_queue_depth",
    "gatehouse_audit_write_errors_total", "gatehouse_audit_seq", "gatehouse_reloads_total",
    "gatehouse_rules_loaded", "gatehouse_rules_age_seconds",
]

tree = gh.RuleTree()
g = gh.Gatehouse(tree.config, tree.admin_port)
try:
    g.wait_ready()
    status, headers, body = gh.get(g.admin + "/healthz")
    assert status == 200 and body == b"ok\n", (status, body)
    status, headers, body = gh.get(g.admin + "/readyz")
    assert status == 200, (status, body)

    status, headers, body = gh.get(g.admin + "/metrics")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8", headers
    before = gh.parse_prometheus(body.decode())
    for family in REQUIRED:
        assert family in before.types, "missing family " + family
    assert before.types["gatehouse_decision_latency_seconds"] == "histogram"
    assert before.types["gatehouse_connections_total"] == "counter"
    assert before.value("gatehouse_rules_loaded", kind="domains") >= 1
    assert before.value("gatehouse_rules_loaded", kind="departments") == 2
    assert before.value("gatehouse_rules_loaded_timestamp_seconds") > 1e9
    assert 0 <= before.value("gatehouse_rules_age_seconds") < 120

    # Blocked requests: answered 403 by policy, no network needed.
    st, _ = gh.proxy_get(tree.forward_port, "http://web.whatsapp.com/", source="127.0.20.5")
    assert st == 403, st
    st, _ = gh.proxy_connect(tree.forward_port, "web.whatsapp.com:443", source="127.0.20.6")
    assert st == 403, st
    st, _ = gh.proxy_get(tree.forward_port, "http://web.whatsapp.com/x", source="127.0.30.9")
    assert st == 403, st
    st, _ = gh.proxy_get(tree.forward_port, "http://web.whatsapp.com/y", source="127.0.0.1")
    assert st == 403, st

    # Connections close asynchronously: wait (bounded) for the gauge to settle.
    after = None
    for _ in range(100):
        after, _ = g.metrics()
        if after.value("gatehouse_connections_open") == 0:
            break
        time.sleep(0.05)
    d = lambda name, **kw: after.value(name, **kw) - before.value(name, **kw)  # noqa: E731
    assert after.value("gatehouse_connections_open") == 0
    assert d("gatehouse_connections_total") >= 4, d("gatehouse_connections_total")
    assert d("gatehouse_decisions_total", action="block", category="instant-messaging-web",
             department="immigration") == 2
    assert d("gatehouse_decisions_total", action="block", category="instant-messaging-web",
             department="finance") == 1
    assert d("gatehouse_decisions_total", action="block", category="instant-messaging-web",
             department="") == 1
    assert d("gatehouse_decision_reasons_total", reason="category-blocked") == 4
    assert d("gatehouse_decision_latency_seconds_count") == 4
    assert after.value("gatehouse_decision_latency_seconds_bucket", le="+Inf") == \
        after.value("gatehouse_decision_latency_seconds_count")
    # Buckets are cumulative.
    buckets = [v for k, v in after.items() if k.startswith("gatehouse_decision_latency_seconds_bucket")]
    assert buckets == sorted(buckets), buckets
    # Four decision records were written: the anchor seq moved with them.
    assert d("gatehouse_audit_seq") >= 4, d("gatehouse_audit_seq")
    records = gh.audit_records(tree.audit)
    assert after.value("gatehouse_audit_seq") == max(r["seq"] for r in records)
    assert after.value("gatehouse_audit_write_errors_total") == 0
    assert after.value("gatehouse_audit_queue_depth") >= 0

    # HEAD and unknown paths.
    status, _, _ = gh.get(g.admin + "/nonexistent")
    assert status == 404
    print("ok: admin listener")
finally:
    rc = g.stop()
    tree.cleanup()
assert rc == 0, rc
