"""expect(): met expectations pass; unmet ones fail the test at teardown with near misses."""

import pytest

from helpers import call


def test_met_expectation_passes(mockdesk):
    mockdesk.expect(2, surface="helpcrunch", method="GET", path="/customers")
    call(mockdesk, "helpcrunch", "GET", "/customers")
    call(mockdesk, "helpcrunch", "GET", "/customers")


def test_verify_lists_near_misses(mockdesk):
    mockdesk.expect(1, surface="helpcrunch", method="POST", path="/customers")
    call(mockdesk, "helpcrunch", "POST", "/chats", {"customer": 1})
    with pytest.raises(AssertionError) as e:
        mockdesk.verify()
    text = str(e.value)
    assert "expected 1 request(s)" in text and "got 0" in text
    assert "near miss: POST /chats" in text
    mockdesk.verify()  # checked expectations are forgotten


def test_unmet_expectation_fails_at_teardown(pytester):
    pytester.makeini("[pytest]\nmockdesk_args = --rate-limits off\n")
    pytester.makepyfile("""
        def test_declares_a_call_never_made(mockdesk):
            mockdesk.expect(1, surface="hiver", method="GET", path="/inboxes")
    """)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*mockdesk expectations not met*", "*expected 1 request(s)*got 0*"])
