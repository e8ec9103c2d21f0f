#!/usr/bin/env bash
# What embedding mockdesk costs a user's crate, next to wiremock-rs built the same way on the
# same machine in the same run: crates compiled and the cold `cargo test --no-run` time of a
# crate with one test, once with `mock-server = { path, default-features = false }`, once with
# `wiremock` (and the tokio it needs). Each gets a fresh target directory; the registry is
# shared (downloads are not timed: `cargo fetch` runs first).
# Prints `build: <name> crates=N cold_s=S` lines and the ratio; writes bench-results/build.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/target/build-bench
rm -rf "$work"
mkdir -p "$work" bench-results
WIREMOCK_VERSION="${WIREMOCK_VERSION:-0.6.5}"

mk() { # mk NAME DEPENDENCY-LINES TEST-BODY
  local dir=$work/$1
  mkdir -p "$dir/src" "$dir/tests"
  cat >"$dir/Cargo.toml" <<TOML
[package]
name = "$1"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dev-dependencies]
$2
TOML
  echo "" >"$dir/src/lib.rs"
  printf '%s\n' "$3" >"$dir/tests/it.rs"
}

mk embed-mockdesk "mock-server = { path = \"$root/mock-server\", default-features = false }
tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }" '#[tokio::test]
async fn starts() {
    let desk = mock_server::MockDesk::builder().start().await;
    assert!(desk.base_url("helpcrunch").starts_with("http://127.0.0.1:"));
}'
cp Cargo.lock "$work/embed-mockdesk/Cargo.lock"

mk embed-wiremock "wiremock = \"=$WIREMOCK_VERSION\"
tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }" '#[tokio::test]
async fn starts() {
    let server = wiremock::MockServer::start().await;
    assert!(server.uri().starts_with("http://127.0.0.1:"));
}'

out=bench-results/build.txt
: >"$out"
declare -A secs
for name in embed-mockdesk embed-wiremock; do
  dir=$work/$name
  (cd "$dir" && cargo fetch -q)
  crates=$(cd "$dir" && cargo tree -e normal,dev --prefix none 2>/dev/null | sed 's/ (\*)//' | awk '{print $1" "$2}' | sort -u | grep -vc "^$name ")
  start=$(date +%s.%N)
  (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo test -q --no-run 2>/dev/null)
  end=$(date +%s.%N)
  s=$(echo "$end - $start" | bc)
  secs[$name]=$s
  echo "build: $name crates=$crates cold_s=$s" | tee -a "$out"
done
ratio=$(echo "scale=2; ${secs[embed-mockdesk]} / ${secs[embed-wiremock]}" | bc)
echo "build: mockdesk/wiremock cold build ratio ${ratio}x (target <= 1.5x)" | tee -a "$out"
