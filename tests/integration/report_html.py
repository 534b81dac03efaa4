#!/usr/bin/env python3
"""`gatehouse audit report --format html`, rendered by Debian's headless
chromium (README "The audit log"): the counts the page shows against a log written here,
days in policy.timezone, approval states, hostile strings from the log shown
as text, and a self-contained page (nothing to fetch, nothing to run).

The page is loaded with --dump-dom (the DOM after parsing, so a string that
escaped escaping would show up as an element) and a screenshot is kept as a
test artifact under the build directory (test-artifacts/report_html/).

chromium missing: a failure in CI (env CI set), a skip (77) elsewhere."""
import datetime
import html.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_lib import auditlog  # noqa: E402

GATEHOUSE = os.environ.get("GATEHOUSE")
BUILD = os.environ.get("GH_BUILD_DIR", tempfile.gettempdir())
HOSTILE_APP = "<script>alert(1)</script>"
HOSTILE_USER = "\"><img src=x onerror=alert(2)>"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


class Dom(html.parser.HTMLParser):
    """Tables per section (rows of cell texts), KPI figures, every tag and
    attribute seen."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs = [], []
        self.section = None
        self.tables = {}  # section id -> list of tables -> rows -> cells
        self.kpis = {}
        self.texts = []
        self._cell = None
        self._row = None
        self._kpi = None
        self._kpi_value = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self.attrs.extend((tag, k, v or "") for k, v in attrs)
        if tag == "section" and a.get("id"):
            self.section = a["id"]
        elif tag == "table":
            self.tables.setdefault(self.section, []).append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""
        cls = a.get("class", "")
        if cls == "kpi-value":
            self._kpi = "value"
            self._kpi_value = ""
        elif cls == "kpi-label":
            self._kpi = "label"
            self._kpi_label = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self.section][-1].append(self._row)
            self._row = None
        elif tag == "div" and self._kpi == "label":
            self.kpis[self._kpi_label.strip()] = self._kpi_value.strip()
            self._kpi = None
        elif tag == "div" and self._kpi == "value":
            self._kpi = None

    def handle_data(self, data):
        self.texts.append(data)
        if self._cell is not None:
            self._cell += data
        if self._kpi == "value":
            self._kpi_value += data
        elif self._kpi == "label":
            self._kpi_label += data

    def table(self, section, first_header):
        for t in self.tables.get(section, []):
            if t and t[0] and t[0][0] == first_header:
                return t
        fail("no table starting with %r in section %r: %r" % (first_header, section,
                                                               self.tables.get(section)))

    def row(self, section, first_header, key):
        t = self.table(section, first_header)
        for r in t[1:]:
            if r[0] == key:
                return dict(zip(t[0], r))
        fail("no row %r in %s/%s: %r" % (key, section, first_header, t))


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        fail("chromium is not installed (tests/run.sh installs it); CI must not skip this test")
    print("skip: chromium not installed (apt-get install chromium)")
    sys.exit(77)


def browse(browser, profile, *args):
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--user-data-dir=" + profile, *args]
    p = subprocess.run(cmd, capture_output=True, timeout=120)
    if p.returncode != 0:
        fail("chromium %s exited %d:\n%s" % (args, p.returncode, p.stderr.decode(errors="replace")))
    return p.stdout.decode("utf-8")


def approvals_yaml(today):
    def d(days):
        return (today + datetime.timedelta(days=days)).isoformat()
    return f"""approvals:
  - id: IMM-A
    department: immigration
    app: whatsapp-web
    approved_by: Director of Immigration
    reason: "1868 hotline"
    granted: 2026-01-01
    expires: {d(300)}
  - id: FIN-EXP
    department: finance
    app: dropbox
    approved_by: Director of Finance
    reason: "external auditor"
    granted: 2026-01-01
    expires: {d(5)}
  - id: OLD-1
    department: finance
    domain: .files.example.gov
    approved_by: Director of Finance
    reason: "2020 audit"
    granted: 2020-01-01
    expires: 2020-12-31
  - id: FUT-1
    department: immigration
    category: personal-webmail
    approved_by: Director of Immigration
    reason: "mail pilot"
    granted: {d(30)}
    expires: {d(400)}
"""


def records():
    D = auditlog.decision
    imm, fin = "10.20.5.7:40000", "10.30.1.9:40000"
    r = []
    # Hong Kong days (UTC+8): 02:00Z is 10:00 the same day.
    r += [D("2026-11-20T02:00:00.000Z", imm, "immigration", "instant-messaging-web",
            "whatsapp-web", "block", "category-blocked") for _ in range(4)]
    r += [D("2026-11-21T02:00:00.000Z", imm, "immigration", "instant-messaging-web",
            "whatsapp-web", "allow", "approved", approval="IMM-A") for _ in range(3)]
    r += [D("2026-11-21T03:00:00.000Z", imm, "immigration", "personal-webmail", "gmail",
            "allow", "monitored") for _ in range(2)]
    # 17:00Z on the 21st is 01:00 on the 22nd in Hong Kong.
    r += [D("2026-11-21T17:00:00.000Z", fin, "finance", "public-cloud-storage", "dropbox",
            "block", "category-blocked")]
    r += [D("2026-11-22T04:00:00.000Z", fin, "finance", "public-cloud-storage", "dropbox",
            "block", "category-blocked") for _ in range(4)]
    r += [D("2026-11-22T04:00:00.000Z", fin, "finance", None, None, "allow", "uncategorized")]
    # Hostile strings where the log carries text: host, app, user.
    r += [D("2026-11-22T05:00:00.000Z", "192.0.2.1:1", None, "instant-messaging-web",
            HOSTILE_APP, "block", "category-blocked", host="<script>", user=HOSTILE_USER)]
    # One CONNECT tunnel: authority record, then the SNI record; one approved attempt.
    tunnel = "10.20.5.8:5555"
    r += [D("2026-11-22T06:00:00.000Z", tunnel, "immigration", None, None, "allow",
            "uncategorized", method="CONNECT", host="web.whatsapp.com")]
    r += [D("2026-11-22T06:00:00.000Z", tunnel, "immigration", "instant-messaging-web",
            "whatsapp-web", "allow", "approved", approval="IMM-A", method="CONNECT",
            host="web.whatsapp.com", sni="web.whatsapp.com")]
    return r


def check_counts(dom):
    want_kpis = {"Decisions recorded": "17", "Controlled services": "16", "Blocked": "10",
                 "Monitored": "2", "Approved": "4"}
    if dom.kpis != want_kpis:
        fail("headline figures %r, expected %r" % (dom.kpis, want_kpis))
    # Days of Asia/Hong_Kong: the 17:00Z record is on the 22nd.
    for day, total in (("2026-11-20", "4"), ("2026-11-21", "5"), ("2026-11-22", "7")):
        row = dom.row("over-time", "day", day)
        if row["total"] != total:
            fail("%s: %r, expected total %s" % (day, row, total))
    if dom.row("over-time", "day", "TOTAL")["total"] != "16":
        fail("over-time TOTAL")
    if dom.row("over-time", "day", "2026-11-21")["Personal webmail"] != "2":
        fail("category columns carry the categories' titles")
    imm = dom.row("outcomes", "department", "Immigration Department (immigration)")
    if (imm["blocked"], imm["monitored"], imm["approved"], imm["total"]) != ("4", "2", "4", "10"):
        fail("immigration outcomes %r" % imm)
    fin = dom.row("outcomes", "department", "Finance Bureau (finance)")
    if (fin["blocked"], fin["other"], fin["total"]) != ("5", "1", "6"):
        fail("finance outcomes %r" % fin)
    wa = dom.row("apps", "app", "WhatsApp Web")  # the first department's table
    if wa["total"] != "8" or wa["approved"] != "4":
        fail("immigration's WhatsApp Web %r" % wa)
    client = dom.row("clients", "client", "10.30.1.9")
    if client["blocked"] != "5":
        fail("client 10.30.1.9 %r" % client)
    user = dom.row("users", "user", HOSTILE_USER)
    if user["total"] != "1":
        fail("user row %r" % user)
    states = {"IMM-A": ("active", "4"), "FIN-EXP": ("expiring", "0"), "OLD-1": ("expired", "0"),
              "FUT-1": ("not-yet-valid", "0")}
    for aid, (state, uses) in states.items():
        row = dom.row("approvals", "approval", aid)
        if (row["state"], row["uses"]) != (state, uses):
            fail("approval %s: %r, expected %s with %s uses" % (aid, row, state, uses))
    if dom.row("approvals", "approval", "IMM-A")["last use"] != "2026-11-22 14:00":
        fail("IMM-A last use in Hong Kong time: %r" % dom.row("approvals", "approval", "IMM-A"))


def check_inert(dom, page):
    # Parsed by a browser, the hostile strings are text, not elements.
    if "script" in dom.tags or "img" in dom.tags or "iframe" in dom.tags:
        fail("an element came from the log: %r" % sorted(set(dom.tags)))
    text = "".join(dom.texts)
    if HOSTILE_APP not in text or HOSTILE_USER not in text:
        fail("the hostile strings should be shown as text")
    for tag, name, value in dom.attrs:
        if name in ("src", "href", "xlink:href", "srcset", "action", "formaction"):
            fail("the page references something: <%s %s=%r>" % (tag, name, value))
        if name.startswith("on"):
            fail("an event handler attribute: <%s %s=%r>" % (tag, name, value))
    if re.search(r"https?:", page):
        fail("the page names a URL: %r" % re.search(r".{40}https?:.{40}", page))


def main():
    if not GATEHOUSE or not os.access(GATEHOUSE, os.X_OK):
        fail("GATEHOUSE binary not set or not executable")
    browser = chromium()
    today_hk = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date()
    tree = auditlog.rule_tree(approvals_yaml(today_hk), timezone="Asia/Hong_Kong")
    artifacts = os.path.join(BUILD, "test-artifacts", "report_html")
    os.makedirs(artifacts, exist_ok=True)
    try:
        log = os.path.join(tree, "audit.jsonl")
        auditlog.write_log(log, records())
        v = subprocess.run([GATEHOUSE, "audit", "verify", log], capture_output=True, timeout=60)
        if v.returncode != 0:
            fail("the generated log does not verify: %s" % v.stdout.decode())
        p = subprocess.run([GATEHOUSE, "audit", "report", "--config",
                            os.path.join(tree, "gatehouse.yaml"), log, "--format", "html"],
                           capture_output=True, timeout=60)
        if p.returncode != 0 or p.stderr:
            fail("audit report --format html: exit %d, stderr %r" % (p.returncode, p.stderr))
        page = p.stdout.decode("utf-8")
        report = os.path.join(artifacts, "report.html")
        with open(report, "w", encoding="utf-8") as f:
            f.write(page)
        profile = tempfile.mkdtemp(prefix="gh-chromium-")
        try:
            dom_text = browse(browser, profile, "--dump-dom", "file://" + report)
            png = os.path.join(artifacts, "report.png")
            if os.path.exists(png):
                os.unlink(png)
            browse(browser, profile, "--window-size=1280,4200", "--screenshot=" + png,
                   "file://" + report)
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        with open(png, "rb") as f:
            head = f.read(8)
        if head != b"\x89PNG\r\n\x1a\n" or os.path.getsize(png) < 20000:
            fail("no screenshot at %s" % png)
        dom = Dom()
        dom.feed(dom_text)
        check_counts(dom)
        check_inert(dom, page)
        # In force and unused: to retire. Not yet valid cannot have been used: not listed.
        m = re.search(r"candidates to retire\):</strong>([^<]*)</li>", dom_text)
        if not m or m.group(1).strip() != "FIN-EXP":
            fail("unused approvals callout: %r" % (m and m.group(1)))
        if not re.search(r"Expiring within 14 days:</strong> FIN-EXP \(\d{4}-\d\d-\d\d\)</li>",
                         dom_text):
            fail("expiring approvals callout missing")

        # The same log without a config: UTC days, ids instead of titles.
        p = subprocess.run([GATEHOUSE, "audit", "report", log, "--format", "html", "--config",
                            os.path.join(tree, "missing.yaml")], capture_output=True, timeout=60)
        if p.returncode != 1:
            fail("an explicit --config that cannot be loaded is an error (exit %d)" % p.returncode)
        p = subprocess.run([GATEHOUSE, "audit", "report", log, "--format", "html"],
                           capture_output=True, timeout=60, cwd=tree)
        if p.returncode != 0:
            fail("audit report without a config: exit %d %r" % (p.returncode, p.stderr))
        bare = Dom()
        bare.feed(p.stdout.decode("utf-8"))
        if bare.row("over-time", "day", "2026-11-21")["total"] != "6":
            fail("without a config, days are UTC days")
        if bare.row("outcomes", "department", "immigration")["total"] != "10":
            fail("without a config, departments by id")
        print("ok: HTML report rendered by chromium; screenshot %s" % png)
    finally:
        shutil.rmtree(tree, ignore_errors=True)


if __name__ == "__main__":
    main()
