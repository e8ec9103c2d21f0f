"""A webhook receiver on a free loopback port: subscribe it to a surface, then wait for events.

Each delivery is checked the way the vendor's own receivers check it: HelpCrunch's
``X-HelpCrunch-Signature`` (hex HMAC-SHA1 of the raw body with the signing key) and Chative's
``verify_token`` in the body. Hipcall and Hiver sign nothing (``verified`` is ``None``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

from .client import Mockdesk


@dataclass
class Delivery:
    """One webhook request the receiver got."""

    surface: str
    subscription: str
    event: Optional[str]
    payload: Any
    headers: Dict[str, str]
    body: bytes
    #: True: the vendor's signature or verify token checked out; False: it did not; None: the
    #: vendor signs nothing.
    verified: Optional[bool]
    received_at: float = field(default_factory=time.time)


def _verify(vendor: str, secret: Optional[str], headers: Dict[str, str], body: bytes,
            payload: Any) -> Optional[bool]:
    if vendor == "helpcrunch":
        sent = headers.get("x-helpcrunch-signature", "")
        want = hmac.new((secret or "").encode(), body, hashlib.sha1).hexdigest()
        return bool(sent) and hmac.compare_digest(sent, want)
    if vendor == "chative":
        return isinstance(payload, dict) and payload.get("verify_token") == secret
    return None


class WebhookReceiver:
    """Listens on ``127.0.0.1`` (a free port) until :meth:`close`. Answers every delivery with
    ``status`` (200)."""

    def __init__(self, desk: Mockdesk, status: int = 200):
        self.desk = desk
        self.status = status
        self.deliveries: List[Delivery] = []
        self._routes: Dict[str, Dict[str, Any]] = {}
        self._taken = 0
        self._seen: set = set()
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                route = receiver._routes.get(self.path)
                self.send_response(receiver.status if route else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if route is None:
                    return
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = None
                headers = {k.lower(): v for k, v in self.headers.items()}
                d = Delivery(
                    surface=route["surface"], subscription=route["id"],
                    event=payload.get("event") if isinstance(payload, dict) else None,
                    payload=payload, headers=headers, body=body,
                    verified=_verify(route["vendor"], route.get("secret"), headers, body, payload))
                with receiver._cond:
                    receiver.deliveries.append(d)
                    receiver._cond.notify_all()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="mockdesk-webhooks")
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def subscribe(self, surface: str, events: Optional[List[str]] = None,
                  account: Optional[str] = None, secret: Optional[str] = None) -> Dict[str, Any]:
        """Subscribe this receiver to ``surface``'s ``events`` (default: all); returns the
        subscription (its ``secret`` is what deliveries are verified with)."""
        self._taken += 1
        path = f"/hooks/{self._taken}"
        sub = self.desk.subscribe_webhook(surface, self.url + path, events=events,
                                          account=account, secret=secret)
        self._routes[path] = {**sub, "vendor": self.desk.vendor(surface)}
        return sub

    def wait_for(self, event: str, timeout: float = 5.0, surface: Optional[str] = None) -> Delivery:
        """The oldest delivery of ``event`` not returned before, waiting up to ``timeout``
        seconds; raises AssertionError (with what did arrive) when none comes."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, d in enumerate(self.deliveries):
                    if i not in self._seen and d.event == event and surface in (None, d.surface):
                        self._seen.add(i)
                        return d
                left = deadline - time.monotonic()
                if left <= 0:
                    got = [d.event for d in self.deliveries]
                    raise AssertionError(f"no {event} webhook within {timeout} s (received: {got})")
                self._cond.wait(left)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "WebhookReceiver":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
