#!/usr/bin/env python3
"""`make links` (part of `make lint`): every relative link in README.md, docs/ and the fixtures'
READMEs resolves to a file in the repository, every `#anchor` names a heading of its target
(GitHub's anchor rules), and no link leaves the repository. Links to other sites are not
fetched. Prints `links: N passed, M failed` and exits non-zero on a broken link."""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def markdown_files():
    yield os.path.join(ROOT, "README.md")
    for base in ("docs", "fixtures", "examples", "clients"):
        for d, _, files in os.walk(os.path.join(ROOT, base)):
            for f in files:
                if f.endswith(".md"):
                    yield os.path.join(d, f)


def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"`", "", s)
    s = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", s)  # a link in a heading keeps its text
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    out, seen, fenced = set(), {}, False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if FENCE.match(line):
                fenced = not fenced
                continue
            m = None if fenced else re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
            if m:
                base = slug(m.group(2))
                n = seen.get(base, 0)
                seen[base] = n + 1
                out.add(base if n == 0 else f"{base}-{n}")
            for a in re.findall(r'<a\s+(?:name|id)="([^"]+)"', line):
                out.add(a)
    return out


def links(path):
    fenced = False
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            if FENCE.match(line):
                fenced = not fenced
                continue
            if fenced:
                continue
            line = re.sub(r"`[^`]*`", "", line)  # code spans are not links
            for target in LINK.findall(line):
                yield no, target


def main():
    passed, failed = 0, 0
    for md in markdown_files():
        rel_md = os.path.relpath(md, ROOT)
        for no, target in links(md):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: …
                continue
            path, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(md), path)) if path else md
            problem = None
            if not (dest == ROOT or dest.startswith(ROOT + os.sep)):
                problem = "leaves the repository"
            elif not os.path.exists(dest):
                problem = "no such file"
            elif anchor and (not dest.endswith(".md") or anchor not in anchors(dest)):
                problem = f"no heading #{anchor} in {os.path.relpath(dest, ROOT)}"
            if problem:
                failed += 1
                print(f"FAIL {rel_md}:{no}: ({target}) {problem}")
            else:
                passed += 1
    print(f"links: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
