#!/usr/bin/env python3
"""The deploy/ recipes parse and say what they should:
- deploy/k8s/*.yaml are valid YAML with the expected kinds; the Deployment
  probes /readyz and /healthz on the admin port and mounts the ConfigMap as
  a directory (no subPath: subPath freezes files and defeats live reload);
- the ConfigMap's rule tree passes `gatehouse check`;
- deploy/haproxy-scaleout.cfg passes `haproxy -c` and uses send-proxy-v2;
- deploy/vector.toml is valid TOML; deploy/rsyslog-gatehouse.conf passes
  `rsyslogd -N1` when rsyslog is installed.
"""
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # pyenv's python without Debian's python3-yaml
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("skip: python3-yaml missing")
    sys.exit(77)
import tomllib

SRC = os.environ.get("GH_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY = os.path.join(SRC, "deploy")
GATEHOUSE = os.environ.get("GATEHOUSE")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def load_all(name):
    with open(os.path.join(DEPLOY, "k8s", name)) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


docs = {name: load_all(name) for name in ("deployment.yaml", "configmap.yaml", "service.yaml")}
check([d["kind"] for d in docs["deployment.yaml"]] == ["Deployment"], "deployment.yaml kind")
check([d["kind"] for d in docs["configmap.yaml"]] == ["ConfigMap"], "configmap.yaml kind")
check(all(d["kind"] == "Service" for d in docs["service.yaml"]), "service.yaml kinds")

dep = docs["deployment.yaml"][0]
pod = dep["spec"]["template"]["spec"]
c = pod["containers"][0]
check(c["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness probe on /readyz")
check(c["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness probe on /healthz")
mounts = {m["name"]: m for m in c["volumeMounts"]}
check("subPath" not in mounts["rules"], "rules mounted as a directory (no subPath)")
check(dep["spec"]["selector"]["matchLabels"].items() <= dep["spec"]["template"]["metadata"]["labels"].items(),
      "selector matches the pod labels")
cm = docs["configmap.yaml"][0]
check(any(v["configMap"]["name"] == cm["metadata"]["name"] for v in pod["volumes"] if "configMap" in v),
      "deployment mounts the ConfigMap")
for svc in docs["service.yaml"]:
    check(svc["spec"]["selector"] == dep["spec"]["template"]["metadata"]["labels"], "service selects the pods")

# The ConfigMap's rule tree is a real, valid gatehouse config.
if GATEHOUSE and os.path.exists(GATEHOUSE):
    with tempfile.TemporaryDirectory() as tmp:
        for key, text in cm["data"].items():
            check("/" not in key, "ConfigMap key without '/': " + key)
            with open(os.path.join(tmp, key), "w") as f:
                f.write(text)
        r = subprocess.run([GATEHOUSE, "check", "--config", os.path.join(tmp, "gatehouse.yaml")],
                           capture_output=True, text=True, timeout=60)
        print(r.stdout, r.stderr, end="")
        check(r.returncode == 0, "gatehouse check accepts the ConfigMap rules")
else:
    print("note: GATEHOUSE not set, ConfigMap rules not checked")

with open(os.path.join(DEPLOY, "vector.toml"), "rb") as f:
    vec = tomllib.load(f)
check(vec["sources"]["gatehouse_audit"]["type"] == "file", "vector reads the audit file")

cfg = os.path.join(DEPLOY, "haproxy-scaleout.cfg")
if shutil.which("haproxy"):
    r = subprocess.run(["haproxy", "-c", "-f", cfg], capture_output=True, text=True, timeout=30)
    print(r.stdout, r.stderr, end="")
    check(r.returncode == 0, "haproxy -c accepts haproxy-scaleout.cfg")
check("send-proxy-v2" in open(cfg).read(), "scale-out sends PROXY v2")

rs = os.path.join(DEPLOY, "rsyslog-gatehouse.conf")
if shutil.which("rsyslogd"):
    r = subprocess.run(["rsyslogd", "-N1", "-f", rs], capture_output=True, text=True, timeout=30)
    print(r.stdout, r.stderr, end="")
    check(r.returncode == 0, "rsyslogd -N1 accepts rsyslog-gatehouse.conf")

if failures:
    sys.exit(1)
print("ok: deploy files")
