"""pytest plugin (registered through the ``pytest11`` entry point).

Fixtures:

- ``mockdesk``: a :class:`~mockdesk.Mockdesk` client of one server per session — started from
  ``$MOCKDESK_BIN`` or ``mockdesk`` on ``PATH``, or the instance at ``$MOCKDESK_URL`` (a
  service container) — isolated before each test (:meth:`~mockdesk.Mockdesk.isolate`) and
  its :meth:`~mockdesk.Mockdesk.expect` declarations checked after it.
- ``mockdesk_webhooks``: a :class:`~mockdesk.WebhookReceiver` for the test.

ini options: ``mockdesk_args`` (more options for the binary, e.g. ``--rate-limits off``),
``mockdesk_isolate`` (``true``; ``false`` keeps state between tests).
"""

from __future__ import annotations

import os
import shlex
from typing import Iterator

import pytest

from .client import Mockdesk
from .server import connect, start
from .webhooks import WebhookReceiver


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("mockdesk_args", "more command-line options for the mockdesk binary", default="")
    parser.addini("mockdesk_isolate", "reset mockdesk before each test (true/false)", default="true")


@pytest.fixture(scope="session")
def mockdesk_server(pytestconfig: pytest.Config) -> Iterator[Mockdesk]:
    """The session's mockdesk (started here, or attached to ``$MOCKDESK_URL``)."""
    url = os.environ.get("MOCKDESK_URL")
    admin_token = os.environ.get("MOCKDESK_ADMIN_TOKEN")
    if url:
        yield connect(url, admin_token=admin_token)
        return
    args = shlex.split(str(pytestconfig.getini("mockdesk_args") or ""))
    server = start(args=args, admin_token=admin_token)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mockdesk(mockdesk_server: Mockdesk, pytestconfig: pytest.Config) -> Iterator[Mockdesk]:
    """The session's mockdesk, isolated for this test; expectations checked at teardown."""
    if str(pytestconfig.getini("mockdesk_isolate")).lower() not in ("false", "0", "no"):
        mockdesk_server.isolate()
    yield mockdesk_server
    mockdesk_server.verify()


@pytest.fixture
def mockdesk_webhooks(mockdesk: Mockdesk) -> Iterator[WebhookReceiver]:
    """A webhook receiver for this test: ``.subscribe(surface)``, ``.wait_for(event)``."""
    receiver = WebhookReceiver(mockdesk)
    try:
        yield receiver
    finally:
        receiver.close()
