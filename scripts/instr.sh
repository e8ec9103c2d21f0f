#!/usr/bin/env bash
# Instructions per request in the real server, steady state: the server runs under callgrind,
# wrk warms it up, the counters are zeroed, wrk sends load for a few seconds, the counters are
# dumped, and the total is divided by the requests wrk completed. Deterministic to within a
# few per cent (req/s on a shared machine is not), so one change can be judged on its own.
# User-space instructions only: kernel time (about half the server's CPU on loopback) is not
# seen. Needs valgrind and wrk (apt-get install valgrind wrk).
#
# Usage: scripts/instr.sh PATH [TOKEN]     e.g. scripts/instr.sh /hipcall/api/v20211124/tasks/1 hipcall-test-token
#        scripts/instr.sh --bare           the bare-axum baseline (prebuilt bytes)
#        INSTR_SCRIPT=patch.lua scripts/instr.sh PATH TOKEN   requests made by a wrk Lua script
#                                                        (writes: the script sets method and body)
#        INSTR_ARGS="--state-dir DIR" scripts/instr.sh …        more arguments for the server
# INSTR_SECONDS (default 3), INSTR_PORT (4799).
set -euo pipefail
cd "$(dirname "$0")/.."
S=${INSTR_SECONDS:-3}
PORT=${INSTR_PORT:-4799}
for tool in valgrind callgrind_control wrk; do
  command -v "$tool" >/dev/null || { echo "scripts/instr.sh needs $tool (apt-get install valgrind wrk)" >&2; exit 1; }
done
# A release build without LTO, with debug info, so callgrind can name functions
# (`callgrind_annotate` on the kept output file).
export CARGO_TARGET_DIR=target/prof
CARGO_PROFILE_RELEASE_DEBUG=1 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  cargo build --release -q -p mock-server --bin mockdesk --example bare
if [ "${1:-}" = --bare ]; then
  cmd=(target/prof/release/examples/bare "127.0.0.1:${PORT}")
  url="http://127.0.0.1:${PORT}/static"; token=x
else
  # shellcheck disable=SC2206 # INSTR_ARGS is split into words on purpose
  cmd=(target/prof/release/mockdesk --listen "127.0.0.1:${PORT}" --rate-limits off ${INSTR_ARGS:-})
  url="http://127.0.0.1:${PORT}${1:?usage: scripts/instr.sh PATH [TOKEN] | --bare}"; token=${2:-}
fi
out=$(mktemp -d)/callgrind.out
valgrind --tool=callgrind --callgrind-out-file="$out" "${cmd[@]}" >/dev/null 2>&1 &
vg=$!
trap 'kill $vg 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  curl -fs -o /dev/null -H "Authorization: Bearer $token" "$url" && break
  sleep 0.1
done
script=()
[ -n "${INSTR_SCRIPT:-}" ] && script=(-s "$INSTR_SCRIPT")
wrk -t1 -c4 -d1s "${script[@]}" -H "Authorization: Bearer $token" "$url" >/dev/null
callgrind_control -z "$vg" >/dev/null
n=$(wrk -t1 -c4 -d"${S}s" "${script[@]}" -H "Authorization: Bearer $token" "$url" | awk '/requests in/ {print $1}')
callgrind_control -d "$vg" >/dev/null
sleep 0.5
# The dump after zeroing is the highest-numbered part file.
dump=$(ls "$out".* | sort -t. -k3 -n | tail -1)
total=$(awk '/^summary:/ {print $2; exit}' "$dump")
echo "$((total / n)) instructions per request over $n requests: $url"
echo "profile: callgrind_annotate --threshold=100 --inclusive=yes $dump"
