"""A few HTTP calls to the vendor surfaces, as the code under test would make them."""

import json
import urllib.error
import urllib.request


def call(desk, surface, method, path, body=None, token=None):
    req = urllib.request.Request(
        desk.base_url(surface) + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token or desk.token(surface)}",
                 "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode()
            return r.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, text
