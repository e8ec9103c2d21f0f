#!/usr/bin/env python3
"""Checks the CI recipes in examples/ci/ against a running mockdesk, so they stay true:

  - docker-compose.yml's network aliases are exactly the real hosts the surfaces answer to
    (from GET /__admin/surfaces);
  - every URL the compose file's stand-in app calls answers 2xx when sent to mockdesk with that
    URL's Host header (what the aliases do inside the compose network);
  - every `mockdesk` flag the recipes use is one `mockdesk --help` lists, and the YAML files
    parse (when PyYAML is installed);
  - the testcontainers snippet compiles.
Docker itself is not run (this project's CI machines have no Docker engine).
Prints `ci examples: N passed, M failed`.
"""

import json
import os
import re
import subprocess
import sys
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


def main():
    proc = subprocess.Popen([BIN, "--listen", "127.0.0.1:0", "--rate-limits", "off"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        first = proc.stdout.readline()
        addr = re.search(r"http://([0-9.:]+)", first).group(1)
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

        calls = re.findall(r"curl -fsS -H '([^']+)' '(http://[^']+)'", compose)
        check("compose app makes calls", len(calls) >= 3, f"{calls}")
        for header, url in calls:
            u = urllib.parse.urlsplit(url)
            name, value = header.split(": ", 1)
            req = urllib.request.Request(f"http://{addr}{u.path}?{u.query}",
                                         headers={"Host": u.netloc, name: value})
            try:
                with urllib.request.urlopen(req) as r:
                    check(f"compose call {url}", 200 <= r.status < 300, str(r.status))
            except Exception as e:  # an HTTP error or no answer
                check(f"compose call {url}", False, str(e))

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
    failed = results.count(False)
    print(f"ci examples: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
