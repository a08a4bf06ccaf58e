from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core import checks
from django.test import override_settings

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage
from django_guardrails.source.settings_modules import find_setting


def messages_with(check_id: ids.CheckId) -> list[GuardrailsMessage]:
    return [m for m in run_guardrail_checks() if m.id == check_id.id]


def where(name: str) -> tuple[str, int | None]:
    location = find_setting(name)
    assert location is not None
    return location


def test_w120_fires_while_auth_user_is_the_user_model() -> None:
    [message] = messages_with(ids.W120)
    assert message.obj == "settings.AUTH_USER_MODEL"
    assert "SILENCED_SYSTEM_CHECKS" in str(message.hint)
    assert "costly" in str(message.hint)
    # Left at its default, the setting has no line: the finding names the settings module in
    # play (the test settings), never a line that has nothing to do with it.
    assert message.file is not None and Path(message.file).name == "test.py"
    assert message.line is None
    assert str(message).startswith("settings.AUTH_USER_MODEL (")


def test_settings_are_followed_through_star_imports() -> None:
    test_file, secret_line = where("SECRET_KEY")
    assert Path(test_file).name == "test.py"
    assert secret_line is not None
    base_file, apps_line = where("INSTALLED_APPS")
    assert Path(base_file).name == "base.py"
    assert apps_line is not None
    assert Path(base_file).read_text().splitlines()[apps_line - 1].startswith("INSTALLED_APPS")


def test_w120_silent_with_a_custom_user_model() -> None:
    with override_settings(AUTH_USER_MODEL="clean.Author"):
        assert messages_with(ids.W120) == []


def test_w001_reports_a_typo_through_the_check_framework() -> None:
    with override_settings(GUARDRAILS={"N_PLUS_ONE_THRESOLD": 3}):
        [message] = messages_with(ids.W001)
    # A warning: guardrails' own setting never stops runserver or migrate.
    assert message.level == checks.WARNING
    assert not message.is_serious()
    assert "N_PLUS_ONE_THRESOLD" in message.msg
    assert str(message.hint).startswith("Did you mean 'N_PLUS_ONE_THRESHOLD'?")
    assert message.obj == "GUARDRAILS"


def test_w001_names_the_value_found_and_the_valid_modes() -> None:
    with override_settings(GUARDRAILS={"MODE": "strict"}):
        [message] = messages_with(ids.W001)
    assert '"off", "log", "warn", "raise"' in message.msg
    assert "found 'strict'" in message.msg
    assert '"off", "log", "warn", "raise"' in str(message.hint)


def test_w001_never_shows_a_value_that_looks_like_a_credential() -> None:
    key = "sk_live_51HxLrPq2eZvKYlo2C0123456789abcd"
    with override_settings(GUARDRAILS={"MODE": key, "ALLOWLIST": [{"sql": 42}]}):
        messages = messages_with(ids.W001)
    assert [m.msg for m in messages if '["MODE"]' in m.msg] == [
        'GUARDRAILS["MODE"] must be one of "off", "log", "warn", "raise" or None; found a str.'
    ]
    assert any("found 42" in m.msg for m in messages)
    assert key not in " ".join(f"{m.msg} {m.hint}" for m in messages)


def test_a_broken_setting_lets_runserver_and_migrate_start() -> None:
    from django.core.management import call_command

    with override_settings(GUARDRAILS={"MODE": "loud", "BASELINE": 7, "TYPO": 1}):
        assert messages_with(ids.W001)
        call_command("check", stdout=StringIO(), stderr=StringIO())  # no SystemCheckError


def test_w001_unknown_app_in_apps() -> None:
    with override_settings(GUARDRAILS={"APPS": ["clean", "shopp"]}):
        [message] = messages_with(ids.W001)
    assert "'shopp'" in message.msg


def test_w001_silent_on_a_valid_setting() -> None:
    with override_settings(GUARDRAILS={"MODE": "warn", "QUERY_BUDGET": 30}):
        assert messages_with(ids.W001) == []


def test_e101_fires_on_a_string_debug_and_never_prints_it() -> None:
    with override_settings(DEBUG="False"):
        [message] = messages_with(ids.E101)
    assert message.msg.startswith("DEBUG is a str, not a bool")
    assert "env.bool" in str(message.hint)
    assert message.file is not None and message.line is not None


def test_e101_silent_on_a_bool() -> None:
    for value in (True, False):
        with override_settings(DEBUG=value, ALLOWED_HOSTS=["localhost"]):
            assert messages_with(ids.E101) == []


def test_w102_fires_when_debug_serves_other_hosts() -> None:
    with override_settings(DEBUG=True, ALLOWED_HOSTS=["localhost", "*", "shop.example.com"]):
        [message] = messages_with(ids.W102)
    assert "'*', 'shop.example.com'" in message.msg
    assert f'"{ids.W102.id}" to SILENCED_SYSTEM_CHECKS in that module' in str(message.hint)
    assert message.line is not None


def test_w102_silent_for_local_hosts_or_without_debug() -> None:
    local = ["localhost", "127.0.0.1", "[::1]", "app.localhost", ".localhost"]
    with override_settings(DEBUG=True, ALLOWED_HOSTS=local):
        assert messages_with(ids.W102) == []
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["shop.example.com"]):
        assert messages_with(ids.W102) == []
