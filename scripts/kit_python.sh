#!/usr/bin/env bash
# The Python kit's own tests (clients/python/tests) against the real binary: installs the kit
# the way a user does (`pip install ./clients/python`) with pytest into .cache/kit-python, then
# runs pytest with MOCKDESK_BIN pointing at target/debug/mockdesk.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST_VERSION="8.4.2"
venv=.cache/kit-python
if ! "$venv/bin/python" -c "import pytest, sys; sys.exit(pytest.__version__ != '$PYTEST_VERSION')" 2>/dev/null; then
  # The first Python >= 3.9 that can make a venv with pip (a Debian python3 without
  # python3-venv cannot; pyenv's can).
  made=""
  for cand in python3 python3.13 python3.12 python3.11 python3.10 python3.9 "$HOME"/.pyenv/versions/3.1[0-9]*/bin/python3; do
    command -v "$cand" >/dev/null 2>&1 || [ -x "$cand" ] || continue
    "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null || continue
    rm -rf "$venv"
    if "$cand" -m venv "$venv" >/dev/null 2>&1 && [ -x "$venv/bin/pip" ]; then made="$cand"; break; fi
  done
  [ -n "$made" ] || { echo "kit-python: needs Python >= 3.9 that can make a venv (apt-get install python3-venv)" >&2; exit 2; }
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
