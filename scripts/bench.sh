#!/usr/bin/env bash
# make bench: release build, then wrk on loopback against the emulator and two bare-axum
# baselines in the same run (prebuilt bytes, and a json! tree per request). Every endpoint gets
# a warm-up and two measured rounds, each next to a round of the prebuilt-bytes baseline; the
# report gives req/s, its ratio to those baseline rounds, p50/p99, start-up time, RSS, the same
# GET over HTTPS against plain HTTP, a soak, a list page's cost as the collection grows, and the
# cost of --state-dir (scripts/bench_durable.sh), heavy searches against everything else
# (scripts/bench_freeze.sh), per-test isolation with the embedded server
# (mock-server/examples/isolation.rs), a snapshot of a large account (scripts/bench_snapshot.sh),
# and the cold build of a crate embedding mockdesk against one embedding wiremock-rs
# (scripts/bench_build.sh; BENCH_BUILD=0 skips it).
#
# BENCH_SECONDS (per round, default 4), BENCH_CONNECTIONS (50), BENCH_THREADS (2),
# BENCH_PORT (4710), BENCH_SCALES ("100000 1000000"; empty to skip), BENCH_SOAK_SECONDS (a
# mixed load over every endpoint with RSS sampled every 10 s; default 60, 0 to skip).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench_common.sh
. scripts/bench_common.sh
S=${BENCH_SECONDS:-4}
CONN=${BENCH_CONNECTIONS:-50}
THREADS=${BENCH_THREADS:-2}
PORT=${BENCH_PORT:-4710}
BARE_PORT=$((PORT + 1))
SCALES=${BENCH_SCALES-"100000 1000000"}
SOAK=${BENCH_SOAK_SECONDS:-60}

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing wrk (apt-get)…" >&2
    apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
  else
    echo "make bench needs wrk: apt-get install wrk (Debian/Ubuntu) or brew install wrk" >&2
    exit 1
  fi
fi

cargo build --release -q -p mock-server --bin mockdesk --example bare
BIN=target/release/mockdesk
M="http://127.0.0.1:${PORT}"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT


# Start-up: process start to the first healthy answer, best of three.
startup_ms=999999
for _ in 1 2 3; do
  t0=$(now_ns)
  "$BIN" --listen "127.0.0.1:${PORT}" --rate-limits off >/dev/null 2>&1 &
  p=$!
  until curl -fs "$M/__admin/health" >/dev/null 2>&1; do sleep 0.002; done
  t1=$(now_ns)
  ms=$(( (t1 - t0) / 1000000 ))
  [ "$ms" -lt "$startup_ms" ] && startup_ms=$ms
  kill "$p"; wait "$p" 2>/dev/null || true
done

TLS_PORT=$((PORT + 2))
TLS_DIR=$(mktemp -d)
"$BIN" --listen "127.0.0.1:${PORT}" --rate-limits off --tls-listen "127.0.0.1:${TLS_PORT}" --tls-dir "$TLS_DIR" >/dev/null 2>&1 &
MPID=$!; pids+=("$MPID")
until curl -fs "$M/__admin/health" >/dev/null 2>&1; do sleep 0.01; done
target/release/examples/bare "127.0.0.1:${BARE_PORT}" &
pids+=($!)
until curl -fs "http://127.0.0.1:${BARE_PORT}/static" >/dev/null 2>&1; do sleep 0.01; done
rss_start=$(rss_kb "$MPID")


# One wrk round: "rps p50_us p99_us non2xx". A fourth argument is a wrk Lua script that makes
# the requests (url is then only where to connect).
round() {
  local url=$1 token=$2 secs=$3 script=${4:-} out
  out=$(wrk -t"$THREADS" -c"$CONN" -d"${secs}s" --latency -H "Authorization: Bearer $token" \
    ${script:+-s "$script"} "$url")
  local rps p50 p99 bad
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $NF} /Socket errors/ {print "sockerr"}' <<<"$out" | head -1)
  echo "$rps $(to_us "$p50") $(to_us "$p99") ${bad:-0}"
}

# Warm-up, then two rounds: "mean_rps p50_us worst_p99_us non2xx".
measure() {
  local url=$1 token=$2
  round "$url" "$token" 1 >/dev/null
  local a b
  a=$(round "$url" "$token" "$S"); b=$(round "$url" "$token" "$S")
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "%.0f %.0f %.0f %s\n", (x[1] + y[1]) / 2, (x[2] + y[2]) / 2, (x[3] > y[3] ? x[3] : y[3]), (x[4] == "0" ? y[4] : x[4]) }'
}

# Interleaved with the prebuilt-bytes baseline (baseline round, endpoint round, twice), so the
# ratio compares rounds seconds apart: the machine's load drifts over a run, and a baseline
# measured once at the start would move every ratio with it. "mean_rps p50 worst_p99 non2xx
# baseline_mean_rps".
paired() {
  local url=$1 token=$2 base_url=$3 script=${4:-}
  round "$url" "$token" 1 "$script" >/dev/null
  local b1 a b2 b
  b1=$(round "$base_url" x "$S"); a=$(round "$url" "$token" "$S" "$script")
  b2=$(round "$base_url" x "$S"); b=$(round "$url" "$token" "$S" "$script")
  awk -v a="$a" -v b="$b" -v b1="$b1" -v b2="$b2" 'BEGIN { split(a, x, " "); split(b, y, " ");
    split(b1, p, " "); split(b2, q, " ");
    printf "%.0f %.0f %.0f %s %.0f\n", (x[1] + y[1]) / 2, (x[2] + y[2]) / 2, (x[3] > y[3] ? x[3] : y[3]),
      (x[4] == "0" ? y[4] : x[4]), (p[1] + q[1]) / 2 }'
}

# The baselines, then every registered surface's representative reads (GET /__admin/surfaces:
# the record first, then the pages), so a new surface is measured without editing this list.
ENDPOINTS=(
  "baseline: prebuilt bytes|x|http://127.0.0.1:${BARE_PORT}/static"
  "baseline: json! per request|x|http://127.0.0.1:${BARE_PORT}/task"
  "baseline: prebuilt 6.6 kB body|x|http://127.0.0.1:${BARE_PORT}/sized/6600"
)
while IFS= read -r line; do ENDPOINTS+=("$line"); done < <(curl -fs "$M/__admin/surfaces" | python3 -c '
import json, sys
surfaces = json.load(sys.stdin)["surfaces"]
rows = [(s, "GET", s["representative"]["record"]) for s in surfaces]
rows += [(s, "list", p) for s in surfaces for p in s["representative"]["pages"]]
# Long ids (a UUID) print as {id}; everything else as it is.
short = lambda path: "/".join("{id}" if len(x) > 12 and any(c.isdigit() for c in x) and "?" not in x else x for x in path.split("/"))
for s, kind, path in rows:
    print("%s %s %s|%s|%s%s%s" % (s["id"], kind, short(path), s["default_token"], sys.argv[1], s["prefix"], path))
' "$M")
[ "${#ENDPOINTS[@]}" -gt 9 ] || { echo "bench: no representative reads from $M/__admin/surfaces" >&2; exit 1; }
HC=helpcrunch-test-token

echo "mockdesk bench $(date -u +%Y-%m-%d) on $(nproc) cores ($(uname -m)); wrk -t${THREADS} -c${CONN}, 1 s warm-up + 2 x ${S} s per endpoint, each round next to a prebuilt-bytes round, rate limits off"
printf '%-44s %9s %9s %8s %9s %9s %7s\n' "endpoint" "req/s" "bytes r/s" "vs bytes" "p50 us" "p99 us" "non2xx"
base_url=""
for e in "${ENDPOINTS[@]}"; do
  IFS='|' read -r name token url <<<"$e"
  if [ -z "$base_url" ]; then
    base_url=$url
    read -r rps p50 p99 bad <<<"$(measure "$url" "$token")"
    base=$rps
  else
    read -r rps p50 p99 bad base <<<"$(paired "$url" "$token" "$base_url")"
  fi
  pct=$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  printf '%-44s %9s %9s %8s %9s %9s %7s\n' "$name" "$rps" "$base" "$pct" "$p50" "$p99" "$bad"
done
# HTTPS: the same keep-alive GET over TLS and over plain HTTP, in alternating rounds (wrk
# keeps its connections, so this is the per-request cost of TLS, not the handshake's).
https_url="https://127.0.0.1:${TLS_PORT}/helpcrunch/v1/customers/1"
plain_url="$M/helpcrunch/v1/customers/1"
read -r t_rps t_p50 t_p99 t_bad p_rps <<<"$(paired "$https_url" "$HC" "$plain_url")"
cost=$(awk -v a="$t_rps" -v b="$p_rps" 'BEGIN { printf "%.2f", b / a }')
printf '%-44s %9s %9s %8s %9s %9s %7s
' "helpcrunch GET /customers/1 over HTTPS" "$t_rps" "$p_rps" "$(awk -v a="$t_rps" -v b="$p_rps" 'BEGIN { printf "%.0f%%", 100 * a / b }')" "$t_p50" "$t_p99" "$t_bad"
echo "  (the 'bytes r/s' column here is the same GET over plain HTTP) HTTPS cost: ${cost}x plain per request (target <= 1.30)"
rm -rf "$TLS_DIR"

# Writes and mixed traffic: every surface's representative write (GET /__admin/surfaces) alone,
# then as one write to four reads of what it wrote (the record and a page holding it, in turn),
# each next to prebuilt-bytes rounds. A read right after a write renders afresh: this is what
# an integration test's write-then-check does.
LUA_DIR=$(mktemp -d)
echo
printf '%-44s %9s %9s %8s %9s %9s %7s\n' "writes (>= 60%; on disk >= 30%), mixed (>= 80%)" "req/s" "bytes r/s" "vs bytes" "p50 us" "p99 us" "non2xx"
WRITES=()
while IFS='|' read -r name token script; do
  read -r rps p50 p99 bad base <<<"$(paired "$M" "$token" "$base_url" "$script")"
  pct=$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  printf '%-44s %9s %9s %8s %9s %9s %7s\n' "$name" "$rps" "$base" "$pct" "$p50" "$p99" "$bad"
  # Back to the seed, so later rounds read what every other run reads.
  curl -fs -XPOST "$M/__admin/reset" >/dev/null
  case "$name" in *" write ("*) WRITES+=("${name/ write / write on disk }|$token|$script") ;; esac
done < <(curl -fs "$M/__admin/surfaces" | python3 -c '
import json, os, sys
out = sys.argv[1]
for s in json.load(sys.stdin)["surfaces"]:
    w, pre = s["representative"]["write"], s["prefix"]
    head = "local h = {[\"Authorization\"] = \"Bearer %s\", [\"Content-Type\"] = \"application/json\"}\n" % s["default_token"]
    head += "local w = wrk.format(\"%s\", \"%s%s\", h, [[%s]])\n" % (w["method"], pre, w["path"], w["body"])
    reads = ", ".join("wrk.format(\"GET\", \"%s%s\", h)" % (pre, r) for r in w["reads"])
    head += "local r = {%s}\nlocal i = 0\n" % reads
    scripts = {
        "write": "request = function() return w end\n",
        "1 write : 4 reads": "request = function() i = i + 1; if i % 5 == 1 then return w end; return r[i % #r + 1] end\n",
    }
    for kind, body in scripts.items():
        path = os.path.join(out, "%s-%d.lua" % (s["id"], len(kind)))
        with open(path, "w") as f:
            f.write(head + body)
        print("%s %s (%s)|%s|%s" % (s["id"], kind, w["method"], s["default_token"], path))
' "$LUA_DIR")
# The same writes with --state-dir (each stored before its answer goes out): target >= 30%.
DUR_PORT=$((PORT + 8))
DUR_DIR=$(mktemp -d)
"$BIN" --listen "127.0.0.1:${DUR_PORT}" --rate-limits off --state-dir "$DUR_DIR" >/dev/null 2>&1 &
DPID=$!; pids+=("$DPID")
until curl -fs "http://127.0.0.1:${DUR_PORT}/__admin/health" >/dev/null 2>&1; do sleep 0.01; done
for w in "${WRITES[@]}"; do
  IFS='|' read -r name token script <<<"$w"
  read -r rps p50 p99 bad base <<<"$(paired "http://127.0.0.1:${DUR_PORT}" "$token" "$base_url" "$script")"
  pct=$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  printf '%-44s %9s %9s %8s %9s %9s %7s\n' "$name" "$rps" "$base" "$pct" "$p50" "$p99" "$bad"
done
kill "$DPID"; wait "$DPID" 2>/dev/null || true
rm -rf "$LUA_DIR" "$DUR_DIR"
rss_load=$(rss_kb "$MPID")
echo
echo "start-up to first healthy answer: ${startup_ms} ms (best of 3)"
echo "RSS: ${rss_start} kB at start, ${rss_load} kB after the load above"

# Soak: every emulator endpoint in turn for SOAK seconds, RSS every 10 s (flat = bounded).
if [ "$SOAK" -gt 0 ]; then
  mix=$(mktemp --suffix .lua)
  {
    echo 'local reqs = {}'
    for e in "${ENDPOINTS[@]}"; do
      IFS='|' read -r name token url <<<"$e"
      case "$name" in baseline*) continue ;; esac
      path=${url#"$M"}
      printf 'table.insert(reqs, wrk.format("GET", "%s", {["Authorization"] = "Bearer %s"}))\n' "$path" "$token"
    done
    echo 'local i = 0'
    echo 'request = function() i = i % #reqs + 1; return reqs[i] end'
  } >"$mix"
  wrk -t"$THREADS" -c"$CONN" -d"${SOAK}s" -s "$mix" "$M" >"$mix.out" &
  soak=$!
  series=""
  for ((t = 10; t <= SOAK; t += 10)); do
    sleep 10
    series="$series ${t}s:$(rss_kb "$MPID")"
  done
  wait "$soak" || true
  soak_rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$mix.out")
  rm -f "$mix" "$mix.out"
  echo "soak: ${SOAK} s over every endpoint in turn, ${soak_rps} req/s; RSS kB:${series}"
fi

# List-page cost against collection size: a HelpCrunch account of N customers imported as a
# state document, then the same page (10 at offset 100) and a filtered search measured.
if [ -n "$SCALES" ]; then
  echo
  printf '%-44s %9s %8s %9s %9s %10s\n' "helpcrunch customers page vs size" "req/s" "vs 300" "p50 us" "p99 us" "RSS kB"
  read -r small_rps p50 p99 _ <<<"$(measure "$M/helpcrunch/v1/customers?limit=10&offset=100" "$HC")"
  printf '%-44s %9s %8s %9s %9s %10s\n' "300 records (seed)" "$small_rps" "100%" "$p50" "$p99" "$(rss_kb "$MPID")"
  for n in $SCALES; do
    doc=$(mktemp)
    helpcrunch_doc "$n" scale >"$doc"
    curl -fs -XPOST "$M/__admin/reset" -H "content-type: application/json" -d '{"vendor": "helpcrunch", "account": "scale"}' >/dev/null
    curl -fs -XPUT "$M/__admin/state/helpcrunch?account=scale" -H "content-type: application/json" --data-binary @"$doc" >/dev/null
    rm -f "$doc"
    curl -fs -XPOST "$M/__admin/accounts" -H "content-type: application/json" -d '{"vendor": "helpcrunch", "token": "scale-token", "account": "scale"}' >/dev/null
    read -r rps p50 p99 _ <<<"$(measure "$M/helpcrunch/v1/customers?limit=10&offset=100" scale-token)"
    pct=$(awk -v a="$rps" -v b="$small_rps" 'BEGIN { printf "%.0f%%", 100 * a / b }')
    printf '%-44s %9s %8s %9s %9s %10s\n' "$n records" "$rps" "$pct" "$p50" "$p99" "$(rss_kb "$MPID")"
  done
fi

# The cost of --state-dir at the same sizes (its own table).
echo
bash scripts/bench_durable.sh

# Heavy searches against everything else (its own table).
echo
bash scripts/bench_freeze.sh

# What an isolated test costs with the embedded server: start, reset, idle memory.
echo
cargo run --release -q -p mock-server --example isolation

# What `mockdesk snapshot` costs on a large account (its own table).
echo
bash scripts/bench_snapshot.sh

# What embedding mockdesk costs a user's crate next to wiremock-rs (cold builds; its own table).
# BENCH_BUILD=0 skips it (it takes a few minutes and needs the crates.io registry).
if [ "${BENCH_BUILD:-1}" != 0 ]; then
  echo
  bash scripts/bench_build.sh
fi
