#!/usr/bin/env python3
"""The complete tests printed in docs/kits/*.md are true: each block marked
`<!-- kit-example: LANG -->` is run as printed — Python with pytest in the Python kit's venv
(.cache/kit-python, made by scripts/kit_python.sh), Node with `node --test` importing the Node
kit as `mockdesk` — and the Rust one must equal mock-server/tests/kit_example.rs, which
`cargo test` runs. Exits non-zero on any failure."""

import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "debug", "mockdesk")


def example(doc, lang):
    text = open(os.path.join(ROOT, "docs", "kits", doc), encoding="utf-8").read()
    m = re.search(r"<!-- kit-example: %s -->\n```\w+\n(.*?)```" % lang, text, re.S)
    if not m:
        raise SystemExit(f"kit-docs: docs/kits/{doc} has no kit-example block for {lang}")
    return m.group(1)


def run(cmd, cwd, env=None):
    r = subprocess.run(cmd, cwd=cwd, env={**os.environ, "MOCKDESK_BIN": BIN, **(env or {})},
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        print(r.stdout[-4000:], r.stderr[-4000:])
    return r.returncode == 0


def main():
    failed = []
    with tempfile.TemporaryDirectory(prefix="mockdesk-kit-docs-") as tmp:
        py = os.path.join(tmp, "py")
        os.makedirs(py)
        with open(os.path.join(py, "test_sync.py"), "w") as f:
            f.write(example("python.md", "python"))
        pytest = os.path.join(ROOT, ".cache", "kit-python", "bin", "python")
        if not run([pytest, "-m", "pytest", "-q", "-p", "no:cacheprovider"], py):
            failed.append("python")
        node = os.path.join(tmp, "node")
        os.makedirs(os.path.join(node, "node_modules"))
        # As `npm install ./clients/node` would leave it: the package under node_modules/mockdesk.
        os.symlink(os.path.join(ROOT, "clients", "node"), os.path.join(node, "node_modules", "mockdesk"))
        with open(os.path.join(node, "package.json"), "w") as f:
            f.write('{"type": "module"}\n')
        with open(os.path.join(node, "sync.test.js"), "w") as f:
            f.write(example("node.md", "node"))
        if not run(["node", "--test", "sync.test.js"], node):
            failed.append("node")
    rust = example("rust.md", "rust")
    with open(os.path.join(ROOT, "mock-server", "tests", "kit_example.rs"), encoding="utf-8") as f:
        if f.read() != rust:
            print("docs/kits/rust.md's example differs from mock-server/tests/kit_example.rs")
            failed.append("rust")
    print(f"kit docs: {3 - len(failed)} of 3 examples true" + (f" (failed: {', '.join(failed)})" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
