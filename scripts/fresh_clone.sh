#!/usr/bin/env bash
# The quick start on a fresh clone with nothing beside it: clones the committed repository into an
# empty temporary folder and, there, builds mockdesk, reads its --help, runs the Hiver tutorial's
# samples, makes one API call and uses the Python and Node kits; also checks that no tracked file points at the reference
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
[ -n "$proc" ] && kill "$proc" 2>/dev/null
proc=""

# The Python kit as a user installs it from the clone (pip from the kit's own folder, build
# isolation from PyPI), driving the clone's binary; the Node kit imported from the clone.
kits() {
  python3 -m venv "$work/venv" >/dev/null 2>&1 || "$(ls -d "$HOME"/.pyenv/versions/3.1[0-9]*/bin/python3 | tail -1)" -m venv "$work/venv" || return 1
  "$work/venv/bin/pip" install -q --disable-pip-version-check "$clone/clients/python" || return 1
  MOCKDESK_BIN="$bin" "$work/venv/bin/python" -c '
from mockdesk import start
with start(args=["--rate-limits", "off"]) as desk:
    desk.fault(match={"surface": "hiver"}, effect={"type": "status", "status": 503}, times=1)
    assert desk.count() == 0 and desk.faults()[0]["effect"]["status"] == 503
' || return 1
  (cd "$clone/clients/node" && MOCKDESK_BIN="$bin" node --input-type=module -e '
import { startMockdesk } from "./index.js";
const desk = await startMockdesk({ args: ["--rate-limits", "off"] });
const ok = (await desk.health()).status === "ok";
await desk.stop();
process.exit(ok ? 0 : 1);
')
}
check "the Python and Node kits from the clone" kits
echo "fresh clone: $passed passed, $failed failed"
[ "$failed" = 0 ]
