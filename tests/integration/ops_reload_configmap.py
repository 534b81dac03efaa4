#!/usr/bin/env python3
"""Reload on a Kubernetes ConfigMap update (issue #5 item 1): the config
directory is laid out as kubelet does it (every file a symlink through
"..data", "..data" a symlink to a timestamped directory) and updated as
kubelet does it (new directory, "..data_tmp" renamed over "..data", old
directory removed). gatehouse must reload on its own, and a broken update
must be rejected with the old rules kept."""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "proxy_lib"))
import gh  # noqa: E402

gh.need_binary()


def category(domain):
    return gh.CATEGORY_IM.replace(".web.whatsapp.com", domain)


class ConfigMapVolume:
    def __init__(self, files):
        self.dir = tempfile.mkdtemp(prefix="gh-cm-")
        self.version = 0
        self.current = None
        self.update(files, first=True)
        for name in files:
            os.symlink(os.path.join("..data", name), os.path.join(self.dir, name))

    def update(self, files, first=False):
        self.version += 1
        ts = "..2026_11_%02d_10_00_00.%d" % (self.version, 1000 + self.version)
        os.mkdir(os.path.join(self.dir, ts))
        for name, text in files.items():
            with open(os.path.join(self.dir, ts, name), "w") as f:
                f.write(text)
        tmp = os.path.join(self.dir, "..data_tmp")
        os.symlink(ts, tmp)
        os.rename(tmp, os.path.join(self.dir, "..data"))
        if self.current:
            shutil.rmtree(os.path.join(self.dir, self.current))
        self.current = ts


fwd, adm = gh.free_port(), gh.free_port()
audit_dir = tempfile.mkdtemp(prefix="gh-cm-audit-")
main = gh.main_config(fwd, adm, audit_path=os.path.join(audit_dir, "audit.jsonl"),
                      categories="category-*.yaml")
files = {
    "gatehouse.yaml": main,
    "category-im.yaml": category(".web.whatsapp.com"),
    "departments.yaml": gh.DEPARTMENTS,
    "approvals.yaml": "approvals: []\n",
}
vol = ConfigMapVolume(files)
g = gh.Gatehouse(os.path.join(vol.dir, "gatehouse.yaml"), adm)


def reloads():
    m, _ = g.metrics()
    return m.value("gatehouse_reloads_total", result="ok"), m.value("gatehouse_reloads_total", result="failed")


def wait_for(pred, what, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(what + "\n" + g.output())


def status(host):
    return gh.proxy_get(fwd, "http://%s/" % host, timeout=3)[0]


try:
    g.wait_ready()
    assert status("web.whatsapp.com") == 403
    assert reloads() == (0, 0)

    # kubelet-style update: the category now names another domain.
    vol.update(dict(files, **{"category-im.yaml": category(".web.telegram.org")}))
    wait_for(lambda: reloads()[0] >= 1, "no reload after the ..data swap")
    assert status("web.telegram.org") == 403
    g.wait_log(r"reload: changed: [^\n]*\.\.data")
    print("ok: ConfigMap ..data swap reloaded")

    # A broken update: rejected, the telegram rule stays.
    vol.update(dict(files, **{"category-im.yaml": category(".web.telegram.org") + "bogus: 1\n"}))
    wait_for(lambda: reloads()[1] >= 1, "the broken update was not counted as failed")
    g.wait_log(r"category-im\.yaml:\d+:\d+: error")
    assert status("web.telegram.org") == 403
    assert reloads()[0] == 1

    # And the next good update is seen: the watch survived the swaps.
    vol.update(dict(files, **{"category-im.yaml": category(".wx.qq.com")}))
    wait_for(lambda: reloads()[0] >= 2, "no reload after the third swap")
    assert status("wx.qq.com") == 403
    print("ok: broken ConfigMap update rejected, later update applied")
finally:
    rc = g.stop()
    shutil.rmtree(vol.dir, ignore_errors=True)
    shutil.rmtree(audit_dir, ignore_errors=True)
assert rc == 0, rc
