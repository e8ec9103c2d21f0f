#!/usr/bin/env bash
# Runs Schemathesis (every check, stateful phase included) against every surface's served
# OpenAPI document on a fresh emulator, then against the admin API's own (`/__admin/openapi`). Installs Schemathesis into .cache/schemathesis.
# Knobs: ST_EXAMPLES (examples per operation, default 20), ST_SURFACES (space-separated ids,
# default all), ST_SEED (default fixed, so a run repeats).
set -euo pipefail
cd "$(dirname "$0")/.."
ST_VERSION="4.32.5"
EXAMPLES="${ST_EXAMPLES:-20}"
SEED="${ST_SEED:-20261121}"
SURFACES="${ST_SURFACES:-hipcall hipcall-v3 helpcrunch hiver hiver-tutorial chative admin}"

py=""
for cand in python3.13 python3.12 python3.11 "$HOME"/.pyenv/versions/3.13*/bin/python "$HOME"/.pyenv/versions/3.12*/bin/python python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    py="$cand"; break
  fi
done
[ -n "$py" ] || { echo "schemathesis: needs Python >= 3.10" >&2; exit 2; }
venv=.cache/schemathesis
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$ST_VERSION"; then
  "$py" -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$ST_VERSION"
fi

bin=target/debug/mockdesk
cargo build -q --bin mockdesk
log=$(mktemp)
"$bin" --listen 127.0.0.1:0 --rate-limits off >"$log" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
addr=""
for _ in $(seq 1 200); do
  addr=$(sed -n 's#^mockdesk listening on http://\([^ ]*\).*#\1#p' "$log")
  [ -n "$addr" ] && break
  sleep 0.05
done
[ -n "$addr" ] || { echo "schemathesis: the emulator did not start" >&2; exit 1; }

failed=0
reports=.cache/schemathesis/reports
mkdir -p "$reports"
for surface in $SURFACES; do
  if [ "$surface" = admin ]; then
    # The admin API: no token (none is configured), the same checks; it runs last, since it
    # changes the emulator (faults, stubs, rate limits, the clock).
    echo "== admin (/__admin)"
    if "$venv/bin/st" run "http://$addr/__admin/openapi" --url "http://$addr/__admin" \
        --checks all --max-examples "$EXAMPLES" --phases examples,coverage,fuzzing,stateful \
        --seed "$SEED" --generation-database none --no-color --suppress-health-check=filter_too_much >"$reports/admin.txt" 2>&1; then
      echo "   clean: $(grep -E "generated" "$reports/admin.txt" | tail -1)"
    else
      failed=$((failed + 1))
      grep -E "^_+ |^- ST|^Failures:|^  ❌" "$reports/admin.txt" | sed 's/^/   /' | head -60
      echo "   full report: $reports/admin.txt"
    fi
    continue
  fi
  info=$(curl -fs "http://$addr/__admin/surfaces")
  prefix=$(printf '%s' "$info" | "$py" -c "import json,sys; s=[x for x in json.load(sys.stdin)['surfaces'] if x['id']=='$surface'][0]; print(s.get('prefix') or '/'+s['vendor']+s['real_path'])")
  token=$(printf '%s' "$info" | "$py" -c "import json,sys; s=[x for x in json.load(sys.stdin)['surfaces'] if x['id']=='$surface'][0]; print(s['default_token'])")
  curl -fs -XPOST "http://$addr/__admin/reset" >/dev/null
  echo "== $surface ($prefix)"
  if "$venv/bin/st" run "http://$addr/__admin/openapi/$surface" --url "http://$addr$prefix" \
      -H "Authorization: Bearer $token" --checks all --max-examples "$EXAMPLES" \
      --phases examples,coverage,fuzzing,stateful --seed "$SEED" --generation-database none --no-color \
      --suppress-health-check=filter_too_much >"$reports/$surface.txt" 2>&1; then
    echo "   clean: $(grep -E "generated" "$reports/$surface.txt" | tail -1)"
  else
    failed=$((failed + 1))
    grep -E "^_+ |^- ST|^Failures:|^  ❌" "$reports/$surface.txt" | sed 's/^/   /' | head -60
    echo "   full report: $reports/$surface.txt"
  fi
done
echo "schemathesis: $failed of $(echo $SURFACES | wc -w) surfaces with findings"
[ "$failed" -eq 0 ]
