"""mockdesk from a Python test with testcontainers (pip install testcontainers requests pytest).

Build the image first: `docker build -t mockdesk .` in mockdesk's checkout.
"""

import requests
from testcontainers.core.container import DockerContainer
from testcontainers.core.waiting_utils import wait_for_logs


def test_customers_round_trip():
    with DockerContainer("mockdesk").with_env("MOCKDESK_RATE_LIMITS", "off").with_exposed_ports(4010) as desk:
        # JSON log lines by default in the image; the listening line is on stdout.
        wait_for_logs(desk, "mockdesk listening", timeout=30)
        base = f"http://{desk.get_container_host_ip()}:{desk.get_exposed_port(4010)}"
        api = f"{base}/helpcrunch/v1"
        auth = {"Authorization": "Bearer helpcrunch-test-token"}

        made = requests.post(f"{api}/customers", json={"name": "Ada", "email": "ada@example.com"}, headers=auth)
        assert made.status_code == 201
        got = requests.get(f"{api}/customers/{made.json()['id']}", headers=auth)
        assert got.json()["email"] == "ada@example.com"

        # What the emulator received, for assertions on the calls themselves.
        seen = requests.get(f"{base}/__admin/requests").json()
        assert any(e["method"] == "POST" for e in seen["requests"])
