#!/usr/bin/env python3
"""Checks the CI recipes in examples/ci/ against a running mockdesk, so they stay true:

  - docker-compose.yml's network aliases are exactly the real hosts the surfaces answer to
    (from GET /__admin/surfaces);
  - every https URL the compose file's stand-in app calls answers 2xx when sent to mockdesk's
    TLS port under that URL's host name (SNI and Host, as the aliases do inside the compose
    network), trusting only the CA mockdesk made (as the app does through the shared volume);
  - the binary recipe's wait loop exits 0 once mockdesk answers and fails when it never does;
  - every `mockdesk` flag the recipes use is one `mockdesk --help` lists, and the YAML files
    parse (when PyYAML is installed);
  - the testcontainers snippet compiles.
Docker itself is not run (this project's CI machines have no Docker engine).
Prints `ci examples: N passed, M failed`.
"""

import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CI = os.path.join(ROOT, "examples", "ci")
BIN = os.path.join(ROOT, "target", "debug", "mockdesk")

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok  " if ok else "FAIL") + f" {name}" + ("" if ok else f": {detail}"))


def read(name):
    with open(os.path.join(CI, name), encoding="utf-8") as f:
        return f.read()


def https_get(tls_addr, ca_file, url, headers):
    """GET `url` from mockdesk's TLS port as a client that resolves the URL's host to it."""
    u = urllib.parse.urlsplit(url)
    host, port = tls_addr.rsplit(":", 1)
    ctx = ssl.create_default_context(cafile=ca_file)
    # Python 3.13's default on every Python: OpenSSL's strict X.509 checks (key identifiers,
    # critical basic constraints) on the CA mockdesk makes and the leaves it issues.
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=10)
    sock = socket.create_connection((host, int(port)), timeout=10)
    conn.sock = ctx.wrap_socket(sock, server_hostname=u.hostname)
    conn.request("GET", f"{u.path}?{u.query}", headers={"Host": u.hostname, **headers})
    r = conn.getresponse()
    r.read()
    conn.close()
    return r.status


def wait_loop(recipe):
    """The recipe's wait loop (from `for i in` to `done`) with the binary and URL made local."""
    lines = recipe.splitlines()
    start = next(i for i, l in enumerate(lines) if l.strip().startswith("for i in"))
    end = next(i for i in range(start, len(lines)) if lines[i].strip() == "done")
    return "\n".join(l.strip() for l in lines[start:end + 1])


def main():
    tls_dir = tempfile.mkdtemp(prefix="mockdesk-ci-tls-")
    proc = subprocess.Popen([BIN, "--listen", "127.0.0.1:0", "--rate-limits", "off",
                             "--tls-listen", "127.0.0.1:0", "--tls-dir", tls_dir],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        first = proc.stdout.readline()
        addr = re.search(r"http://([0-9.:]+)", first).group(1)
        tls_addr = None
        while tls_addr is None:
            line = proc.stdout.readline()
            if not line:
                raise SystemExit("mockdesk printed no HTTPS address")
            m = re.match(r"HTTPS on https://([0-9.:]+)", line)
            tls_addr = m.group(1) if m else None
        ca_file = os.path.join(tls_dir, "ca.pem")
        with urllib.request.urlopen(f"http://{addr}/__admin/surfaces") as r:
            surfaces = json.load(r)["surfaces"]
        hosts = {h for s in surfaces for h in s["hosts"]}

        compose = read("docker-compose.yml")
        block = compose.split("aliases:", 1)[1]
        aliases = set()
        for line in block.splitlines()[1:]:
            m = re.match(r"^\s+- (\S+)\s*$", line)
            if not m:
                break
            aliases.add(m.group(1))
        check("compose aliases = the surfaces' real hosts", aliases == hosts,
              f"missing {sorted(hosts - aliases)}, extra {sorted(aliases - hosts)}")

        calls = re.findall(r"curl -fsS -H '([^']+)' '(https://[^']+)'", compose)
        check("compose app makes https calls", len(calls) >= 3, f"{calls}")
        check("compose app trusts mockdesk's CA from the shared volume",
              "CURL_CA_BUNDLE: /mockdesk-tls/ca.pem" in compose and "mockdesk-tls:/var/lib/mockdesk/tls" in compose)
        for header, url in calls:
            name, value = header.split(": ", 1)
            try:
                status = https_get(tls_addr, ca_file, url, {name: value})
                check(f"compose call {url}", 200 <= status < 300, str(status))
            except Exception as e:  # an HTTP error, a certificate problem, or no answer
                check(f"compose call {url}", False, repr(e))

        loop = wait_loop(read("github-actions-binary.yml"))
        local = loop.replace("mockdesk/target/release/mockdesk", BIN)
        ok = subprocess.run(["bash", "-c", local.replace("http://127.0.0.1:4010", f"http://{addr}")],
                            capture_output=True, text=True, timeout=60)
        check("binary recipe: the wait loop passes once mockdesk answers", ok.returncode == 0, ok.stderr)
        never = local.replace("http://127.0.0.1:4010", "http://127.0.0.1:1").replace("seq 1 50", "seq 1 3")
        never = never.replace('"$i" = 50', '"$i" = 3').replace("cat mockdesk.log >&2; ", "")
        bad = subprocess.run(["bash", "-c", never], capture_output=True, text=True, timeout=60)
        check("binary recipe: the wait loop fails when mockdesk never answers",
              bad.returncode != 0 and "did not start" in bad.stderr, f"exit {bad.returncode}")

        help_text = subprocess.run([BIN, "--help"], capture_output=True, text=True).stdout
        help_text += subprocess.run([BIN, "health", "--help"], capture_output=True, text=True).stdout
        for name in ("github-actions-binary.yml", "github-actions-service.yml", "docker-compose.yml"):
            text = read(name)
            flags = set(re.findall(r"mockdesk(?:\s+health)?((?:\s+--[a-z-]+(?:\s+[^\s\\-][^\s\\]*)?)+)", text))
            used = {f for group in flags for f in re.findall(r"--[a-z-]+", group)}
            unknown = sorted(f for f in used if f not in help_text)
            check(f"{name}: flags exist", not unknown, f"unknown {unknown}")
            envs = set(re.findall(r"MOCKDESK_[A-Z_]+", text))
            unknown_env = sorted(e for e in envs if e not in help_text)
            check(f"{name}: environment variables exist", not unknown_env, f"unknown {unknown_env}")
            try:
                import yaml
            except ImportError:
                continue
            try:
                yaml.safe_load(text)
                check(f"{name}: YAML parses", True)
            except yaml.YAMLError as e:
                check(f"{name}: YAML parses", False, str(e))
        try:
            compile(read("test_with_testcontainers.py"), "test_with_testcontainers.py", "exec")
            check("testcontainers snippet compiles", True)
        except SyntaxError as e:
            check("testcontainers snippet compiles", False, str(e))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(tls_dir, ignore_errors=True)
    failed = results.count(False)
    print(f"ci examples: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
