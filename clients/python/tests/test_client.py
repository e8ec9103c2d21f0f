"""Every verb of the client against the real binary, checked by its effect on the server."""

import datetime as dt

import pytest

from helpers import call
from mockdesk import MockdeskError, start


def test_base_url_token_and_surfaces(mockdesk):
    ids = {s["id"] for s in mockdesk.surfaces()}
    assert {"helpcrunch", "hipcall-v3", "hiver", "chative"} <= ids
    assert mockdesk.base_url("helpcrunch") == mockdesk.url + "/helpcrunch/v1"
    assert mockdesk.token("helpcrunch") == "helpcrunch-test-token"
    assert mockdesk.token("hipcall-v3") == mockdesk.token("hipcall")
    status, _ = call(mockdesk, "hipcall-v3", "GET", "/users")
    assert status == 200
    with pytest.raises(MockdeskError) as e:
        mockdesk.base_url("nope")
    assert e.value.status == 404 and "helpcrunch" in e.value.message


def test_health_and_openapi(mockdesk):
    assert mockdesk.health()["status"] == "ok"
    assert mockdesk.openapi()["info"]["title"] == "mockdesk admin API"
    assert "/customers" in mockdesk.openapi("helpcrunch")["paths"]


def test_state_put_state_and_reset(mockdesk):
    doc = {"accounts": {"acme": {"customers": [{"id": 1, "name": "Ada"}, {"id": 7, "email": "x@example.com"}]}}}
    mockdesk.put_state("helpcrunch", doc)
    acme = mockdesk.state("helpcrunch", account="acme")
    assert [c["id"] for c in acme["customers"]] == [1, 7]
    mockdesk.add_account("helpcrunch", "acme-key", account="acme")
    assert mockdesk.token("helpcrunch") == "acme-key"
    status, page = call(mockdesk, "helpcrunch", "GET", "/customers")
    assert status == 200 and page["total"] == 2
    # state() follows the token given for the vendor.
    assert [c["id"] for c in mockdesk.state("helpcrunch")["customers"]] == [1, 7]
    mockdesk.reset(vendor="helpcrunch", account="acme")
    assert len(mockdesk.state("helpcrunch", account="acme")["customers"]) > 2
    with pytest.raises(MockdeskError) as e:
        mockdesk.put_state("helpcrunch", {"accounts": {"acme": {"customers": [{"id": 1, "colour": "red"}]}}})
    assert e.value.status == 400 and e.value.code == "invalid_state"
    assert any(a["token"] == "acme-key" for a in mockdesk.accounts())
    assert "acme" in mockdesk.state_document("helpcrunch")["accounts"]


def test_isolation_forgets_tokens_a_test_added(mockdesk):
    """Runs after the test above, which gave HelpCrunch the key of `acme`: this test's client
    is back to the built-in token (the server still accepts the added one)."""
    assert mockdesk.token("helpcrunch") == "helpcrunch-test-token"
    assert call(mockdesk, "helpcrunch", "GET", "/customers", token="acme-key")[0] == 200


def test_journal_filters_and_count(mockdesk):
    call(mockdesk, "helpcrunch", "GET", "/customers")
    call(mockdesk, "helpcrunch", "POST", "/customers", {"name": "Counted"})
    call(mockdesk, "hiver", "GET", "/inboxes")
    assert mockdesk.count() == 3
    assert mockdesk.count(surface="helpcrunch") == 2
    assert mockdesk.count(surface="helpcrunch", method="POST", path="/customers", status=201) == 1
    (entry,) = mockdesk.requests(surface="hiver")
    assert entry["vendor_path"] == "/inboxes" and entry["status"] == 200
    mockdesk.clear_requests()
    assert mockdesk.requests() == []


def test_faults_one_shot_and_management(mockdesk):
    rule = mockdesk.fault(match={"surface": "helpcrunch", "method": "GET"},
                          effect={"type": "status", "status": 503}, times=1)
    assert mockdesk.get_fault(rule["id"])["effect"]["status"] == 503
    assert call(mockdesk, "helpcrunch", "GET", "/customers")[0] == 503
    assert call(mockdesk, "helpcrunch", "GET", "/customers")[0] == 200
    keep = mockdesk.fault(match={"surface": "hiver"}, effect={"type": "rate_limited", "retry_after": 5})
    assert [f["id"] for f in mockdesk.faults()] == [keep["id"]]
    mockdesk.delete_fault(keep["id"])
    assert mockdesk.faults() == []
    mockdesk.fault(effect={"type": "status", "status": 500})
    mockdesk.clear_faults()
    assert mockdesk.faults() == []
    with pytest.raises(MockdeskError) as e:
        mockdesk.fault(effect={"type": "explode"})
    assert e.value.status == 400 and "explode" in e.value.message


def test_stubs(mockdesk):
    s = mockdesk.stub(match={"surface": "helpcrunch", "method": "GET", "path": "/customers/{id}"},
                      response={"status": 200, "json": {"id": 7, "name": None}}, times=1)
    assert mockdesk.get_stub(s["id"])["times"] == 1
    assert call(mockdesk, "helpcrunch", "GET", "/customers/7") == (200, {"id": 7, "name": None})
    assert mockdesk.stubs() == []
    s = mockdesk.stub(response={"body": "hi"}, match={"surface": "hiver"})
    mockdesk.delete_stub(s["id"])
    mockdesk.stub(response={"body": "hi"})
    mockdesk.clear_stubs()
    assert mockdesk.stubs() == []
    (entry,) = mockdesk.requests()
    assert entry["stub"] is not None


def test_rate_limits(mockdesk):
    mockdesk.set_rate_limit("helpcrunch", "custom", windows=[{"limit": 2, "seconds": 60}])
    codes = [call(mockdesk, "helpcrunch", "GET", "/customers")[0] for _ in range(3)]
    assert codes == [200, 200, 429]
    (hc,) = [r for r in mockdesk.rate_limits()["surfaces"] if r["surface"] == "helpcrunch"]
    assert hc["left"]["remaining"] == 0
    mockdesk.set_rate_limit("helpcrunch", "default")
    assert call(mockdesk, "helpcrunch", "GET", "/customers")[0] == 200


def test_clock(mockdesk):
    at = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert mockdesk.freeze(at) == {"now_ms": int(at.timestamp() * 1000), "frozen": True}
    mockdesk.advance(90)
    assert mockdesk.now() == at + dt.timedelta(seconds=90)
    status, made = call(mockdesk, "helpcrunch", "POST", "/customers", {"name": "Timed"})
    assert status == 201 and made["firstSeen"] == str(int(at.timestamp()) + 90)
    mockdesk.unfreeze()
    assert not mockdesk.clock()["frozen"]


def test_simulate_and_webhook_admin(mockdesk):
    sub = mockdesk.subscribe_webhook("hipcall-v3", "http://127.0.0.1:9/closed", events=["call_hangup"])
    assert sub["events"] == ["call_hangup"] and sub["active"]
    result = mockdesk.simulate("hipcall-v3", "inbound_call", duration=30)
    assert result["events"] == ["call_init", "call_bridged", "call_hangup"]
    assert mockdesk.webhooks()["subscriptions"][0]["id"] == sub["id"]
    deliveries = []
    for _ in range(200):
        deliveries = mockdesk.deliveries(subscription=sub["id"])
        if deliveries:
            break
        import time
        time.sleep(0.02)
    assert deliveries[0]["event"] == "call_hangup" and deliveries[0]["error"]
    assert deliveries[0]["request_body"].count(result["call"]) >= 1
    assert mockdesk.redeliver(deliveries[0]["id"]) == {"queued": True}
    mockdesk.unsubscribe_webhook(sub["id"])
    assert mockdesk.webhooks()["subscriptions"] == []


def test_ca_pem_and_start_options(mockdesk, tmp_path):
    with pytest.raises(MockdeskError) as e:
        mockdesk.ca_pem()
    assert e.value.status == 404
    args = ["--rate-limits", "off", "--tls-listen", "127.0.0.1:0", "--tls-dir", str(tmp_path)]
    with start(args=args, tokens={"hipcall": "my-hipcall-key"}) as other:
        assert other.ca_pem() == (tmp_path / "ca.pem").read_text()
        assert other.token("hipcall-v3") == "my-hipcall-key"
        assert call(other, "hipcall-v3", "POST", "/tasks", {"data": {"name": "mine"}})[0] == 201
        # state() reads the account of the token given for the vendor, not `default`.
        assert any(t["name"] == "mine" for t in other.state("hipcall")["tasks"])
        assert not any(t["name"] == "mine" for t in other.state("hipcall", account="default")["tasks"])
    assert other.process.poll() is not None


def test_start_failures_are_explained(monkeypatch):
    with pytest.raises(MockdeskError) as e:
        start(args=["--no-such-flag"])
    assert e.value.code == "did_not_start" and "no-such-flag" in e.value.message
    monkeypatch.delenv("MOCKDESK_BIN", raising=False)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(FileNotFoundError, match="MOCKDESK_BIN"):
        start()
