#!/usr/bin/env python3
"""A real `gatehouse serve` whose audit file hits RLIMIT_FSIZE (EFBIG): with
on_failure: block it answers 503 and /readyz fails; once the limit is raised
it recovers by itself, and the chain goes on without a gap (audit verify)."""
import http.client
import importlib.util
import os
import re
import resource
import shutil
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("audit_serve", os.path.join(here, "audit_serve.py"))
serve = importlib.util.module_from_spec(spec)
spec.loader.exec_module(serve)

LIMIT = 48 * 1024


def readyz(admin):
    c = http.client.HTTPConnection("127.0.0.1", admin, timeout=10)
    c.request("GET", "/readyz")
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def main():
    if not serve.GATEHOUSE:
        print("GATEHOUSE not set", file=sys.stderr)
        return 1
    tmp = tempfile.mkdtemp(prefix="gh-integ-audit-fail-")
    px = None
    try:
        port, admin = serve.free_port(), serve.free_port()
        cfg = serve.write_config(tmp, port, admin)
        live = os.path.join(tmp, "var", "audit.jsonl")

        def limit_file_size():
            hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
            resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, hard))

        px = serve.Proxy(cfg, tmp, "serve", preexec=limit_file_size)
        px.wait_port(port)
        assert readyz(admin) == 200
        accepted, first_503 = 0, None
        for _ in range(2000):
            status, _ = serve.get(port, "http://web.whatsapp.com/")
            if status == 503:
                first_503 = time.time()
                break
            assert status == 403, status
            accepted += 1
        assert first_503, "never failed"
        assert accepted > 10, accepted
        assert os.path.getsize(live) <= LIMIT
        assert readyz(admin) != 200, "readyz still ok while the audit log fails"
        for _ in range(5):
            assert serve.get(port, "http://web.whatsapp.com/")[0] == 503

        # Free the limit: the writer probes once a second and recovers.
        hard = resource.prlimit(px.p.pid, resource.RLIMIT_FSIZE)[1]
        resource.prlimit(px.p.pid, resource.RLIMIT_FSIZE, (hard, hard))
        deadline = time.time() + 15
        status = 503
        while time.time() < deadline:
            status, _ = serve.get(port, "http://web.whatsapp.com/")
            if status == 403:
                break
            time.sleep(0.2)
        assert status == 403, "did not recover"
        failed_for = time.time() - first_503
        assert readyz(admin) == 200
        for _ in range(5):
            assert serve.get(port, "http://web.whatsapp.com/")[0] == 403
        assert px.stop() == 0
        text = px.text()
        errors = len(re.findall(r"audit: (cannot|still cannot) ", text))
        assert 1 <= errors <= failed_for + 3, (errors, failed_for, text)
        seq = int(re.findall(r"audit: stopped at seq (\d+)", text)[-1])
        assert seq == accepted + 6, (seq, accepted)  # every 403 is on record, nothing else
        v = serve.verify(live, "--expect-seq", str(seq))
        assert v.returncode == 0, v.stdout + v.stderr
        assert f"records: {seq}" in v.stdout, v.stdout
        print(f"ok: failed after {accepted} records, recovered in {failed_for:.1f}s, chain intact")
        return 0
    finally:
        if px and px.p.poll() is None:
            px.p.kill()
            px.p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
