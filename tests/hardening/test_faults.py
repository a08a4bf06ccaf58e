"""Faults: the response is what it would be without guardrails, and nothing is left behind.

A view that raises, a database error mid-request, a streaming response, an internal error
injected inside guardrails, sync and async: after each, no unit is active and the next request
is counted from zero.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.test import AsyncClient, Client, override_settings

from django_guardrails import failures
from django_guardrails.query import state
from django_guardrails.query.unit import Unit
from tests.hardening import views

pytestmark = pytest.mark.django_db

WITHOUT_GUARDRAILS = [m for m in settings.MIDDLEWARE if "django_guardrails" not in m]


@pytest.fixture(autouse=True)
def _hardening_urls() -> Iterator[None]:
    with override_settings(
        ROOT_URLCONF="tests.hardening.urls", DEBUG=True, GUARDRAILS={"MODE": "log"}
    ):
        yield


def assert_clean_and_counting(client: Client) -> None:
    assert state.current.get() is None, "a unit outlived its request"
    response = client.get("/q/2/")
    assert response.status_code == 200
    assert response["X-Guardrails-Queries"] == "2"


def responses(path: str) -> tuple[int, int]:
    """The status of ``path`` with guardrails, and without it."""
    guarded = Client(raise_request_exception=False).get(path).status_code
    with override_settings(MIDDLEWARE=WITHOUT_GUARDRAILS):
        bare = Client(raise_request_exception=False).get(path).status_code
    return guarded, bare


def test_a_view_that_raises_keeps_its_exception_and_its_response() -> None:
    with pytest.raises(views.Boom, match="the view's own failure"):
        Client().get("/raises/")
    assert responses("/raises/") == (500, 500)
    assert_clean_and_counting(Client())


# A database error aborts the transaction a plain django_db test runs in (on PostgreSQL):
# these run in autocommit, as requests do.
@pytest.mark.django_db(transaction=True)
def test_a_database_error_mid_request() -> None:
    from django.db import DatabaseError

    with pytest.raises(DatabaseError):
        Client().get("/database-error/")
    assert responses("/database-error/") == (500, 500)
    assert_clean_and_counting(Client())


def test_a_streaming_response_streams_whole() -> None:
    client = Client()
    response = client.get("/streaming/")
    assert response.status_code == 200
    assert response["X-Guardrails-Queries"] == "3"  # the queries before the view returned
    assert b"".join(response.streaming_content) == b"".join(  # type: ignore[attr-defined]
        f"chunk {n}\n".encode() for n in range(5)
    )
    assert_clean_and_counting(client)


@pytest.mark.parametrize(
    "target",
    [
        "django_guardrails.query.unit.Unit.record",
        "django_guardrails.query.capture.find",
        "django_guardrails.query.capture.fingerprint",
        "django_guardrails.query.api.detect",
        "django_guardrails.middleware._add_headers",
        "django_guardrails.query.api.Guard.__init__",
    ],
)
def test_an_internal_error_inside_guardrails_never_reaches_the_response(
    target: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("guardrails' own bug")

    failures.forget()
    monkeypatch.setattr(target, broken)
    client = Client()
    for _ in range(2):
        response = client.get("/q/4/")
        assert (response.status_code, response.content) == (200, b"4")
    assert state.current.get() is None
    errors = [r for r in caplog.records if "internal error" in r.getMessage()]
    assert len(errors) == 1, "logged once per place, not per request"
    monkeypatch.undo()
    assert_clean_and_counting(client)


def test_raise_mode_raises_at_the_culprit_and_cleans_up() -> None:
    from django_guardrails.exceptions import NPlusOneError

    with override_settings(GUARDRAILS={"MODE": "raise"}), pytest.raises(NPlusOneError):
        Client().get("/q/5/")
    assert_clean_and_counting(Client())


# A database error aborts the transaction a plain django_db test runs in (on PostgreSQL):
# these run in autocommit, as requests do.
@pytest.mark.django_db(transaction=True)
def test_async_faults_leave_nothing_behind() -> None:
    client = AsyncClient(raise_request_exception=False)
    get = async_to_sync(client.get)
    assert get("/aq/3/")["X-Guardrails-Queries"] == "3"
    assert get("/raises/").status_code == 500
    assert get("/database-error/").status_code == 500
    response = get("/aq/2/")
    assert (response.status_code, response["X-Guardrails-Queries"]) == (200, "2")
    assert state.current.get() is None


def test_units_hold_no_reference_cycles() -> None:
    """A unit is freed when its request ends, without waiting for the garbage collector."""
    import gc

    from django_guardrails.query.api import guard

    def units() -> set[int]:
        # type(), not isinstance(): a lazy object answers isinstance() by setting itself up.
        return {id(o) for o in gc.get_objects() if issubclass(type(o), Unit)}

    gc.collect()
    gc.disable()
    try:
        before = units()
        with guard("cycles", mode="off") as unit:
            views.run_queries(4)
        assert units() - before == {id(unit)}
        del unit
        assert units() - before == set()
    finally:
        gc.enable()
