"""SAMPLE_RATE, SAMPLE_PATHS and SAMPLE_HEADER: which requests the middleware watches. A request
it skips opens no unit of work (the view's queries run with none current, no header is added,
nothing is logged) and costs one draw of the random source, replaced here through its seam."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from asgiref.sync import async_to_sync
from django.core.management import call_command
from django.test import AsyncClient, Client, override_settings

from django_guardrails import middleware
from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.conf import get_config
from django_guardrails.settings_schema import Sampling, parse

pytestmark = pytest.mark.django_db

URLS = "tests.query.sampling_urls"


@pytest.fixture(autouse=True)
def _urls() -> Iterator[None]:
    call_command("seed_demo", verbosity=0)
    with override_settings(ROOT_URLCONF=URLS, DEBUG=True):
        yield


class Draws:
    """The random source: returns ``values`` in turn and counts the draws."""

    def __init__(self, *values: float) -> None:
        self.values = list(values)
        self.count = 0

    def __call__(self) -> float:
        self.count += 1
        return self.values[(self.count - 1) % len(self.values)]


@pytest.fixture
def draws(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Draws]:
    def install(*values: float) -> Draws:
        source = Draws(*values)
        monkeypatch.setattr(middleware, "_draw", source)
        return source

    return install


def watched(client: Client, path: str = "/watched/", **headers: str) -> bool:
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    seen: bool = response.json()["watched"]
    # The headers say the same as the view: a unit adds them, no unit none.
    assert ("X-Guardrails-Queries" in response) is seen
    return seen


def test_rate_0_never_opens_a_unit(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    """With the real random source: 200 requests, not one watched, nothing logged."""
    with (
        override_settings(GUARDRAILS={"MODE": "log", "SAMPLE_RATE": 0}),
        caplog.at_level(logging.WARNING, logger="django_guardrails"),
    ):
        assert not any(watched(client) for _ in range(100))
        for _ in range(100):
            response = client.get("/broken/invoices/")
            assert response.status_code == 200
            assert "X-Guardrails-Queries" not in response
    assert caplog.records == []


def test_rate_1_watches_every_request(client: Client) -> None:
    with override_settings(GUARDRAILS={"MODE": "log", "SAMPLE_RATE": 1.0}):
        assert get_config().sampling is None  # the default: no draw at all
        assert all(watched(client) for _ in range(50))


def test_a_draw_below_the_rate_is_watched_and_one_at_it_or_above_is_not(
    client: Client, draws: Callable[..., Draws]
) -> None:
    source = draws(0.24, 0.25, 0.9, 0.0)
    with override_settings(GUARDRAILS={"MODE": "log", "SAMPLE_RATE": 0.25}):
        assert [watched(client) for _ in range(4)] == [True, False, False, True]
    assert source.count == 4  # one draw per request, never one per query


def test_a_watched_request_reports_as_without_sampling(
    client: Client, draws: Callable[..., Draws], caplog: pytest.LogCaptureFixture
) -> None:
    draws(0.001)
    with (
        override_settings(GUARDRAILS={"MODE": "log", "SAMPLE_RATE": 0.01}),
        caplog.at_level(logging.WARNING, logger="django_guardrails"),
    ):
        response = client.get("/broken/invoices/")
    assert response["X-Guardrails-N-Plus-One"] == "2"
    assert len([r for r in caplog.records if "N+1 query" in r.getMessage()]) == 2


def test_the_longest_path_prefix_sets_the_rate(client: Client, draws: Callable[..., Draws]) -> None:
    draws(0.5)
    rules = {"/api/": 0.6, "/api/internal/": 0.4}
    with override_settings(GUARDRAILS={"MODE": "log", "SAMPLE_RATE": 0.0, "SAMPLE_PATHS": rules}):
        assert watched(client, "/api/watched/")  # 0.5 < 0.6
        assert not watched(client, "/api/internal/watched/")  # the longer prefix: 0.4
        assert not watched(client, "/watched/")  # no prefix: SAMPLE_RATE, 0


def test_the_header_forces_a_request_in_or_out_when_configured(
    client: Client, draws: Callable[..., Draws]
) -> None:
    source = draws(0.5)
    header = "X-Guardrails-Sample"
    forced = {"MODE": "log", "SAMPLE_HEADER": header}
    with override_settings(GUARDRAILS={**forced, "SAMPLE_RATE": 0.0}):
        assert watched(client, **{header: "1"})
        assert source.count == 0  # forced: no draw
        assert not watched(client)
        assert not watched(client, **{header: "yes"})  # only "1" and "0" force
    with override_settings(
        GUARDRAILS={"MODE": "log", "SAMPLE_RATE": 0.99, "SAMPLE_HEADER": header}
    ):
        assert not watched(client, **{header: "0"})
        assert watched(client)


def test_the_header_is_ignored_unless_configured(
    client: Client, draws: Callable[..., Draws]
) -> None:
    draws(0.5)
    with override_settings(GUARDRAILS={"MODE": "log", "SAMPLE_RATE": 0.0}):
        assert not watched(client, **{"X-Guardrails-Sample": "1"})


def test_mode_off_draws_nothing(client: Client, draws: Callable[..., Draws]) -> None:
    source = draws(0.0)
    with override_settings(GUARDRAILS={"MODE": "off", "SAMPLE_RATE": 0.5}):
        assert not watched(client)
    assert source.count == 0


def test_async_requests_are_sampled_alike(draws: Callable[..., Draws]) -> None:
    draws(0.3, 0.7)
    client = AsyncClient()
    with override_settings(GUARDRAILS={"MODE": "log", "SAMPLE_RATE": 0.5}):
        first = async_to_sync(client.get)("/watched/")
        second = async_to_sync(client.get)("/watched/")
    assert (first.json()["watched"], second.json()["watched"]) == (True, False)
    assert "X-Guardrails-Queries" in first and "X-Guardrails-Queries" not in second


def test_the_settings_build_one_sampling_rule_with_the_longest_prefix_first() -> None:
    config, problems = parse(
        {
            "SAMPLE_RATE": 0.01,
            "SAMPLE_PATHS": {"/api/": 0.1, "/api/admin/": 1},
            "SAMPLE_HEADER": "X-Guardrails-Sample",
        }
    )
    assert problems == []
    assert config.sampling == Sampling(
        0.01, (("/api/admin/", 1.0), ("/api/", 0.1)), "HTTP_X_GUARDRAILS_SAMPLE", False
    )
    assert parse({"SAMPLE_RATE": 0.5})[0].sampling == Sampling(0.5, (), None, True)
    assert parse({})[0].sampling is None


@pytest.mark.parametrize(
    ("key", "value", "expected", "hint"),
    [
        ("SAMPLE_RATE", 5, "a number from 0.0 to 1.0; found 5", "5 % is 0.05"),
        ("SAMPLE_RATE", True, "a number from 0.0 to 1.0; found True", "e.g. 0.01"),
        ("SAMPLE_RATE", float("nan"), "a number from 0.0 to 1.0", "e.g. 0.01"),
        ("SAMPLE_PATHS", {"api/": 0.1}, "a dict mapping path prefixes", '"/api/"'),
        ("SAMPLE_PATHS", {"/api/": 2}, "a dict mapping path prefixes", "0.0 to 1.0"),
        ("SAMPLE_HEADER", "HTTP_X_SAMPLE", "an HTTP header name", '"X-Sample"'),
        ("SAMPLE_HEADER", "X Sample", "an HTTP header name", "X-Guardrails-Sample"),
        ("LOG_INTERVAL", -1, "a number of seconds >= 0", "0 logs every finding"),
    ],
)
def test_a_bad_sampling_value_is_a_w001_naming_it_and_the_default_applies(
    client: Client, key: str, value: object, expected: str, hint: str
) -> None:
    with override_settings(GUARDRAILS={"MODE": "log", key: value}):
        messages = [m for m in run_guardrail_checks() if m.id == ids.W001.id]
        assert len(messages) == 1
        assert f'GUARDRAILS["{key}"] must be {expected}' in messages[0].msg
        assert hint in (messages[0].hint or "")
        assert get_config().sampling is None  # the default: every request
        assert watched(client)
