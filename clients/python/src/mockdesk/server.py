"""Starting mockdesk: the binary on a free loopback port, or an instance already running."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from typing import List, Mapping, Optional, Sequence

from .client import Mockdesk, MockdeskError


def find_binary(binary: Optional[str] = None) -> str:
    """``binary``, else ``$MOCKDESK_BIN``, else ``mockdesk`` on ``PATH``."""
    found = binary or os.environ.get("MOCKDESK_BIN") or shutil.which("mockdesk")
    if not found:
        raise FileNotFoundError(
            "mockdesk binary not found: set MOCKDESK_BIN, put mockdesk on PATH, or set "
            "MOCKDESK_URL to use a running instance")
    return found


class MockdeskServer(Mockdesk):
    """A mockdesk process this kit started; :meth:`stop` (or leaving the ``with`` block) ends it."""

    def __init__(self, process: subprocess.Popen, url: str, log_path: str, **kw):
        super().__init__(url, **kw)
        self.process = process
        self.log_path = log_path
        self.banner: List[str] = []

    def log(self) -> str:
        """What the server wrote to stderr so far."""
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        try:
            os.unlink(self.log_path)
        except OSError:
            pass

    def __enter__(self) -> "MockdeskServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(binary: Optional[str] = None, args: Sequence[str] = (),
          tokens: Optional[Mapping[str, str]] = None, admin_token: Optional[str] = None,
          timeout: float = 30.0) -> MockdeskServer:
    """Start mockdesk on a free ``127.0.0.1`` port and wait until it answers.

    ``args`` are more command-line options (``["--rate-limits", "off"]``); ``tokens`` maps a
    vendor to a key the code under test uses (``--token vendor=key``: an account of its own).
    """
    exe = find_binary(binary)
    cmd = [exe, "--listen", "127.0.0.1:0", *args]
    for vendor, tok in (tokens or {}).items():
        cmd += ["--token", f"{vendor}={tok}"]
    if admin_token:
        cmd += ["--admin-token", admin_token]
    fd, log_path = tempfile.mkstemp(prefix="mockdesk-", suffix=".log")
    with os.fdopen(fd, "w") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
                                text=True)
    first = proc.stdout.readline() if proc.stdout else ""
    m = re.search(r"listening on (http://[0-9.]+:[0-9]+)", first)
    if not m:
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
        with open(log_path, encoding="utf-8", errors="replace") as f:
            err = f.read()
        os.unlink(log_path)
        raise MockdeskError(0, "did_not_start", f"{' '.join(cmd)}: {first.strip()} {err.strip()}".strip())
    server = MockdeskServer(proc, m.group(1), log_path, admin_token=admin_token, tokens=tokens)
    server.banner.append(first.rstrip("\n"))

    # The rest of the banner, then whatever comes, is read away so the pipe never fills.
    def drain() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if len(server.banner) < 200:
                server.banner.append(line.rstrip("\n"))

    threading.Thread(target=drain, daemon=True, name="mockdesk-stdout").start()
    deadline = time.monotonic() + timeout
    while True:
        try:
            server.health()
            return server
        except MockdeskError as e:
            if proc.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise MockdeskError(0, "did_not_start", f"{e.message}\n{server.log()}") from None
            time.sleep(0.02)


def connect(url: str, admin_token: Optional[str] = None,
            tokens: Optional[Mapping[str, str]] = None) -> Mockdesk:
    """A client for a mockdesk that is already running (a service container, ``make run``)."""
    return Mockdesk(url, admin_token=admin_token, tokens=tokens)
