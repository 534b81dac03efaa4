"""The soak's one table, and the invariants that make it pass or fail."""
import collections
import re

import audit_check

DRIFT_LIMIT = 0.05  # RSS and descriptors, start (after warm-up) to end: docs/capacity.md / issue 16


def _overlaps(a, w):
    return a.t0 <= w[1] and a.t1 >= w[0]


class Result:
    def __init__(self, soak, rc, anchor, files, verify, records):
        self.s = soak
        self.rc = rc
        self.anchor = anchor
        self.files = files
        self.verify = verify
        self.records = records
        self.failures = []

    def classify(self, a):
        """ok | fault:<label> | unexpected. A bare close or a TLS alert
        during a fault is the fault's doing, not an answer with a record:
        kill -9 closes everything, and with the audit disk full a tunnel whose
        SNI decision cannot be recorded is refused (fail closed) with the same
        access_denied alert a policy block sends."""
        if a.outcome in a.expected and a.outcome not in ("closed", "alert"):
            return "ok"
        for w in self.s.windows:
            if _overlaps(a, w):
                return "fault:" + w[2]
        return "ok" if a.outcome in a.expected else "unexpected"

    def analyse(self):
        """Classifies every answer and matches it against the audit log."""
        s = self.s
        self.answers = answers = s.ledger.answers
        self.cls = cls = {id(a): self.classify(a) for a in answers}
        self.index = audit_check.Index(self.records)
        self.lost, self.checked = audit_check.lost_records(
            answers, self.index, lambda a: cls[id(a)] != "ok" and cls[id(a)] != "unexpected")
        self.unexpected = [a for a in answers if cls[id(a)] == "unexpected"]
        self.unexpected_5xx = [a for a in self.unexpected if re.fullmatch(r"5\d\d", a.outcome)]
        self.wrong = [a for a in self.unexpected if a not in self.unexpected_5xx]
        self.pages = [a for a in answers if a.kind == "intercept-block-page"]
        self.rotated = [f for f in self.files if not f.endswith("audit.jsonl")]
        self.gz = [f for f in self.rotated if f.endswith(".gz")]
        self.closes = self.index.missing_closes(s.windows)

    def print_and_judge(self):
        self.analyse()
        out = []
        p = out.append
        p("")
        p("## Soak: %.1f minutes, gatehouse %s" % (self.s.args.minutes, self.s.args.gatehouse))
        p("")
        for section in (self._outcomes, self._faults, self._audit, self._process, self._invariants):
            section(p)
        p("")
        if self.failures:
            p("SOAK FAILED:")
            for f in self.failures:
                p("  - " + f)
        else:
            p("soak: ok (all invariants hold)")
        print("\n".join(out), flush=True)
        return 1 if self.failures else 0

    def _outcomes(self, p):
        """The requests-by-outcome table."""
        p("### Requests by outcome")
        p("")
        p("| workload | answers | as expected | expected | during a fault (outcome: n) | unexpected (outcome: n) |")
        p("|---|---|---|---|---|---|")
        answers, cls = self.answers, self.cls
        kinds = collections.OrderedDict()
        for a in answers:
            kinds.setdefault(a.kind, []).append(a)
        for kind, lst in sorted(kinds.items()):
            ok = sum(1 for a in lst if cls[id(a)] == "ok")
            fault = collections.Counter("%s %s" % (cls[id(a)][6:], a.outcome) for a in lst if cls[id(a)].startswith("fault:"))
            bad = collections.Counter(a.outcome for a in lst if cls[id(a)] == "unexpected")
            exp = "/".join(sorted({e for a in lst for e in a.expected}))
            p("| %s | %d | %d | %s | %s | %s |" % (kind, len(lst), ok, exp,
                                                  ", ".join("%s: %d" % kv for kv in fault.most_common()) or "—",
                                                  ", ".join("%s: %d" % kv for kv in bad.most_common()) or "—"))
        p("| **all** | %d | %d | | %d | %d |" % (len(answers), sum(1 for a in answers if cls[id(a)] == "ok"),
                                               sum(1 for a in answers if cls[id(a)].startswith("fault:")),
                                               len(self.unexpected)))
        p("")
        p("Intercepted flows: %d HTTPS requests to a blocked host decrypted for its page "
          "(`intercept-block-page`), %d answered by the block page over TLS and matched to their record by "
          "reference; %d inspected allowed requests (`inspected`: TLS on both sides, matched to their "
          "record by nonce)." % (len(self.pages), sum(1 for a in self.pages if a.ref and a.ref in self.index.ids),
                                 sum(1 for a in answers if a.kind == "inspected")))
        p("")

    def _faults(self, p):
        """Faults injected and what gatehouse counted."""
        p("### Faults injected")
        p("")
        p("| fault | injected | seen by gatehouse |")
        p("|---|---|---|")
        s, answers = self.s, self.answers
        lives = s.metrics_lives
        def total(name, **labels):
            return int(sum(m.value(name, **labels) for m in lives))
        rotated, gz = self.rotated, self.gz
        origin = collections.Counter(a.kind for a in answers if a.kind.startswith("origin-"))
        seen = {
            "reload-valid": "reloads ok: %d" % total("gatehouse_reloads_total", result="ok"),
            "reload-invalid": "reloads failed: %d" % total("gatehouse_reloads_total", result="failed"),
            "rotate (SIGUSR1)": "rotated files: %d (%d gzip), also by size at 4 MiB" % (len(rotated), len(gz)),
            "audit disk full": "503 while failing: %d, write errors: %d" % (
                total("gatehouse_audit_unavailable_total"), total("gatehouse_audit_write_errors_total")),
            "kill -9 + restart": self._restart_note(),
        }
        for k, v in s.faults.items():
            p("| %s | %d | %s |" % (k, v, seen.get(k, "")))
        for k in ("origin-reset", "origin-stall", "origin-blackhole", "origin-blackhole-connect"):
            p("| %s (requests) | %d | see outcomes |" % (k, origin.get(k, 0)))
        p("")

    def _audit(self, p):
        """The audit chain and the lost-records check."""
        p("### Audit")
        p("")
        vline = (self.verify.stdout + self.verify.stderr).strip().replace("\n", "; ")
        p("| item | value |")
        p("|---|---|")
        p("| files verified | %d (%d rotated, %d gzip) |" % (len(self.files), len(self.rotated), len(self.gz)))
        p("| records | %d |" % len(self.records))
        p("| last anchor (stop) | seq %s |" % self.anchor)
        p("| `audit verify --expect-seq` | exit %d: %s |" % (self.verify.returncode, vline[:300]))
        p("| answers checked against the log | %d |" % self.checked)
        p("| records lost | %d |" % len(self.lost))
        p("| 5xx outside injected faults | %d |" % len(self.unexpected_5xx))
        p("| other unexpected answers | %d |" % len(self.wrong))
        p("| allowed flows without a close record | %s |" % (
            ", ".join("instance %s (%s): %d" % (k[0], k[1], n) for k, n in sorted(self.closes.items())) or "0"))
        p("")

    def _process(self, p):
        """RSS and descriptors; the notes."""
        p("### gatehouse process (RSS KiB / open descriptors)")
        p("")
        s = self.s
        p("| point | t (s) | RSS KiB | descriptors |")
        p("|---|---|---|---|")
        for label in ("start", "middle", "end"):
            v = s.samples.get(label)
            if v and v[0]:
                p("| %s (quiesced) | %s | %d | %d |" % (label, v[1], v[0][0], v[0][1]))
        if s.series:
            after = [x for x in s.series if x[0] >= s.samples.get("start", (None, 0))[1]] or s.series
            p("| range after warm-up, under load | | %d–%d | %d–%d |" % (
                min(x[1] for x in after), max(x[1] for x in after), min(x[2] for x in after), max(x[2] for x in after)))
        p("| drift start→end | | %s | %s |" % self._drift()[:2])
        p("")
        for n in s.notes:
            p("- " + n)

    def _invariants(self, p):
        """What makes the soak fail."""
        lost, closes, answers = self.lost, self.closes, self.answers
        unexpected_5xx, wrong, drift = self.unexpected_5xx, self.wrong, self._drift()
        if self.verify.returncode != 0:
            self.failures.append("audit verify failed")
        if self.anchor is None:
            self.failures.append("no anchor in the stop log")
        if lost:
            self.failures.append("%d records lost: %s" % (len(lost), [getattr(a, "__dict__", a) for a in lost[:5]]))
        if unexpected_5xx:
            self.failures.append("%d 5xx outside faults: %s" % (len(unexpected_5xx), [a.__dict__ for a in unexpected_5xx[:5]]))
        if wrong:
            self.failures.append("%d unexpected answers: %s" % (len(wrong), [a.__dict__ for a in wrong[:5]]))
        if self.rc != 0:
            self.failures.append("gatehouse exit at SIGTERM: %s" % self.rc)
        last_instance = self.records[-1]["id"].rsplit("-", 1)[0] if self.records else None
        unexplained = closes.get((last_instance, "no fault"), 0)
        if unexplained:
            self.failures.append("%d allowed flows of the cleanly stopped instance have no close record" % unexplained)
        if drift[2]:
            self.failures.append(drift[2])
        if not any(a.outcome in a.expected for a in answers):
            self.failures.append("no traffic")
        if not any(self.cls[id(a)] == "ok" for a in self.pages):
            self.failures.append("no HTTPS block page was served")

    def _restart_note(self):
        for name, text in self.s.logs:
            if name == "final":
                m = re.search(r"cut off[^\n]*", text)
                return "restarted; " + (m.group(0) if m else "no torn line to cut off")
        return ""

    def _drift(self):
        a, b = self.s.samples.get("start"), self.s.samples.get("end")
        if not (a and b and a[0] and b[0]):
            return ("n/a", "n/a", "no start/end samples")
        (r0, f0), (r1, f1) = a[0], b[0]
        dr, df = (r1 - r0) / r0, (f1 - f0) / f0
        fail = ""
        # Under ASan the quarantine of freed memory grows RSS without a leak
        # (LeakSanitizer reports leaks at exit): only descriptors count there.
        rss_counts = not getattr(self.s, "sanitized", False)
        if (rss_counts and dr > DRIFT_LIMIT) or df > DRIFT_LIMIT:
            fail = "drift beyond %d%%: RSS %+.1f%%, descriptors %+.1f%%" % (DRIFT_LIMIT * 100, dr * 100, df * 100)
        rss = "%+.1f%%" % (dr * 100) + ("" if rss_counts else " (ASan build: quarantine, not checked)")
        return (rss, "%+.1f%% (%+d)" % (df * 100, f1 - f0), fail)
