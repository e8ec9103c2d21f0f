#!/usr/bin/env bash
# What `mockdesk snapshot` itself costs (part of `make bench`; also alone after a release build):
# a HelpCrunch account of BENCH_SNAPSHOT_RECORDS customers (default 100,000), served with rate
# limits off, snapshotted plainly and anonymized. Prints wall time, records per second and the
# snapshot process's peak memory (RSS), and checks the file holds every customer. Against a
# real vendor the documented rate limit bounds the time instead (HelpCrunch: 100 records per
# request).
#
# BENCH_PORT (4710; this uses the port after bench_freeze's).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench_common.sh
. scripts/bench_common.sh
N=${BENCH_SNAPSHOT_RECORDS:-100000}
PORT=$(( ${BENCH_PORT:-4710} + 7 ))
BIN=target/release/mockdesk
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
serve_helpcrunch "$N" "$PORT" "$work"

python3 - "$BIN" "$PORT" "$N" "$work" <<'PY'
import json, os, subprocess, sys, time
bin, port, n, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
print("== snapshot of %d HelpCrunch customers (rate limits off)" % n)
for mode in ("plain", "anonymized"):
    out = os.path.join(work, mode + ".json")
    args = [bin, "snapshot", "--surface", "helpcrunch",
            "--base-url", "http://127.0.0.1:%s/helpcrunch/v1" % port,
            "--token", "helpcrunch-test-token", "--min-interval-ms", "0", "--out", out]
    if mode == "anonymized":
        args.append("--anonymize")
    t = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest child's
    secs = time.perf_counter() - t
    if status != 0:
        sys.exit("snapshot failed: " + err[-500:])
    got = len(json.load(open(out))["accounts"]["default"]["customers"])
    if got != n:
        sys.exit("snapshot holds %d of %d customers" % (got, n))
    print("   %-11s %6.1f s  %8.0f records/s  peak RSS %5.0f MB  file %4.0f MB"
          % (mode, secs, n / secs, usage.ru_maxrss / 1024, os.path.getsize(out) / 1048576))
PY
