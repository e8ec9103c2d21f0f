#!/usr/bin/env bash
# make bench: release build, then loopback load on the emulator and on a bare axum handler
# (same run, same machine), start-up time to first healthy response, and RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
CONC=${BENCH_CONCURRENCY:-16}
PORT=${BENCH_PORT:-4710}
BARE_PORT=$((PORT + 1))
TOKEN=hipcall-test-token
BASE="http://127.0.0.1:${PORT}/hipcall/api/v20211124"

cargo build --release -q -p mock-server --bin mockdesk --example bare --example loadgen
BIN=target/release/mockdesk
LOADGEN=target/release/examples/loadgen

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

t0=$(date +%s%N)
"$BIN" --listen "127.0.0.1:${PORT}" --rate-limits off >/dev/null 2>&1 &
pids+=($!); MPID=$!
for _ in $(seq 1 500); do
  if curl -fs "http://127.0.0.1:${PORT}/__admin/health" >/dev/null 2>&1; then break; fi
  sleep 0.01
done
t1=$(date +%s%N)
startup_ms=$(( (t1 - t0) / 1000000 ))
curl -fs -H "Authorization: Bearer $TOKEN" "$BASE/tasks/1" >/dev/null   # seed the account
rss_idle=$(rss_kb "$MPID")

target/release/examples/bare "127.0.0.1:${BARE_PORT}" &
pids+=($!)
for _ in $(seq 1 500); do curl -fs "http://127.0.0.1:${BARE_PORT}/task" >/dev/null 2>&1 && break; sleep 0.01; done

run() { "$LOADGEN" "$1" --token "$TOKEN" --concurrency "$CONC" --seconds "$SECONDS_PER_RUN"; }
field() { sed -E "s/.*$1=([0-9.]+).*/\1/" <<<"$2"; }

echo "mockdesk bench: ${SECONDS_PER_RUN}s per run, ${CONC} connections, loopback, $(nproc) cores"
printf '%-34s %10s %10s %10s %8s\n' "endpoint" "req/s" "p50 (us)" "p99 (us)" "errors"
declare -A RPS
for name in bare:"http://127.0.0.1:${BARE_PORT}/task" \
            single_get:"$BASE/tasks/1" \
            list_page_users:"$BASE/users?page=2" \
            list_page_cdrs:"$BASE/cdrs?page=3"; do
  key=${name%%:*}; url=${name#*:}
  out=$(run "$url")
  RPS[$key]=$(field rps "$out")
  printf '%-34s %10s %10s %10s %8s\n' "$key" "$(field rps "$out")" "$(field p50_us "$out")" "$(field p99_us "$out")" "$(field errors "$out")"
done
rss_load=$(rss_kb "$MPID")

# List-page cost against collection size: a HelpCrunch customer page at the seeded 300
# customers, then again after growing the collection to 3000 through the API.
HC="http://127.0.0.1:${PORT}/helpcrunch/v1"
hc_page() { "$LOADGEN" "$HC/customers?limit=10&offset=100" --token helpcrunch-test-token --concurrency "$CONC" --seconds "$SECONDS_PER_RUN"; }
small=$(hc_page)
"$LOADGEN" "$HC/customers" --token helpcrunch-test-token --concurrency 8 --seconds 60 --max-requests 2700 \
  --post '{"name": "Bench Customer", "email": "bench@example.com"}' >/dev/null
total=$(curl -fs -H "Authorization: Bearer helpcrunch-test-token" "$HC/customers?limit=1" | sed -E 's/.*"total":([0-9]+).*/\1/')
large=$(hc_page)
echo
printf '%-34s %10s %10s %10s\n' "list page vs collection size" "req/s" "p50 (us)" "p99 (us)"
printf '%-34s %10s %10s %10s\n' "customers page, 300 records" "$(field rps "$small")" "$(field p50_us "$small")" "$(field p99_us "$small")"
printf '%-34s %10s %10s %10s\n' "customers page, ${total} records" "$(field rps "$large")" "$(field p50_us "$large")" "$(field p99_us "$large")"
ratio=$(awk -v a="${RPS[single_get]}" -v b="${RPS[bare]}" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }')
echo
echo "single GET vs bare axum handler: ${ratio}% (target: >= 70%)"
echo "start-up to first healthy response: ${startup_ms} ms"
echo "RSS: ${rss_idle} kB idle (one seeded account), ${rss_load} kB after load"
