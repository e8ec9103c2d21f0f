"""The webhook fixture: real deliveries from the binary, verified as the vendors' receivers do."""

from helpers import call
from mockdesk.webhooks import _verify


def test_helpcrunch_signature_verified(mockdesk, mockdesk_webhooks):
    sub = mockdesk_webhooks.subscribe("helpcrunch", events=["customer.new"])
    status, made = call(mockdesk, "helpcrunch", "POST", "/customers", {"name": "Hooked", "email": "hooked@example.com"})
    assert status == 201
    d = mockdesk_webhooks.wait_for("customer.new", timeout=10)
    assert d.verified is True, d.headers
    assert d.payload["eventData"]["id"] == made["id"] and d.headers["x-helpcrunch-signature"]
    assert d.subscription == sub["id"] and d.surface == "helpcrunch"
    # The same body under another key does not verify.
    assert _verify("helpcrunch", "not-the-key", d.headers, d.body, d.payload) is False
    assert _verify("helpcrunch", sub["secret"], d.headers, d.body + b" ", d.payload) is False


def test_chative_verify_token_and_unsigned_hipcall(mockdesk, mockdesk_webhooks):
    mockdesk_webhooks.subscribe("chative", secret="my-verify-token")
    mockdesk_webhooks.subscribe("hipcall-v3", events=["call_hangup"])
    mockdesk.simulate("chative", "widget_contact", firstName="Wanda")
    mockdesk.simulate("hipcall-v3", "missed_call")
    c = mockdesk_webhooks.wait_for("contact.created", timeout=10)
    assert c.verified is True and c.payload["data"]["firstName"] == "Wanda"
    h = mockdesk_webhooks.wait_for("call_hangup", timeout=10)
    assert h.verified is None and h.payload["data"]["uuid"]
    assert _verify("chative", "other-token", c.headers, c.body, c.payload) is False


def test_wait_for_names_what_came(mockdesk, mockdesk_webhooks):
    mockdesk_webhooks.subscribe("hiver")
    mockdesk.simulate("hiver", "email_arrives")
    assert mockdesk_webhooks.wait_for("conversation.created", timeout=10).event == "conversation.created"
    try:
        mockdesk_webhooks.wait_for("conversation.created", timeout=0.3)
    except AssertionError as e:
        assert "received: ['conversation.created']" in str(e)
    else:
        raise AssertionError("a delivery was returned twice")
