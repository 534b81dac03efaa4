"""Audit logs for the report_* integration tests, chained by this module's
own implementation of README "The audit log" (hash = SHA-256 over prev + the line's bytes
up to `,"prev":`), so `gatehouse audit verify` accepts them, and a small rule
tree with categories, departments and approvals."""
import hashlib
import json
import os
import tempfile

ZERO = "0" * 64
FIELDS = ["ts", "seq", "event", "id", "client", "department", "user", "listener", "method",
          "host", "port", "sni", "url", "category", "app", "action", "reason", "rule",
          "approval", "status"]


def chain(records, prev=ZERO):
    """Numbers the records (seq, id) and serialises them as chained lines."""
    lines = []
    for seq, r in enumerate(records, 1):
        r = dict(r, seq=seq, id="gh-test-%d" % seq)
        body = "{" + ",".join(json.dumps(k) + ":" + json.dumps(r.get(k), ensure_ascii=False,
                                                               separators=(",", ":"))
                              for k in FIELDS)
        h = hashlib.sha256((prev + body).encode("utf-8")).hexdigest()
        lines.append(body + ',"prev":"%s","hash":"%s"}' % (prev, h))
        prev = h
    return lines


def decision(ts, client, department, category, app, action, reason, approval=None,
             method="GET", host="h.example", sni=None, user=None):
    return {"ts": ts, "event": "decision", "client": client, "department": department,
            "user": user, "listener": "forward", "method": method, "host": host,
            "port": 443 if method == "CONNECT" else 80, "sni": sni, "url": None,
            "category": category, "app": app, "action": action, "reason": reason,
            "rule": None, "approval": approval, "status": 403 if action != "allow" else 200}


def write_log(path, records):
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(chain(records)) + "\n")


CATEGORIES = {
    "instant-messaging-web.yaml": """category: instant-messaging-web
title: Web-based instant messaging
apps:
  - id: whatsapp-web
    title: WhatsApp Web
    domains: [.web.whatsapp.com]
""",
    "public-cloud-storage.yaml": """category: public-cloud-storage
title: Public cloud storage
apps:
  - id: dropbox
    title: Dropbox
    domains: [.dropbox.com]
""",
    "personal-webmail.yaml": """category: personal-webmail
title: Personal webmail
apps:
  - id: gmail
    title: Gmail
    domains: [mail.google.com]
""",
}

DEPARTMENTS = """departments:
  - id: immigration
    name: Immigration Department
    head: Director of Immigration
    networks: ["10.20.0.0/16"]
  - id: finance
    name: Finance Bureau
    head: Director of Finance
    networks: ["10.30.0.0/16"]
"""


def rule_tree(approvals_yaml, timezone="UTC"):
    """A config directory whose gatehouse.yaml names the files above."""
    d = tempfile.mkdtemp(prefix="gh-report-")
    os.makedirs(os.path.join(d, "categories"))
    for name, text in CATEGORIES.items():
        with open(os.path.join(d, "categories", name), "w") as f:
            f.write(text)
    with open(os.path.join(d, "departments.yaml"), "w") as f:
        f.write(DEPARTMENTS)
    with open(os.path.join(d, "approvals.yaml"), "w") as f:
        f.write(approvals_yaml)
    with open(os.path.join(d, "gatehouse.yaml"), "w") as f:
        f.write(f"""listen:
  - {{ address: "127.0.0.1:3128", mode: forward }}
admin: {{ address: "127.0.0.1:9090" }}
clients: {{ allow: ["127.0.0.0/8", "10.0.0.0/8"] }}
include:
  categories: "categories/*.yaml"
  departments: "departments.yaml"
  approvals: "approvals.yaml"
policy:
  uncategorized: allow
  categories:
    instant-messaging-web: block
    public-cloud-storage: block
    personal-webmail: monitor
  timezone: "{timezone}"
audit:
  path: "audit.jsonl"
""")
    return d
