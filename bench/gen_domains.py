#!/usr/bin/env python3
"""Deterministic list of synthetic domains for the end-to-end bench.

Writes the same N domains twice: one per line for gatehouse's
include.domain_lists (match: suffix), and with leading dots for a Squid
dstdomain ACL file. No entry is a subdomain of another (Squid warns about and
drops such overlaps, which would make the two lists differ). Prints a host
that the lists block (a subdomain of one entry) on stdout.

    gen_domains.py --count 1000000 --plain list.txt --squid list.squid
"""
import argparse
import hashlib
import sys

WORDS = ["cloud", "drive", "box", "share", "sync", "file", "store", "vault", "depot",
         "send", "transfer", "space", "locker", "bucket", "archive", "upload", "mail",
         "chat", "talk", "post", "data", "media", "photo", "doc"]
TLDS = ["com", "net", "org", "io", "co", "info", "biz", "app", "dev", "cloud", "xyz", "me"]
SUFFIXES2 = ["co.uk", "com.au", "co.jp", "com.br", "co.nz", "org.uk"]
SUBS = ["www", "cdn", "api", "files", "dl", "static", "m", "web"]


def domain(i: int) -> str:
    h = hashlib.blake2b(i.to_bytes(8, "little"), digest_size=8).hexdigest()
    n = int(h, 16)
    w1, w2 = WORDS[n % len(WORDS)], WORDS[(n >> 8) % len(WORDS)]
    tld = TLDS[(n >> 16) % len(TLDS)]
    form = i % 10
    if form < 6:  # two labels: <word><word>-<6 hex>.<tld>
        return f"{w1}{w2}-{h[:6]}.{tld}"
    if form < 9:  # three labels whose parent (<word>-<8 hex>) no two-label entry can equal
        return f"{SUBS[(n >> 24) % len(SUBS)]}.{w1}-{h[:8]}.{tld}"
    return f"{w2}{h[:10]}.{SUFFIXES2[(n >> 32) % len(SUFFIXES2)]}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--plain", required=True, help="one domain per line")
    ap.add_argument("--squid", help="Squid dstdomain file (leading dots)")
    args = ap.parse_args()
    seen = set()
    entries = []
    i = 0
    while len(entries) < args.count:  # bounded: duplicates are rare (hash prefixes)
        d = domain(i)
        i += 1
        if d not in seen:
            seen.add(d)
            entries.append(d)
        if i > 2 * args.count:
            print("gen_domains: too many duplicates", file=sys.stderr)
            return 1
    with open(args.plain, "w") as f:
        f.write("\n".join(entries) + "\n")
    if args.squid:
        with open(args.squid, "w") as f:
            f.write("".join("." + d + "\n" for d in entries))
    # A subdomain of an entry in the middle of the list: found only by a suffix match.
    print("files." + entries[len(entries) // 2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
