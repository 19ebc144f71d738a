#!/usr/bin/env python3
"""Latency of `GET /v1/entities?q=` (search by name) on a store, through a real `aka serve`.

    python3 scripts/search_latency.py AKA DATA_DIR [PORT] [QUERY...]

Starts `AKA --data DATA_DIR serve --listen 127.0.0.1:PORT` (default port 18790), waits for
/readyz, asks each query 7 times (limit=5), stops the server, and prints per query the median
latency, the total found and the first ids, so that two builds can be compared on the same store
(their results must be the same). The store of the scale bench, for instance:

    cargo bench -p aka --bench scale -- 1000000 --runs=1 --keep   # prints the kept directory
    target/release/aka --data KEPT/data snapshot

Without queries, a set made for that store's generated names is used.
"""
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

DEFAULT_QUERIES = ["Dakvus Maisachasen", "Maisachasen", "Dakvus Maisachasn", "Mozoekv", "zzqx", "Minister Dakvus"]


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    aka, data = sys.argv[1], sys.argv[2]
    port = sys.argv[3] if len(sys.argv) > 3 else "18790"
    queries = sys.argv[4:] or DEFAULT_QUERIES
    base = f"http://127.0.0.1:{port}"
    # The server's log goes to a file: a pipe nobody reads would fill and stop it.
    log = tempfile.TemporaryFile()
    server = subprocess.Popen([aka, "--data", data, "serve", "--listen", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=log)
    try:
        for _ in range(240):
            if server.poll() is not None:
                log.seek(0)
                print(f"aka serve exited: {log.read().decode(errors='replace')}", file=sys.stderr)
                return 1
            try:
                urllib.request.urlopen(f"{base}/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            print("aka serve did not answer /readyz in 2 minutes", file=sys.stderr)
            return 1
        for query in queries:
            times = []
            for _ in range(7):
                started = time.perf_counter()
                body = urllib.request.urlopen(f"{base}/v1/entities?" + urllib.parse.urlencode({"q": query, "limit": 5})).read()
                times.append((time.perf_counter() - started) * 1000)
            found = json.loads(body)
            ids = [e["id"] for e in found["entities"]]
            print(f"{query!r}: median {statistics.median(times):.1f} ms, total {found['total']}, first {ids}")
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
