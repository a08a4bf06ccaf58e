"""Bad input: any value under any GUARDRAILS key is a guardrails.W001 naming it, never a crash.

The parser's own properties are in tests/test_conf.py and the fingerprinter's in
tests/query/test_fingerprint.py; here the arbitrary settings go through what a user runs: every
check (`manage.py check --deploy`) and requests through the middleware.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.conf import KEYS
from django_guardrails.query import state

pytestmark = pytest.mark.django_db

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.binary(max_size=8)
    | st.sampled_from(["off", "log", "warn", "raise", "", "*", "0042_x", "/dev/null", "."])
)
_rule_keys = st.sampled_from(["relation", "sql", "callsite", "url", "x"])  # ALLOWLIST entries
_values = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.tuples(children, children)
        | st.dictionaries(_rule_keys | st.text(max_size=8), children, max_size=3)
        | st.frozensets(st.integers() | st.text(max_size=5), max_size=3)
    ),
    max_leaves=8,
)
# Every known key, plus unknown and miscased ones; or not a dict at all.
_keys = st.sampled_from([*KEYS, "EXTRA", "mode", ""])
_guardrails = st.dictionaries(_keys, _values, max_size=len(KEYS)) | _values

_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(autouse=True)
def _hardening_urls() -> Iterator[None]:
    with override_settings(ROOT_URLCONF="tests.hardening.urls", DEBUG=True):
        yield


@given(_guardrails)
@_SETTINGS
def test_any_setting_is_an_e001_naming_its_key_never_a_crashed_check(raw: object) -> None:
    with override_settings(GUARDRAILS=raw):
        messages = run_guardrail_checks(deploy=True)
    crashed = [m.msg for m in messages if m.id == ids.W002.id]
    assert crashed == []
    for message in messages:
        if message.id == ids.W001.id:
            assert "GUARDRAILS" in message.msg, message.msg


@given(_guardrails, st.sampled_from([0, 1, 4]))
@_SETTINGS
def test_any_setting_leaves_requests_as_they_would_be(raw: object, count: int) -> None:
    client = Client(raise_request_exception=True)
    with override_settings(GUARDRAILS=raw):
        try:
            response = client.get(f"/q/{count}/")
        except Exception as error:  # only the documented raise mode may raise, and only this
            from django_guardrails.exceptions import NPlusOneError

            assert isinstance(error, NPlusOneError), repr(error)
        else:
            assert response.status_code == 200
            assert response.content == str(count).encode()
    assert state.current.get() is None
