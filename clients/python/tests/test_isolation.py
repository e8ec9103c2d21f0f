"""Per-test isolation: the second test sees nothing the first one did (run in file order)."""

from helpers import call


def test_1_leaves_a_mess(mockdesk):
    status, made = call(mockdesk, "helpcrunch", "POST", "/customers", {"name": "Leftover Ltd"})
    assert status == 201
    mockdesk.fault(match={"surface": "helpcrunch", "method": "GET"}, effect={"type": "status", "status": 503})
    mockdesk.stub(match={"surface": "hiver", "path": "/inboxes"}, response={"json": {"stubbed": True}})
    mockdesk.set_rate_limit("hipcall-v3", "custom", windows=[{"limit": 1, "seconds": 60}])
    mockdesk.freeze(0)
    mockdesk.subscribe_webhook("chative", "http://127.0.0.1:9/nowhere")
    assert mockdesk.count() >= 1


def test_2_sees_none_of_it(mockdesk):
    assert mockdesk.count() == 0, "the journal starts empty"
    status, page = call(mockdesk, "helpcrunch", "GET", "/customers?limit=100")
    assert status == 200, "the fault is gone"
    assert all(c["name"] != "Leftover Ltd" for c in page["data"]), "the write is gone"
    assert call(mockdesk, "hiver", "GET", "/inboxes")[1] != {"stubbed": True}, "the stub is gone"
    assert mockdesk.faults() == [] and mockdesk.stubs() == []
    assert mockdesk.webhooks()["subscriptions"] == []
    assert not mockdesk.clock()["frozen"] and mockdesk.clock()["now_ms"] > 1_700_000_000_000
    assert all(r["override"] is None for r in mockdesk.rate_limits()["surfaces"])
