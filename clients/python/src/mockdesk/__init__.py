"""Test kit for mockdesk: a client of its admin API, a launcher, a webhook receiver and a
pytest plugin (fixtures ``mockdesk`` and ``mockdesk_webhooks``).

    from mockdesk import start

    with start(args=["--rate-limits", "off"]) as desk:
        desk.fault(match={"surface": "helpcrunch"}, effect={"type": "status", "status": 503}, times=1)
        ...  # point the code under test at desk.base_url("helpcrunch") with desk.token("helpcrunch")
        assert desk.count(surface="helpcrunch", method="GET", path="/customers") == 2
"""

from .client import OPERATIONS, Expectation, Mockdesk, MockdeskError
from .server import MockdeskServer, connect, find_binary, start
from .webhooks import Delivery, WebhookReceiver

__all__ = ["OPERATIONS", "Delivery", "Expectation", "Mockdesk", "MockdeskError", "MockdeskServer",
           "WebhookReceiver", "connect", "find_binary", "start"]
__version__ = "0.1.0"
