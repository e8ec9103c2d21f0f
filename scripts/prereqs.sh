#!/usr/bin/env bash
# Checks what `make test` (and `make image-test`) needs before anything runs, and says how to get
# what is missing. OS packages are installed only when asked: MOCKDESK_INSTALL_MISSING=1 (CI sets
# it) installs them with apt-get (as root, or with sudo -n). Nothing else on the machine changes;
# Python and npm packages the checks use go into .cache/ inside the repository.
#
#   scripts/prereqs.sh test    # what make test needs
#   scripts/prereqs.sh image   # what make image / make image-test need
set -uo pipefail
what=${1:-test}
missing=()   # human-readable lines
apt_pkgs=()  # Debian packages that would provide them

need() { # need CMD DEBIAN_PACKAGE WHY
  if ! command -v "$1" >/dev/null 2>&1; then
    missing+=("$1 ($3)")
    [ -n "$2" ] && apt_pkgs+=("$2")
  fi
}

python_at_least() { # python_at_least MINOR: some python3.X >= 3.MINOR on PATH or under ~/.pyenv
  local c
  for c in python3.13 python3.12 python3 "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3; do
    if command -v "$c" >/dev/null 2>&1 || [ -x "$c" ]; then
      if "$c" -c "import sys; sys.exit(0 if sys.version_info[:2] >= (3, $1) else 1)" 2>/dev/null; then
        return 0
      fi
    fi
  done
  return 1
}

case "$what" in
  test)
    need cargo "" "the Rust toolchain: https://rustup.rs"
    need python3 python3 "the test scripts and the Python kit"
    need node nodejs "the Hiver tutorial's Node samples and the Node kit"
    need npm npm "installs the Node samples' packages into .cache/"
    need chromium chromium "the dashboard's browser tests"
    need chromedriver chromium-driver "the dashboard's browser tests"
    if [ "${MOCKDESK_SKIP_SDK:-}" != 1 ] && ! python_at_least 12; then
      missing+=("Python >= 3.12 (Hipcall's official SDK; or MOCKDESK_SKIP_SDK=1 to skip that check)")
    fi
    ;;
  image)
    # A docker command without an engine answering it cannot build: podman then.
    if ! command -v podman >/dev/null 2>&1 \
      && ! { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }; then
      missing+=("podman, or docker with a running engine (builds the image)")
      apt_pkgs+=("podman")
    fi
    ;;
  *)
    echo "usage: $0 test|image" >&2
    exit 2
    ;;
esac

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "${MOCKDESK_INSTALL_MISSING:-}" = 1 ] && [ ${#apt_pkgs[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  echo "installing (MOCKDESK_INSTALL_MISSING=1): ${apt_pkgs[*]}" >&2
  for i in 1 2 3; do
    if $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null; then
      exec "$0" "$@" # check again
    fi
    sleep $((i * 5))
  done
  echo "apt-get install failed" >&2
  exit 1
fi

echo "make $what: missing prerequisites:" >&2
for m in "${missing[@]}"; do echo "  - $m" >&2; done
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  echo "install them (Debian/Ubuntu): sudo apt-get install ${apt_pkgs[*]}" >&2
  echo "or let make do it: MOCKDESK_INSTALL_MISSING=1 make $what" >&2
fi
echo "(make test-rust runs only the Rust tests: it needs cargo alone)" >&2
exit 1
