"""The admin client: every endpoint of mockdesk's admin API (`/__admin`) as a method.

Arguments are named as the admin API's JSON fields, so the admin API's documentation
(`GET /__admin/openapi`) reads for both. Errors are raised as :class:`MockdeskError` with the
admin API's `code` and `message`.
"""

from __future__ import annotations

import datetime as _dt
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

JSON = Any

#: Every admin operation the client calls: operationId -> (method, path under /__admin).
#: The kit's tests check this table against the served OpenAPI document, both ways.
OPERATIONS: Dict[str, Tuple[str, str]] = {
    "health": ("GET", "/health"),
    "adminOpenapi": ("GET", "/openapi"),
    "reset": ("POST", "/reset"),
    "getState": ("GET", "/state/{vendor}"),
    "putState": ("PUT", "/state/{vendor}"),
    "listAccounts": ("GET", "/accounts"),
    "addAccount": ("POST", "/accounts"),
    "listRequests": ("GET", "/requests"),
    "clearRequests": ("DELETE", "/requests"),
    "countRequests": ("POST", "/requests/count"),
    "listFaults": ("GET", "/faults"),
    "addFault": ("POST", "/faults"),
    "clearFaults": ("DELETE", "/faults"),
    "getFault": ("GET", "/faults/{id}"),
    "deleteFault": ("DELETE", "/faults/{id}"),
    "listStubs": ("GET", "/stubs"),
    "addStub": ("POST", "/stubs"),
    "clearStubs": ("DELETE", "/stubs"),
    "getStub": ("GET", "/stubs/{id}"),
    "deleteStub": ("DELETE", "/stubs/{id}"),
    "listRateLimits": ("GET", "/rate-limits"),
    "setRateLimit": ("PUT", "/rate-limits/{surface}"),
    "listSurfaces": ("GET", "/surfaces"),
    "surfaceOpenapi": ("GET", "/openapi/{surface}"),
    "getClock": ("GET", "/clock"),
    "setClock": ("POST", "/clock"),
    "listWebhooks": ("GET", "/webhooks"),
    "subscribeWebhook": ("POST", "/webhooks"),
    "unsubscribeWebhook": ("DELETE", "/webhooks/{id}"),
    "listDeliveries": ("GET", "/webhooks/deliveries"),
    "redeliver": ("POST", "/webhooks/deliveries/{id}/redeliver"),
    "simulate": ("POST", "/simulate/{surface}/{scenario}"),
    "caPem": ("GET", "/tls/ca.pem"),
}


class MockdeskError(Exception):
    """The admin API refused a call (`status`, `code`, `message`), or could not be reached
    (`status` 0)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"mockdesk admin API answered {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def _drop_none(d: Mapping[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


class Expectation:
    """A declared call count: `times` requests matching `filters` by the end of the test."""

    def __init__(self, times: int, filters: Dict[str, Any]):
        self.times = times
        self.filters = filters

    def __repr__(self) -> str:
        return f"expect({self.times}, {self.filters})"


class Mockdesk:
    """A running mockdesk, reached at `url` (e.g. ``http://127.0.0.1:4010``).

    ``admin_token`` is needed when mockdesk runs with ``--admin-token``. ``tokens`` maps a
    vendor to the key the code under test uses (given to mockdesk with ``--token`` or
    :meth:`add_account`): :meth:`token` answers with it and :meth:`state` reads its account.
    """

    def __init__(self, url: str, admin_token: Optional[str] = None,
                 tokens: Optional[Mapping[str, str]] = None, timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.admin_token = admin_token
        self.timeout = timeout
        self._tokens: Dict[str, str] = dict(tokens or {})
        self._given_tokens: Dict[str, str] = dict(self._tokens)
        self._surfaces: Optional[List[Dict[str, Any]]] = None
        self._expectations: List[Expectation] = []

    # ---- transport ---------------------------------------------------------------------------

    def _call(self, operation: str, *, params: Optional[Mapping[str, Any]] = None,
              query: Optional[Mapping[str, Any]] = None, body: Any = None, raw: bool = False) -> Any:
        method, path = OPERATIONS[operation]
        for k, v in (params or {}).items():
            path = path.replace("{" + k + "}", urllib.parse.quote(str(v), safe=""))
        url = f"{self.url}/__admin{path}"
        q = _drop_none(query or {})
        if q:
            url += "?" + urllib.parse.urlencode(q)
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.admin_token:
            headers["Authorization"] = f"Bearer {self.admin_token}"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                text = r.read().decode()
        except urllib.error.HTTPError as e:
            text = e.read().decode(errors="replace")
            try:
                err = json.loads(text)["error"]
                raise MockdeskError(e.code, err.get("code", ""), err.get("message", "")) from None
            except (ValueError, KeyError, TypeError):
                raise MockdeskError(e.code, "http_error", text[:500]) from None
        except OSError as e:
            raise MockdeskError(0, "unreachable", f"{url}: {e}") from None
        if raw:
            return text
        return json.loads(text) if text else None

    # ---- surfaces ----------------------------------------------------------------------------

    def surfaces(self) -> List[Dict[str, Any]]:
        """Mounted surfaces: id, vendor, base URL, prefix, default token, limit, scenarios."""
        self._surfaces = self._call("listSurfaces")["surfaces"]
        return self._surfaces

    def _surface(self, surface: str) -> Dict[str, Any]:
        for s in self._surfaces or self.surfaces():
            if s["id"] == surface:
                return s
        for s in self._surfaces or []:
            if s["vendor"] == surface:
                return s
        known = ", ".join(s["id"] for s in self._surfaces or [])
        raise MockdeskError(404, "not_found", f"no surface or vendor {surface} (known: {known})")

    def base_url(self, surface: str) -> str:
        """Where a client of ``surface`` points its base URL, e.g.
        ``http://127.0.0.1:4010/helpcrunch/v1``."""
        return self.url + self._surface(surface)["prefix"]

    def vendor(self, surface: str) -> str:
        """The vendor a surface (or vendor name) belongs to."""
        return self._surface(surface)["vendor"]

    def token(self, surface: str) -> str:
        """The key to send to ``surface`` (or vendor): the one given for its vendor, else the
        vendor's built-in token (its ``default`` account)."""
        vendor = self.vendor(surface)
        if vendor in self._tokens:
            return self._tokens[vendor]
        return self._surface(surface)["default_token"]

    def account_of(self, vendor: str) -> str:
        """The account :meth:`token` reaches for ``vendor``."""
        if vendor not in self._tokens:
            return "default"
        tok = self._tokens[vendor]
        for a in self.accounts():
            if a["vendor"] == vendor and a["token"] == tok:
                return a["account"]
        return "default"

    def openapi(self, surface: Optional[str] = None) -> Dict[str, Any]:
        """A surface's OpenAPI document, or (no surface) the admin API's own."""
        if surface is None:
            return self._call("adminOpenapi")
        return self._call("surfaceOpenapi", params={"surface": surface})

    def health(self) -> Dict[str, Any]:
        """``{"status": "ok" | "degraded", ...}`` (a degraded server raises 503)."""
        return self._call("health")

    def ca_pem(self) -> str:
        """The local CA certificate (PEM) of mockdesk's HTTPS listener."""
        return self._call("caPem", raw=True)

    # ---- state -------------------------------------------------------------------------------

    def reset(self, vendor: Optional[str] = None, account: Optional[str] = None) -> Dict[str, Any]:
        """Back to the seed: every vendor, or one vendor and/or account."""
        return self._call("reset", body=_drop_none({"vendor": vendor, "account": account}))

    def state(self, vendor: str, account: Optional[str] = None) -> Dict[str, Any]:
        """One account's state (default: the account :meth:`token` reaches)."""
        account = account or self.account_of(vendor)
        doc = self._call("getState", params={"vendor": vendor}, query={"account": account})
        return doc["accounts"][account]

    def state_document(self, vendor: str) -> Dict[str, Any]:
        """Every account that holds state, as ``{"vendor", "accounts": {...}}``."""
        return self._call("getState", params={"vendor": vendor})

    def put_state(self, vendor: str, document: Mapping[str, Any], account: Optional[str] = None) -> Any:
        """Replace accounts with a state document (``{"accounts": {name: state}}``); with
        ``account``, only that one."""
        return self._call("putState", params={"vendor": vendor}, query={"account": account}, body=document)

    def accounts(self) -> List[Dict[str, str]]:
        return self._call("listAccounts")["accounts"]

    def add_account(self, vendor: str, token: str, account: Optional[str] = None) -> Dict[str, str]:
        """Accept ``token`` for ``vendor`` (its own account unless ``account`` is named);
        :meth:`token` answers with it from now on."""
        out = self._call("addAccount", body=_drop_none({"vendor": vendor, "token": token, "account": account}))
        self._tokens[vendor] = token
        return out

    # ---- journal -----------------------------------------------------------------------------

    def requests(self, surface: Optional[str] = None, method: Optional[str] = None,
                 path: Optional[str] = None, status: Optional[int] = None,
                 account: Optional[str] = None, since: Optional[int] = None) -> List[Dict[str, Any]]:
        """Journal entries, oldest first (``path``: ``{name}`` one segment, ``*`` any rest)."""
        q = {"surface": surface, "method": method, "path": path, "status": status,
             "account": account, "since": since}
        return self._call("listRequests", query=q)["requests"]

    def count(self, surface: Optional[str] = None, method: Optional[str] = None,
              path: Optional[str] = None, status: Optional[int] = None,
              account: Optional[str] = None, since: Optional[int] = None) -> int:
        """How many journal entries match."""
        body = _drop_none({"surface": surface, "method": method, "path": path, "status": status,
                           "account": account, "since": since})
        return self._call("countRequests", body=body)["count"]

    def clear_requests(self) -> None:
        self._call("clearRequests")

    def expect(self, times: int, **filters: Any) -> Expectation:
        """Declare that exactly ``times`` requests matching ``filters`` (as :meth:`count`) will
        have been made when :meth:`verify` runs (the pytest fixture runs it at teardown)."""
        e = Expectation(times, filters)
        self._expectations.append(e)
        return e

    def verify(self) -> None:
        """Check every :meth:`expect`; raises AssertionError listing each one not met, with
        the requests that came close (same surface and method, or same path)."""
        problems = []
        for e in self._expectations:
            got = self.count(**e.filters)
            if got == e.times:
                continue
            lines = [f"expected {e.times} request(s) matching {e.filters}, got {got}"]
            near = [r for r in self.requests(surface=e.filters.get("surface"))
                    if r["method"].upper() == str(e.filters.get("method", r["method"])).upper()
                    or r["vendor_path"] == e.filters.get("path")]
            for r in near[-10:]:
                lines.append(f"    near miss: {r['method']} {r['vendor_path']} -> {r['status']}"
                             f" (surface {r['surface']}, account {r['account']})")
            if not near:
                lines.append("    no request to that surface at all")
            problems.append("\n".join(lines))
        self._expectations = []
        if problems:
            raise AssertionError("mockdesk expectations not met:\n" + "\n".join(problems))

    # ---- faults and stubs --------------------------------------------------------------------

    def fault(self, effect: Mapping[str, Any], match: Optional[Mapping[str, Any]] = None,
              times: Optional[int] = None, probability: Optional[float] = None,
              after_write: Optional[bool] = None) -> Dict[str, Any]:
        """Make a surface misbehave, e.g. ``fault(match={"surface": "helpcrunch", "method":
        "GET"}, effect={"type": "status", "status": 503}, times=1)``; returns the rule."""
        body = _drop_none({"match": match, "effect": effect, "times": times,
                           "probability": probability, "after_write": after_write})
        return self._call("addFault", body=body)

    def faults(self) -> List[Dict[str, Any]]:
        return self._call("listFaults")["faults"]

    def get_fault(self, id: str) -> Dict[str, Any]:
        return self._call("getFault", params={"id": id})

    def delete_fault(self, id: str) -> None:
        self._call("deleteFault", params={"id": id})

    def clear_faults(self) -> None:
        self._call("clearFaults")

    def stub(self, response: Mapping[str, Any], match: Optional[Mapping[str, Any]] = None,
             times: Optional[int] = None, priority: Optional[int] = None) -> Dict[str, Any]:
        """Set the answer for the requests ``match`` names (``response``: ``status``,
        ``headers``, ``json`` or ``body``); returns the stub."""
        body = _drop_none({"match": match, "response": response, "times": times, "priority": priority})
        return self._call("addStub", body=body)

    def stubs(self) -> List[Dict[str, Any]]:
        return self._call("listStubs")["stubs"]

    def get_stub(self, id: str) -> Dict[str, Any]:
        return self._call("getStub", params={"id": id})

    def delete_stub(self, id: str) -> None:
        self._call("deleteStub", params={"id": id})

    def clear_stubs(self) -> None:
        self._call("clearStubs")

    # ---- rate limits -------------------------------------------------------------------------

    def rate_limits(self, account: Optional[str] = None) -> Dict[str, Any]:
        return self._call("listRateLimits", query={"account": account})

    def set_rate_limit(self, surface: str, mode: str,
                       windows: Optional[List[Mapping[str, int]]] = None) -> Dict[str, Any]:
        """``mode``: ``off``, ``documented``, ``default`` (no override) or ``custom`` with
        ``windows=[{"limit": 5, "seconds": 60}]``."""
        return self._call("setRateLimit", params={"surface": surface},
                          body=_drop_none({"mode": mode, "windows": windows}))

    # ---- clock -------------------------------------------------------------------------------

    def clock(self) -> Dict[str, Any]:
        """``{"now_ms", "frozen"}``."""
        return self._call("getClock")

    def now(self) -> _dt.datetime:
        """The emulator's time."""
        return _dt.datetime.fromtimestamp(self.clock()["now_ms"] / 1000, tz=_dt.timezone.utc)

    def advance(self, seconds: float) -> Dict[str, Any]:
        """Move the clock on (timestamps, rate-limit windows and webhook retries follow)."""
        return self._call("setClock", body={"advance_ms": int(round(seconds * 1000))})

    def freeze(self, at: Union[None, int, _dt.datetime] = None) -> Dict[str, Any]:
        """Stop the clock at ``at`` (a datetime, or Unix milliseconds; default: now)."""
        if at is None:
            ms = self.clock()["now_ms"]
        elif isinstance(at, _dt.datetime):
            if at.tzinfo is None:
                at = at.replace(tzinfo=_dt.timezone.utc)
            ms = int(at.timestamp() * 1000)
        else:
            ms = int(at)
        return self._call("setClock", body={"freeze_at_ms": ms})

    def unfreeze(self) -> Dict[str, Any]:
        return self._call("setClock", body={"unfreeze": True})

    # ---- webhooks and scenarios --------------------------------------------------------------

    def subscribe_webhook(self, surface: str, url: str, events: Optional[List[str]] = None,
                          account: Optional[str] = None, secret: Optional[str] = None) -> Dict[str, Any]:
        """Subscribe ``url`` to ``surface``'s ``events`` (default: all); returns the
        subscription with its ``id`` and ``secret``."""
        body = _drop_none({"surface": surface, "url": url, "events": events,
                           "account": account, "secret": secret})
        return self._call("subscribeWebhook", body=body)

    def webhooks(self) -> Dict[str, Any]:
        """``{"subscriptions": [...], "surfaces": {id: {"events", "scenarios"}}}``."""
        return self._call("listWebhooks")

    def unsubscribe_webhook(self, id: str) -> None:
        self._call("unsubscribeWebhook", params={"id": id})

    def deliveries(self, surface: Optional[str] = None, event: Optional[str] = None,
                   subscription: Optional[str] = None) -> List[Dict[str, Any]]:
        """Every delivery attempt, oldest first."""
        q = {"surface": surface, "event": event, "subscription": subscription}
        return self._call("listDeliveries", query=q)["deliveries"]

    def redeliver(self, id: int) -> Dict[str, Any]:
        return self._call("redeliver", params={"id": id})

    def simulate(self, surface: str, scenario: str, **params: Any) -> Any:
        """A vendor-side event (``inbound_call``, ``customer_chat``, ...); returns its result."""
        return self._call("simulate", params={"surface": surface, "scenario": scenario},
                          body=params)["result"]

    # ---- isolation ---------------------------------------------------------------------------

    def isolate(self) -> None:
        """Everything a test can change, back to the start: every vendor to its seed, the
        journal emptied, faults, stubs and webhook subscriptions removed, rate-limit overrides
        dropped, the clock unfrozen and back to real time, pending expectations forgotten, and
        :meth:`token` back to the tokens this client was made with (a token added by
        :meth:`add_account` stays accepted by the server, and its account is reset too)."""
        self.reset()
        self.clear_requests()
        self.clear_faults()
        self.clear_stubs()
        for s in self.webhooks()["subscriptions"]:
            self.unsubscribe_webhook(s["id"])
        for r in self.rate_limits()["surfaces"]:
            if r.get("override") is not None:
                self.set_rate_limit(r["surface"], "default")
        self.unfreeze()
        self._expectations = []
        self._tokens = dict(self._given_tokens)
