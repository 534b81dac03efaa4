"""Matches what clients saw against what the audit log holds.

A record is *lost* when a client observed an answer and the decision record
behind it is not in the log. With `fsync: every`, gatehouse syncs each record
before it sends the answer (README "Durability and failures"), so even the
kill -9 may lose none of them. How an answer finds its record:
  - a gatehouse page (403, 400, 408, 431, 502, 504; the HTTPS block page
    over TLS too, naming the inner request's record) prints its record id:
    that id must be in the log;
  - an allowed plain request has a unique path (a nonce): a decision record
    with that URL must be in the log;
  - an answer with neither (a CONNECT's 200, a TLS alert, a tunnel closed for
    its first bytes) is counted per client address and record class: the log
    must hold at least as many such records from that address as answers were
    seen (a multiset, since ephemeral ports are reused over a long run).
Answers produced by the faults themselves (503 while the audit disk is full,
no answer while gatehouse is killed) have no record by design and are not
counted as lost; they are shown as such in the table."""
import collections
import datetime
import glob
import gzip
import json
import os
import re

MAX_FLOW = 15  # s: the longest soak flow (a stalled origin, 6 s) with margin
NONCE = re.compile(r"/(soak-[A-Za-z0-9]+-\d+)")


def audit_files(directory, stem="audit"):
    """Rotated files in name order (= rotation order), then the live file."""
    rotated = sorted(glob.glob(os.path.join(directory, stem + "-*.jsonl*")))
    rotated = [f for f in rotated if not f.endswith(".tmp")]
    live = os.path.join(directory, stem + ".jsonl")
    return rotated + ([live] if os.path.exists(live) else [])


def read_records(files):
    out = []
    for f in files:
        opener = gzip.open if f.endswith(".gz") else open
        with opener(f, "rb") as fh:
            for line in fh:
                if line.endswith(b"\n"):
                    out.append(json.loads(line))
    return out


def _epoch(ts):
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def record_class(r):
    """The class an answer without id or nonce is matched on (see above)."""
    if r["event"] != "decision":
        return None
    if r["method"] == "CONNECT" and r.get("intercepted") and r["action"] == "block":
        return "intercept-connect"  # a CONNECT answered 200 for its HTTPS block page
    if r["method"] == "CONNECT" and r["sni"] is None and r["status"] == 200:
        return "connect-200"
    if r["reason"] in ("bad-client-hello", "client-hello-timeout", "non-tls-tunnel", "bad-request"):
        return r["reason"]
    if r["sni"] is not None and r["action"] == "block":
        return "sni-block"
    return None


class Index:
    def __init__(self, records):
        self.ids = set()
        self.nonces = set()
        self.classes = collections.Counter()
        self.decisions_open = {}   # id -> (instance, ts), allowed decisions waiting for their close
        self.closed = set()
        for r in records:
            self.ids.add(r["id"])
            if r["event"] == "decision":
                if r["url"]:
                    m = NONCE.search(r["url"])
                    if m:
                        self.nonces.add(m.group(1))
                c = record_class(r)
                if c:
                    self.classes[(r["client"], c)] += 1
                if r["action"] == "allow" and (r["method"] != "CONNECT" or r["sni"] is None):
                    self.decisions_open[r["id"]] = (r["id"].rsplit("-", 1)[0], _epoch(r["ts"]))
            elif r["event"] == "close":
                self.closed.add(r["ref"])

    def missing_closes(self, windows):
        """Allowed decisions without a close record, per instance and by
        whether a fault window (full disk: the close is refused; kill -9:
        never written) explains it: the flow was open during the window (no
        soak flow lasts longer than MAX_FLOW seconds)."""
        per = collections.Counter()
        for rid, (inst, ts) in self.decisions_open.items():
            if rid not in self.closed:
                w = next((w[2] for w in windows if w[0] - MAX_FLOW <= ts <= w[1] + 1), None)
                per[(inst, w or "no fault")] += 1
        return per


def lost_records(answers, index, is_fault_answer):
    """Returns (lost answers, count of answers checked)."""
    lost, checked = [], 0
    want = collections.Counter()
    for a in answers:
        if a.outcome.startswith("no-answer") or is_fault_answer(a):
            continue
        checked += 1
        if a.ref:
            if a.ref not in index.ids:
                lost.append(a)
        elif a.nonce:
            if a.nonce not in index.nonces:
                lost.append(a)
        elif a.key and a.addr:
            want[(a.addr, a.key)] += 1
        else:
            lost.append(a)  # an answer that should have carried a reference and did not
    for k, n in want.items():
        have = index.classes.get(k, 0)
        if have < n:
            lost.extend([k] * (n - have))
    return lost, checked
