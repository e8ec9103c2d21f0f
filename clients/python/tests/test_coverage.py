"""The kit covers the admin API: every operation of the served OpenAPI document has a method
here (and the table agrees with the document on method and path), checked both ways."""

import inspect

import mockdesk.client as client
from mockdesk import OPERATIONS


def test_every_admin_operation_has_a_method(mockdesk):
    doc = mockdesk.openapi()
    served = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if "x-mockdesk-kit" in op:
                continue
            served[op["operationId"]] = (method.upper(), path)
    assert served == OPERATIONS
    source = inspect.getsource(client.Mockdesk)
    unused = [op for op in OPERATIONS if f'_call("{op}"' not in source]
    assert not unused, f"operations no method calls: {unused}"
