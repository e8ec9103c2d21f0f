#!/usr/bin/env python3
"""Runs the code samples of the third-party Hiver API tutorial (docs/sources.md, seed 001)
against mockdesk, unchanged except for the base URL and the key.

The samples are kept as published in fixtures/hiver-tutorial/samples/ (its README says which
is which). Python samples need `requests` and the Node samples `node-fetch` and `dotenv`;
missing packages are installed into .cache/ from PyPI / npm.

Checks, through the emulator's admin state dump:
  - the Python client and every Python snippet run without an exception;
  - the Node auto-assign example assigns, tags and notes every open, unassigned conversation
    of mb_01HXYZ whose subject matches a keyword rule, and leaves the rest alone.
Prints `tutorial samples: N passed, M failed` and exits non-zero on any failure.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "fixtures", "hiver-tutorial", "samples")
CACHE = os.path.join(ROOT, ".cache")
REAL_BASE = "https://api.hiverhq.com/api/v1"
TOKEN = "hiver-test-token"


def load():
    """The samples: (Python client, Node client, Node auto-assign example, Python snippets)."""
    def read(name):
        with open(os.path.join(SAMPLES, name), encoding="utf-8") as f:
            return f.read()
    snippets = [read(f"snippet-{i}.py.txt") for i in range(1, 8)]
    return read("hiver_client.py.txt"), read("hiver-client.js.txt"), read("auto-assign.js.txt"), snippets


def reindent(code):
    """The captured copy of the tutorial lost leading whitespace, which Python needs. Restores the
    tutorial's evident block structure: statements after a `def`/`for`/`while` header belong
    to it until the snippet ends (or, for loops, until `return`); an `if` header takes exactly
    the next statement; lines inside open brackets continue their statement."""
    out, stack, depth, pending_if = [], [], 0, False
    for raw in code.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            out.append(("    " * len(stack)) + line)
            continue
        if depth == 0 and line.startswith("return") and stack and stack[-1] != "def":
            while stack and stack[-1] != "def":
                stack.pop()
        indent = len(stack) + (1 if depth > 0 else 0)
        out.append(("    " * indent) + line)
        opened = depth == 0 and line.endswith(":")
        depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
        if pending_if and depth == 0 and not opened:
            stack.pop()
            pending_if = False
        if opened:
            kind = line.split()[0]
            stack.append("def" if kind == "def" else "if" if kind in ("if", "elif", "else:") else "loop")
            pending_if = kind in ("if", "elif", "else:")
    return "\n".join(out) + "\n"


def run_with_retry(cmd, attempts=3):
    """Package installs reach a registry: retry a transient failure a bounded number of times."""
    for i in range(attempts):
        r = subprocess.run(cmd)
        if r.returncode == 0:
            return
        time.sleep(2 * (i + 1))
    raise SystemExit(f"install failed after {attempts} attempts: {' '.join(cmd)}")


def ensure_python_requests():
    try:
        import requests  # noqa: F401
        return None
    except ImportError:
        target = os.path.join(CACHE, "python")
        if not os.path.isdir(os.path.join(target, "requests")):
            run_with_retry([sys.executable, "-m", "pip", "install", "--quiet", "--target", target, "requests"])
        return target


def ensure_node_modules(work):
    modules = os.path.join(CACHE, "node")
    if not os.path.isdir(os.path.join(modules, "node_modules", "node-fetch")):
        os.makedirs(modules, exist_ok=True)
        run_with_retry(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", modules, "node-fetch@3", "dotenv@16"])
    os.symlink(os.path.join(modules, "node_modules"), os.path.join(work, "node_modules"))


def start_mockdesk():
    binary = os.path.join(ROOT, "target", "debug", "mockdesk")
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--rate-limits", "off"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    first = proc.stdout.readline()
    addr = re.search(r"http://([0-9.]+:[0-9]+)", first).group(1)
    return proc, addr


def state(addr):
    # Accounts are seeded on first use: touch the default account first.
    touch = urllib.request.Request(f"http://{addr}/hiver/api/v1/mailboxes", headers={"Authorization": f"Bearer {TOKEN}"})
    urllib.request.urlopen(touch).read()
    with urllib.request.urlopen(f"http://{addr}/__admin/state/hiver") as r:
        return json.load(r)["accounts"]["default"]


RULES = [("invoice", "billing", 1028399), ("refund", "billing", 1028399), ("login", "technical", 1028400), ("password", "technical", 1028400)]


def main():
    client_py, client_js, auto_assign, snippets = load()
    results = []
    proc, addr = start_mockdesk()
    base = f"http://{addr}/hiver/api/v1"
    work = tempfile.mkdtemp(prefix="hiver-samples-")
    try:
        env = dict(os.environ, HIVER_API_KEY=TOKEN)
        pythonpath = ensure_python_requests()
        if pythonpath:
            env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
        with open(os.path.join(work, "hiver_client.py"), "w") as f:
            f.write(reindent(client_py.replace(REAL_BASE, base)))
        # Each Python snippet runs as written; the only glue is the id it acts on, which the
        # tutorial leaves to the reader (`conv_id`), taken from the listed conversations.
        driver = ["from hiver_client import hiver_request", "conv_id = None"]
        for i, snip in enumerate(snippets):
            driver.append(f"print('snippet {i}')")
            driver.append(reindent(snip))
            if i == 1:
                driver.append("conv_id = data['conversations'][0]['id']")
        driver.append("print('conv', conv_id)")
        driver.append("all_open = get_all_open_conversations('mb_01HXYZ')")
        # More than one page (limit=100): the helper must follow next_cursor, and lose nothing.
        driver.append("assert len(all_open) > 100 and len({c['id'] for c in all_open}) == len(all_open), len(all_open)")
        with open(os.path.join(work, "driver.py"), "w") as f:
            f.write("\n".join(driver) + "\n")
        before = state(addr)
        r = subprocess.run([sys.executable, "driver.py"], cwd=work, env=env, capture_output=True, text=True, timeout=120)
        results.append(("python samples run", r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]))
        conv = re.search(r"^conv (\d+)$", r.stdout, re.M)
        after = state(addr)
        c = next((x for x in after["conversations"] if conv and str(x["id"]) == conv.group(1)), None)
        billing = next(t["id"] for t in after["tags"] if t["name"] == "billing")
        ok = bool(c) and c["assignee_id"] == 456 and c["status"] == "open" and billing in c["tag_ids"] and any(
            n["conversation_id"] == c["id"] and n["content"].startswith("Auto-assigned") for n in after["notes"])
        results.append(("python samples effect", ok, json.dumps(c)))

        # Reset so the Node example starts from the seed.
        urllib.request.urlopen(urllib.request.Request(f"http://{addr}/__admin/reset", method="POST", data=b"{}", headers={"Content-Type": "application/json"}))
        before = state(addr)
        ensure_node_modules(work)
        with open(os.path.join(work, "package.json"), "w") as f:
            f.write('{"type": "module"}\n')
        with open(os.path.join(work, "hiver-client.js"), "w") as f:
            f.write(client_js.replace(REAL_BASE, base))
        with open(os.path.join(work, "auto-assign.js"), "w") as f:
            f.write(auto_assign)
        r = subprocess.run(["node", "auto-assign.js"], cwd=work, env=env, capture_output=True, text=True, timeout=120)
        results.append(("node auto-assign runs", r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]))

        after = state(addr)
        tag_ids = {t["name"]: t["id"] for t in after["tags"] if t["inbox_id"] == 102}
        problems = []
        old = {c["id"]: c for c in before["conversations"]}
        for c in after["conversations"]:
            o = old[c["id"]]
            eligible = o["inbox_id"] == 102 and o["status"] == "open" and o["assignee_id"] is None
            rule = next((r for r in RULES if r[0] in o["subject"].lower()), None) if eligible else None
            if rule:
                notes = [n for n in after["notes"] if n["conversation_id"] == c["id"]]
                if c["assignee_id"] != rule[2] or tag_ids[rule[1]] not in c["tag_ids"] or not notes:
                    problems.append(f"{c['id']} ({o['subject']}) not handled: {c['assignee_id']} {c['tag_ids']}")
            elif c["assignee_id"] != o["assignee_id"] or c["tag_ids"] != o["tag_ids"]:
                problems.append(f"{c['id']} ({o['subject']}) changed but matches no rule")
        handled = sum(1 for c in after["conversations"] if c["assignee_id"] != old[c["id"]]["assignee_id"])
        results.append(("node auto-assign effect", not problems and handled > 0, f"{handled} assigned; " + "; ".join(problems[:5])))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    failed = [r for r in results if not r[1]]
    for name, ok, detail in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f"\n{detail}"))
    print(f"tutorial samples: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
