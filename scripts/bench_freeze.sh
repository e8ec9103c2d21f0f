#!/usr/bin/env bash
# Heavy reads against everything else (part of `make bench`; also alone after a release build):
# a HelpCrunch account of BENCH_FREEZE_RECORDS customers (default 1,000,000), three clients
# running 50-filter searches over it back to back for BENCH_FREEZE_SECONDS (default 10), and
# meanwhile a fourth client timing the health check, another vendor's list, and a PATCH to the
# searched account. Prints p50/p99/max per probe and how long one search took.
#
# BENCH_PORT (4710; this uses the port after bench_durable's).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench_common.sh
. scripts/bench_common.sh
N=${BENCH_FREEZE_RECORDS:-1000000}
S=${BENCH_FREEZE_SECONDS:-10}
PORT=$(( ${BENCH_PORT:-4710} + 6 ))
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
serve_helpcrunch "$N" "$PORT" "$work"

python3 - "$PORT" "$S" "$N" <<'PY'
import http.client, json, statistics, sys, threading, time
port, seconds, n = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
filters = [{"field": "customers.email", "operator": "~", "value": "nobody%d@" % i} for i in range(50)]
search = json.dumps({"comparison": "OR", "filter": filters, "limit": 10})
end = time.monotonic() + seconds
searches = []

def call(conn, method, path, token, body=None):
    headers = {"Authorization": "Bearer " + token}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    r.read()
    if r.status >= 400:
        raise SystemExit("%s %s: %d" % (method, path, r.status))

def searcher():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while time.monotonic() < end:
        t = time.perf_counter()
        call(conn, "POST", "/helpcrunch/v1/customers/search", "helpcrunch-test-token", search)
        searches.append(time.perf_counter() - t)

threads = [threading.Thread(target=searcher) for _ in range(3)]
for t in threads:
    t.start()
time.sleep(0.5)
probes = {"health": [], "chative list": [], "PATCH same account": []}
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
k = 0
while time.monotonic() < end:
    for name, args in (
        ("health", ("GET", "/__admin/health", "")),
        ("chative list", ("GET", "/chative/v1.0/contacts?limit=1", "chative-test-token")),
        ("PATCH same account", ("PATCH", "/helpcrunch/v1/customers/%d" % (1 + k % n),
                                "helpcrunch-test-token", json.dumps({"name": "During %d" % k}))),
    ):
        t = time.perf_counter()
        call(conn, *args)
        probes[name].append(time.perf_counter() - t)
    k += 1
    time.sleep(0.02)
for t in threads:
    t.join()

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]

print("%-36s %8s %10s %10s %10s" % ("while 3 searches run (%d records)" % n, "samples", "p50 ms", "p99 ms", "max ms"))
for name, xs in probes.items():
    print("%-36s %8d %10.1f %10.1f %10.1f" % (name, len(xs), 1e3 * statistics.median(xs), 1e3 * pct(xs, 99), 1e3 * max(xs)))
print("%-36s %8d %10.1f %10.1f %10.1f" % ("one 50-filter search", len(searches), 1e3 * statistics.median(searches), 1e3 * pct(searches, 99), 1e3 * max(searches)))
PY
