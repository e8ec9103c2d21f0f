#!/usr/bin/env bash
# The quick start on a fresh clone with nothing beside it: clones the committed repository into an
# empty temporary folder and, there, builds mockdesk, reads its --help, runs the Hiver tutorial's
# samples and makes one API call; also checks that no tracked file points at the reference
# folder kept beside the repository by its engineers (a clone never has it). Dependencies already compiled here are reused through hard links, so
# only the project's own crates build again.
# Prints `fresh clone: N passed, M failed`; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
work=$(mktemp -d)
proc=""
cleanup() {
  [ -n "$proc" ] && kill "$proc" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
passed=0
failed=0
check() { # check NAME COMMAND...
  local name=$1
  shift
  if "$@" >"$work/out" 2>&1; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
    tail -n 40 "$work/out"
  fi
}

clone="$work/mockdesk"
check "clone into an empty folder" git clone -q "$ROOT" "$clone"
if [ -d "$ROOT/target/debug" ]; then
  mkdir -p "$clone/target"
  cp -al "$ROOT/target/debug" "$clone/target/debug" 2>/dev/null || true
fi
check "nothing beside the clone" test "$(ls -A "$work" | grep -v '^out$')" = mockdesk
# The sibling folder's name, assembled so this file does not name the path it looks for.
sibling="sha""red"
check "no tracked file points at a sibling folder" \
  bash -c "cd '$clone' && ! git grep -n -E '(\\.\\./)+${sibling}([^A-Za-z0-9_-]|\$)|/work/${sibling}'"
check "cargo build" bash -c "cd '$clone' && cargo build -q -p mock-server --bin mockdesk"
bin="$clone/target/debug/mockdesk"
check "mockdesk --help lists --listen" bash -c "'$bin' --help | grep -q -- --listen"
check "tutorial samples" bash -c "cd '$clone' && python3 scripts/tutorial_samples.py"

one_call() {
  "$bin" --listen 127.0.0.1:0 --rate-limits off >"$work/banner" 2>/dev/null &
  proc=$!
  local addr=""
  for _ in $(seq 1 100); do
    addr=$(grep -o -m1 'http://[0-9.]*:[0-9]*' "$work/banner" | head -1)
    [ -n "$addr" ] && break
    sleep 0.05
  done
  [ -n "$addr" ] || return 1
  curl -fsS -H "Authorization: Bearer hipcall-test-token" "$addr/hipcall/api/v20211124/users?page=1" | grep -q '"data"'
}
check "one API call" one_call
echo "fresh clone: $passed passed, $failed failed"
[ "$failed" = 0 ]
