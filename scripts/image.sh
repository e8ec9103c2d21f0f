#!/usr/bin/env bash
# The service-container image, built and exercised here.
#
#   scripts/image.sh build   # localhost/mockdesk:dev from the release binary (make image)
#   scripts/image.sh test    # check and run it (make image-test)
#
# build: lays out a root filesystem (the stripped release binary, the C library files it links,
# an empty /var/lib/mockdesk owned by the image's user) and builds the Dockerfile's `prebuilt`
# stage on it with podman (`--format docker`, which keeps HEALTHCHECK) or Docker — no registry.
# test: checks the image's configuration (user, healthcheck, entrypoint, port, environment,
# size), then runs it as its own user — with `docker run` where a Docker engine answers, else
# the exported filesystem under `chroot --userspec` (podman here cannot run containers: it may
# not set rlimits) — waits on the image's own HEALTHCHECK command, and drives vendor calls
# through it over HTTP and HTTPS. Prints `image: N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
IMAGE=${MOCKDESK_IMAGE:-localhost/mockdesk:dev}
MAX_MB=30
CTX=target/image-context

engine() {
  if command -v podman >/dev/null 2>&1; then echo podman
  elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then echo docker
  else echo "scripts/image.sh: needs podman or a Docker engine" >&2; exit 1
  fi
}

build() {
  cargo build --release -q -p mock-server --bin mockdesk || exit 1
  rm -rf "$CTX"
  mkdir -p "$CTX/rootfs/usr/local/bin" "$CTX/data"
  cp target/release/mockdesk "$CTX/rootfs/usr/local/bin/mockdesk"
  strip "$CTX/rootfs/usr/local/bin/mockdesk"
  # The dynamic loader and every library the binary links, at the paths it looks for them.
  for lib in $(ldd target/release/mockdesk | grep -o '/[^ ]*'); do
    mkdir -p "$CTX/rootfs$(dirname "$lib")"
    cp -L "$lib" "$CTX/rootfs$lib"
  done
  local e
  e=$(engine) || exit 1
  if [ "$e" = podman ]; then
    podman build -q --format docker --target prebuilt -t "$IMAGE" -f Dockerfile "$CTX" >/dev/null || exit 1
  else
    docker build -q --target prebuilt -t "$IMAGE" -f Dockerfile "$CTX" >/dev/null || exit 1
  fi
  echo "built $IMAGE with $e"
}

passed=0
failed=0
check() { # check NAME CONDITION-COMMAND...
  local name=$1
  shift
  if "$@" >/tmp/mockdesk-image-check.out 2>&1; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; tail -n 20 /tmp/mockdesk-image-check.out
  fi
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

test_image() {
  local e work cfg
  e=$(engine) || exit 1
  work=$(mktemp -d)
  cfg="$work/inspect.json"
  "$e" image inspect "$IMAGE" >"$cfg" || { echo "no image $IMAGE: make image first"; exit 1; }
  conf() { python3 -c "import json,sys; c = json.load(open('$cfg'))[0]; print(json.dumps(eval(sys.argv[1])))" "$1"; }
  local size_mb
  size_mb=$(python3 -c "import json; print(round(json.load(open('$cfg'))[0]['Size'] / 1e6, 1))")
  echo "image $IMAGE: ${size_mb} MB; config: user $(conf "c['Config'].get('User')"), entrypoint $(conf "c['Config'].get('Entrypoint')"), ports $(conf "sorted(c['Config'].get('ExposedPorts') or {})"), healthcheck $(conf "(c['Config'].get('Healthcheck') or c.get('Healthcheck') or {}).get('Test')")"
  echo "  env: $(conf "c['Config'].get('Env')")"
  check "size <= ${MAX_MB} MB (${size_mb} MB)" python3 -c "import sys; sys.exit(0 if $size_mb <= $MAX_MB else 1)"
  check "runs as a non-root user (65532:65532)" test "$(conf "c['Config'].get('User')")" = '"65532:65532"'
  check "entrypoint is the binary" test "$(conf "c['Config'].get('Entrypoint')")" = '["/usr/local/bin/mockdesk"]'
  check "exposes 4010/tcp" test "$(conf "sorted(c['Config'].get('ExposedPorts') or {})")" = '["4010/tcp"]'
  check "HEALTHCHECK runs mockdesk health" test "$(conf "(c['Config'].get('Healthcheck') or c.get('Healthcheck') or {}).get('Test')")" = '["CMD", "/usr/local/bin/mockdesk", "health"]'
  check "listens on 0.0.0.0:4010 with JSON logs" bash -c "grep -q MOCKDESK_LISTEN=0.0.0.0:4010 '$cfg' && grep -q MOCKDESK_LOG_FORMAT=json '$cfg'"

  # Run it as its own user.
  # The image's own health-check command (["CMD", argv…]).
  mapfile -t hc_cmd < <(python3 -c "import json; c = json.load(open('$cfg'))[0]; t = (c['Config'].get('Healthcheck') or c.get('Healthcheck') or {}).get('Test') or []; [print(a) for a in t[1:]] if t[:1] == ['CMD'] else None")
  [ ${#hc_cmd[@]} -gt 0 ] || hc_cmd=(/bin/false)
  local port tls_port root pid=""
  port=$(free_port)
  tls_port=$(free_port)
  mapfile -t image_env < <(python3 -c "import json; [print(v) for v in json.load(open('$cfg'))[0]['Config']['Env']]")
  local overrides=("MOCKDESK_LISTEN=127.0.0.1:$port" "MOCKDESK_TLS_LISTEN=127.0.0.1:$tls_port")
  if [ "$e" = docker ]; then
    local cid
    cid=$(docker run -d --network host -e "${overrides[0]}" -e "${overrides[1]}" "$IMAGE")
    health() { docker exec "$cid" "${hc_cmd[@]}" >/dev/null 2>&1; }
    running_user() { docker exec "$cid" cat /proc/1/status | awk '/^Uid:/ {print $2}'; }
    ca() { docker exec "$cid" cat /var/lib/mockdesk/tls/ca.pem; }
    logs() { docker logs "$cid" 2>&1; }
    stop() { docker rm -f "$cid" >/dev/null 2>&1; }
  else
    root="$work/rootfs"
    mkdir -p "$root"
    local cid
    cid=$(podman create "$IMAGE" 2>/dev/null) || exit 1
    podman export "$cid" | tar -x -C "$root"
    podman rm "$cid" >/dev/null 2>&1
    check "its data folder belongs to the image's user" test "$(stat -c %u:%g "$root/var/lib/mockdesk")" = 65532:65532
    # The image's environment only (nothing of this machine's), with the test's ports.
    run_in_image() { env -i "${image_env[@]}" "${overrides[@]}" chroot --userspec=65532:65532 "$root" "$@"; }
    (cd / && run_in_image /usr/local/bin/mockdesk >"$work/stdout" 2>"$work/stderr") &
    pid=$!
    health() { run_in_image "${hc_cmd[@]}" >/dev/null 2>&1; }
    running_user() {
      local p
      p=$(pgrep -f "^/usr/local/bin/mockdesk$" | head -1)
      awk '/^Uid:/ {print $2}' "/proc/$p/status"
    }
    ca() { cat "$root/var/lib/mockdesk/tls/ca.pem"; }
    logs() { cat "$work/stderr"; }
    stop() { pkill -f "^/usr/local/bin/mockdesk$" 2>/dev/null; wait "$pid" 2>/dev/null; }
  fi
  local healthy=""
  for _ in $(seq 1 100); do
    if health; then healthy=1; break; fi
    sleep 0.1
  done
  check "its own HEALTHCHECK command passes" test -n "$healthy"
  check "the process runs as uid 65532" test "$(running_user)" = 65532
  local m="http://127.0.0.1:$port"
  check "hipcall: a call list" bash -c "curl -fsS -H 'Authorization: Bearer hipcall-test-token' '$m/hipcall/api/v20211124/cdrs?page=1' | grep -q '\"data\"'"
  check "helpcrunch: create a customer, read it back" bash -c "
    id=\$(curl -fsS -X POST -H 'Authorization: Bearer helpcrunch-test-token' -H 'content-type: application/json' \
        -d '{\"name\": \"Image Test\", \"email\": \"image@example.com\"}' '$m/helpcrunch/v1/customers' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"id\"])') &&
    curl -fsS -H 'Authorization: Bearer helpcrunch-test-token' '$m/helpcrunch/v1/customers/'\$id | grep -q image@example.com"
  check "chative and hiver answer with their 401s" bash -c "
    test \"\$(curl -s -o /dev/null -w '%{http_code}' '$m/chative/v1.0/contacts')\" = 401 &&
    test \"\$(curl -s -o /dev/null -w '%{http_code}' '$m/hiver/v1/inboxes')\" = 401"
  ca >"$work/ca.pem"
  check "HTTPS: the CA made in /var/lib/mockdesk/tls, a vendor host name over TLS" bash -c "
    curl -fsS --cacert '$work/ca.pem' --resolve api.helpcrunch.com:$tls_port:127.0.0.1 \
      -H 'Authorization: Bearer helpcrunch-test-token' 'https://api.helpcrunch.com:$tls_port/v1/customers?limit=1' | grep -q '\"data\"'"
  logs >"$work/logs.txt"
  check "logs are JSON lines" bash -c "test -s '$work/logs.txt' && head -5 '$work/logs.txt' | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin if l.strip()]'"
  stop
  rm -rf "$work"
  echo "image: $passed passed, $failed failed"
  [ "$failed" = 0 ]
}

case "${1:-}" in
  build) build ;;
  test) test_image ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
