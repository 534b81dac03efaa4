#!/usr/bin/env python3
"""The include arrows of proxy/ (docs/architecture.md "Layers"): a file may
include headers of its own folder and of lower layers only. Exits 1 and
names every arrow that points up or sideways, and every folder without a
layer (a new folder must be placed here first)."""
import os
import re
import sys

# Lower number = lower layer. Folders on one level must not include each other.
LAYERS = {
    "base": 0,     # log, units: no gatehouse includes
    "policy": 1,   # the decision, pure: no Asio, no files
    "config": 2,   # YAML -> RuleSet and Settings
    "tls": 3,      # TLS parsing and certificates
    "audit": 3,    # records, the chain, the writer, reports
    "runtime": 4,  # shared live state (rules, settings, audit, metrics), reload
    "net": 5,      # sockets: accept, upstream connect, resolver, relay
    "auth": 6,     # who is asking: credentials, directories (on Asio executors)
    "http": 7,     # every session handler and the one local reply
    "admin": 8,    # the admin listener
    "cli": 9,      # the commands
}
ROOT_FILES = 10  # proxy/main.cpp

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_0-9]+)/', re.M)


def main():
    root = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "proxy")
    bad = []
    for dirpath, _, files in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        top = "" if rel == "." else rel.split(os.sep)[0]
        if top and top not in LAYERS:
            bad.append("%s/: a folder with no layer in tools/check_layers.py" % rel)
            continue
        level = LAYERS.get(top, ROOT_FILES)
        for f in files:
            if not f.endswith((".hpp", ".cpp")):
                continue
            path = os.path.join(dirpath, f)
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            for m in INCLUDE.finditer(text):
                target = m.group(1)
                if target == top:
                    continue
                line = text.count("\n", 0, m.start()) + 1
                where = "%s:%d" % (os.path.relpath(path, os.path.dirname(root)), line)
                if target not in LAYERS:
                    bad.append("%s: includes %s/, which has no layer" % (where, target))
                elif LAYERS[target] >= level:
                    bad.append("%s: %s (layer %d) includes %s/ (layer %d)" %
                               (where, top or "proxy", level, target, LAYERS[target]))
    for b in bad:
        print(b)
    print("layers: %d arrow(s) out of order" % len(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
