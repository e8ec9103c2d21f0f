#!/usr/bin/env bash
# The cost of --state-dir, against the same build in memory (part of `make bench`; also alone:
# `bash scripts/bench_durable.sh` after a release build). For a HelpCrunch account of N customers
# (the seed's 300, then each of BENCH_DURABLE_SCALES): the median and p99 of a PATCH of one
# customer with and without --state-dir (wrk, 4 connections), the database file's size against
# the state dump's, the time a restart takes to its first healthy answer, and the file system's
# fsync floor (what one durable commit cannot go below).
#
# BENCH_DURABLE_SECONDS (per measurement, default 4), BENCH_DURABLE_SCALES ("100000 1000000";
# empty for the seed only), BENCH_PORT (4710; this uses the next ports after the main bench's).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench_common.sh
. scripts/bench_common.sh
S=${BENCH_DURABLE_SECONDS:-4}
SCALES=${BENCH_DURABLE_SCALES-"100000 1000000"}
PORT=$(( ${BENCH_PORT:-4710} + 5 ))
BIN=target/release/mockdesk
[ -x "$BIN" ] || cargo build --release -q -p mock-server --bin mockdesk
HC=helpcrunch-test-token
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start() { # start [--state-dir DIR]: serves on $PORT, waits for health
  "$BIN" --listen "127.0.0.1:${PORT}" --rate-limits off "$@" >/dev/null 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:${PORT}/__admin/health" >/dev/null 2>&1; do sleep 0.01; done
}
stop() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; pid=""; }

# An account of N customers as a state document (N = 0: the seed).
import() { # import N
  local n=$1 doc="$work/doc.json"
  [ "$n" = 0 ] && return
  helpcrunch_doc "$n" default >"$doc"
  curl -fs -XPUT "http://127.0.0.1:${PORT}/__admin/state/helpcrunch?account=default" \
    -H "content-type: application/json" --data-binary @"$doc" >/dev/null
  rm -f "$doc"
}

# PATCHes of customer 1, each with another name: "p50_us p99_us req/s".
patches() {
  local lua="$work/patch.lua"
  cat >"$lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("PATCH", "/helpcrunch/v1/customers/1",
    {["Authorization"] = "Bearer helpcrunch-test-token", ["Content-Type"] = "application/json"},
    '{"name": "Patched ' .. n .. '"}')
end
LUA
  local out
  out=$(wrk -t1 -c4 -d"${S}s" --timeout 60s --latency -s "$lua" "http://127.0.0.1:${PORT}")
  echo "$(to_us "$(awk '$1 == "50%" {print $2}' <<<"$out")") $(to_us "$(awk '$1 == "99%" {print $2}' <<<"$out")") $(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")"
}

printf '%-28s %12s %12s %9s %12s %12s %10s\n' "durable PATCH (helpcrunch)" "mem p50 us" "disk p50 us" "disk/mem" "disk p99 us" "file/dump" "restart ms"
for n in 0 $SCALES; do
  label=$([ "$n" = 0 ] && echo "300 records (seed)" || echo "$n records")
  start
  import "$n"
  read -r mem50 _ _ <<<"$(patches)"
  stop
  dir="$work/state-$n"
  start --state-dir "$dir"
  import "$n"
  read -r disk50 disk99 _ <<<"$(patches)"
  dump=$(curl -fs "http://127.0.0.1:${PORT}/__admin/state/helpcrunch?account=default" | wc -c)
  stop
  file=$(stat -c %s "$dir/mockdesk.redb")
  t0=$(now_ns)
  start --state-dir "$dir"
  restart=$(( ($(now_ns) - t0) / 1000000 ))
  stop
  printf '%-28s %12s %12s %9s %12s %12s %10s\n' "$label" "$mem50" "$disk50" \
    "$(awk -v a="$disk50" -v b="$mem50" 'BEGIN { printf "%.1fx", a / b }')" "$disk99" \
    "$(awk -v a="$file" -v b="$dump" 'BEGIN { printf "%.1fx", a / b }')" "$restart"
  rm -rf "$dir"
done

# The floor under any durable write on this file system: one 4 KiB write + fsync, median of 200.
python3 - "$work" <<'PY'
import os, statistics, sys, time
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
took = []
for _ in range(200):
    t = time.perf_counter()
    os.pwrite(fd, b"x" * 4096, 0)
    os.fsync(fd)
    took.append(time.perf_counter() - t)
os.close(fd)
print("fsync floor (4 KiB write + fsync, p50): %.0f us" % (statistics.median(took) * 1e6))
PY
