from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from django_guardrails import settings_schema as schema
from django_guardrails.conf import (
    KEYS,
    AllowRule,
    GuardrailsSettings,
    config_problems,
    get_config,
    parse,
    redacted,
)


def test_defaults_when_setting_is_missing() -> None:
    config, problems = parse(None)
    assert config == GuardrailsSettings()
    assert problems == []
    assert config.n_plus_one_threshold == 3
    assert config.slow_ms == 500.0
    assert config.query_budget is None


def test_every_key_parsed() -> None:
    config, problems = parse(
        {
            "APPS": ["shop", "billing.invoices"],
            "BASELINE": "guardrails-baseline.json",
            "MODE": "raise",
            "N_PLUS_ONE_THRESHOLD": 5,
            "QUERY_BUDGET": 40,
            "SLOW_MS": 250,
            "ALLOWLIST": ["shop.Book.author", {"callsite": "shop/views.py:*", "url": "/admin/*"}],
            "MIGRATIONS_SINCE": {"shop": "0042_book_slug"},
        }
    )
    assert problems == []
    assert config.apps == ("shop", "billing.invoices")
    assert config.baseline == Path("guardrails-baseline.json")
    assert config.mode == "raise"
    assert config.n_plus_one_threshold == 5
    assert config.query_budget == 40
    assert config.slow_ms == 250.0
    assert config.allowlist == (
        AllowRule(relation="shop.Book.author"),
        AllowRule(callsite="shop/views.py:*", url="/admin/*"),
    )
    assert config.migrations_since == {"shop": "0042_book_slug"}


def test_typo_names_the_key_and_the_key_it_probably_meant() -> None:
    config, problems = parse({"N_PLUS_ONE_THRESOLD": 3})
    assert config == GuardrailsSettings()
    [problem] = problems
    assert problem.key == "N_PLUS_ONE_THRESOLD"
    assert "unknown key 'N_PLUS_ONE_THRESOLD'" in problem.message
    assert problem.hint.startswith("Did you mean 'N_PLUS_ONE_THRESHOLD'?")


def test_wrong_case_key_suggests_the_right_one() -> None:
    [problem] = parse({"mode": "log"})[1]
    assert problem.hint.startswith("Did you mean 'MODE'?")


def test_invalid_mode_lists_the_valid_modes() -> None:
    config, [problem] = parse({"MODE": "loud"})
    assert config.mode is None
    assert problem.key == "MODE"
    assert problem.message == (
        'GUARDRAILS["MODE"] must be one of "off", "log", "warn", "raise" or None; found \'loud\'.'
    )
    assert problem.hint.endswith(
        'Use one of "off", "log", "warn", "raise", or None for log under DEBUG and off otherwise.'
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("strict", "'strict'"),
        (["shop", 3], "['shop', 3]"),
        ("x" * 80, "a str"),  # too long to be worth printing
        ("sk_live_51HxLrPq2eZvKYlo2C0123456789abcd", "a str"),  # a credential's shape
        (["postgres://u:hunter2-pw@db/x"], "a list"),
        (object(), "an object"),
    ],
)
def test_a_value_is_shown_unless_it_could_be_a_secret(value: object, shown: str) -> None:
    assert schema.shown(value) == shown


@pytest.mark.parametrize(
    ("raw", "key", "expected"),
    [
        ({"N_PLUS_ONE_THRESHOLD": 1}, "N_PLUS_ONE_THRESHOLD", "an int >= 2"),
        ({"N_PLUS_ONE_THRESHOLD": True}, "N_PLUS_ONE_THRESHOLD", "an int >= 2"),
        ({"N_PLUS_ONE_THRESHOLD": "3"}, "N_PLUS_ONE_THRESHOLD", "an int >= 2"),
        ({"QUERY_BUDGET": 0}, "QUERY_BUDGET", "an int >= 1"),
        ({"SLOW_MS": -5}, "SLOW_MS", "a number of milliseconds > 0"),
        ({"SLOW_MS": float("nan")}, "SLOW_MS", "a number of milliseconds > 0"),
        ({"APPS": "shop"}, "APPS", "a list of app labels"),
        ({"APPS": ["shop", ""]}, "APPS", "a list of non-empty strings"),
        ({"BASELINE": 3}, "BASELINE", "a file path"),
        ({"MIGRATIONS_SINCE": ["shop"]}, "MIGRATIONS_SINCE", "a dict mapping app labels"),
        ({"ALLOWLIST": "shop.Book.author"}, "ALLOWLIST", "a list of relation strings"),
        ({"ALLOWLIST": ["author"]}, "ALLOWLIST[0]", 'a relation written "app_label.Model.field"'),
        ({"ALLOWLIST": [{"sql": ""}]}, "ALLOWLIST[0].sql", "a non-empty string pattern"),
        ({"ALLOWLIST": [{}]}, "ALLOWLIST[0]", "a relation string or a dict"),
    ],
)
def test_wrong_type_or_range_names_key_and_expectation(
    raw: dict[str, object], key: str, expected: str
) -> None:
    config, problems = parse(raw)
    assert config == GuardrailsSettings()
    [problem] = problems
    assert problem.key == key
    assert expected in problem.message


def test_unknown_allowlist_entry_key_suggests_the_right_one() -> None:
    config, [problem] = parse({"ALLOWLIST": [{"relaton": "a.B.c"}, "shop.Book.author"]})
    assert problem.key == "ALLOWLIST[0].relaton"
    assert problem.message == "GUARDRAILS[\"ALLOWLIST\"][0] has an unknown key 'relaton'."
    assert problem.hint.startswith("Did you mean 'relation'?")
    # The valid entry survives the invalid one.
    assert config.allowlist == (AllowRule(relation="shop.Book.author"),)


def test_not_a_dict() -> None:
    config, [problem] = parse(["MODE", "log"])
    assert config == GuardrailsSettings()
    assert problem.key == "GUARDRAILS"
    assert problem.message == "GUARDRAILS must be a dict; found a list."


def test_values_that_could_be_secrets_are_never_echoed() -> None:
    secret = "sk_live_51HxLrPq2eZvKYlo2C0123456789"
    for raw in ({"MODE": secret}, {"APPS": secret}, {"ALLOWLIST": [secret, {"sql": secret}]}):
        for problem in parse(raw)[1]:
            assert secret not in problem.message + problem.hint
    assert redacted(secret) == "a str"
    assert redacted(3) == "3"


def test_merged_per_key_and_refreshed_when_the_setting_changes() -> None:
    assert get_config().query_budget is None
    with override_settings(GUARDRAILS={"QUERY_BUDGET": 10}):
        assert get_config().query_budget == 10
        assert get_config().n_plus_one_threshold == 3  # the other keys keep their defaults
        assert config_problems() == ()
    with override_settings(GUARDRAILS={"QUERY_BUDGET": "ten"}):
        assert get_config().query_budget is None
        assert [p.key for p in config_problems()] == ["QUERY_BUDGET"]
    assert get_config().query_budget is None


def test_mode_defaults_to_log_under_debug_and_off_otherwise() -> None:
    with override_settings(DEBUG=True):
        assert get_config().effective_mode == "log"
    with override_settings(DEBUG=False):
        assert get_config().effective_mode == "off"
    with override_settings(DEBUG=False, GUARDRAILS={"MODE": "warn"}):
        assert get_config().effective_mode == "warn"


_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.binary(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=10) | st.integers(), children, max_size=3)
    ),
    max_leaves=8,
)


@given(st.dictionaries(st.sampled_from([*KEYS, "EXTRA", "mode"]), _values, max_size=4) | _values)
@settings(max_examples=300, deadline=None)
def test_any_value_gives_problems_never_a_traceback(raw: object) -> None:
    config, problems = parse(raw)
    assert isinstance(config, GuardrailsSettings)
    for problem in problems:
        assert problem.key and problem.message and problem.hint
