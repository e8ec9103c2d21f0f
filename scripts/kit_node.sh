#!/usr/bin/env bash
# The Node kit's own tests (clients/node/test, node:test) against the real binary. Needs Node
# >= 18 (make prereqs checks it); the kit has no dependencies, so nothing is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' \
  || { echo "kit-node: needs Node >= 18 (found $(node --version))" >&2; exit 2; }
cargo build -q -p mock-server --bin mockdesk
MOCKDESK_BIN="$PWD/target/debug/mockdesk" node --test --test-reporter=dot clients/node/test/ "$@"
echo "kit-node: passed"
