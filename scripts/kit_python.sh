#!/usr/bin/env bash
# The Python kit's own tests (clients/python/tests) against the real binary: installs the kit
# the way a user does (`pip install ./clients/python`) with pytest into .cache/kit-python, then
# runs pytest with MOCKDESK_BIN pointing at target/debug/mockdesk.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST_VERSION="8.4.2"
py=""
for cand in python3 python3.13 python3.12 python3.11 python3.10 python3.9; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys, venv; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
    py="$cand"; break
  fi
done
[ -n "$py" ] || { echo "kit-python: needs Python >= 3.9 with venv" >&2; exit 2; }
venv=.cache/kit-python
if ! "$venv/bin/python" -c "import pytest, sys; sys.exit(pytest.__version__ != '$PYTEST_VERSION')" 2>/dev/null; then
  rm -rf "$venv"
  "$py" -m venv "$venv"
  for i in 1 2 3; do
    "$venv/bin/pip" install -q --disable-pip-version-check "pytest==$PYTEST_VERSION" && break
    [ "$i" = 3 ] && exit 1; sleep $((2 * i))
  done
fi
# Always the working tree's kit (a regular install, as a user would have it).
for i in 1 2 3; do
  "$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps ./clients/python && break
  [ "$i" = 3 ] && exit 1; sleep $((2 * i))
done
rm -rf clients/python/build clients/python/src/*.egg-info
cargo build -q -p mock-server --bin mockdesk
cd clients/python
MOCKDESK_BIN="$PWD/../../target/debug/mockdesk" "../../$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
