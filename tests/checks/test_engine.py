from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.test import override_settings

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope, guarded, run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage

MakeApp = Callable[[str], Path]


def ids_of(messages: list[GuardrailsMessage]) -> list[str]:
    return [str(m.id) for m in messages]


def test_a_crashing_check_is_one_W002_and_the_other_checks_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def explode(model: object) -> bool:
        raise ValueError("sk_live_51HxLrPq2eZvKYlo2C0123456789 leaked into an error")

    monkeypatch.setattr("django_guardrails.checks.models.checks.defines_str", explode)
    messages = run_guardrail_checks()
    [crash] = [m for m in messages if m.id == ids.W002.id]
    assert "django_guardrails.checks.models.checks.check_model_str" in crash.msg
    assert "ValueError" in crash.msg
    assert crash.obj == "django_guardrails.checks.models.checks.check_model_str"
    assert "sk_live" not in str(crash)  # the exception text could carry a secret
    assert ids.W120.id in ids_of(messages)


@pytest.mark.django_db
def test_a_crashing_check_never_stops_migrate_or_runserver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Django stops a command at an error of its checks: a bug of guardrails' is a warning, so
    a project that installs guardrails still migrates and serves."""
    from io import StringIO

    def explode(model: object) -> bool:
        raise ValueError("a bug")

    monkeypatch.setattr("django_guardrails.checks.models.checks.defines_str", explode)
    out = StringIO()
    call_command("check", stdout=out, stderr=out)  # raises SystemCheckError at an error
    assert ids.W002.id in out.getvalue()
    call_command("migrate", "--check", stdout=StringIO(), stderr=StringIO(), verbosity=0)


def test_guarded_contains_any_exception() -> None:
    def broken_check(scope: CheckScope) -> list[checks.CheckMessage]:
        return [1 / 0]  # type: ignore[list-item]

    [message] = guarded(broken_check)()
    assert isinstance(message, GuardrailsMessage)
    assert message.id == ids.W002.id
    assert "ZeroDivisionError" in message.msg


def test_inline_ignore_on_the_line_and_above_and_unknown_ids(make_app: MakeApp) -> None:
    models_py = make_app(
        """\
        from django.db import models


        class Plain(models.Model):
            pass


        class SameLine(models.Model):  # guardrails: ignore[W201] -- a legacy table
            pass


        # guardrails: ignore[guardrails.W201, W120]
        class LineAbove(models.Model):
            pass


        # guardrails: ignore[W999]
        class UnknownId(models.Model):
            pass


        class Blanket(models.Model):  # guardrails: ignore
            pass


        # guardrails: ignore[W003, W998]
        class SelfSilenced(models.Model):
            pass
        """
    )
    messages = run_guardrail_checks()
    flagged = {m.obj.__name__ for m in messages if m.id == ids.W201.id and m.file == str(models_py)}
    assert flagged == {"Plain", "UnknownId", "Blanket", "SelfSilenced"}
    w003 = [m for m in messages if m.id == ids.W003.id and m.file == str(models_py)]
    # No ignore comment hides a W003, not even one that names W003.
    assert [(m.line, "W999" in m.msg) for m in w003] == [(17, True), (22, False), (26, False)]
    assert "names no check ID" in w003[1].msg


def test_near_miss_ignore_comments_are_w003_and_silence_nothing(make_app: MakeApp) -> None:
    models_py = make_app(
        """\
        from django.db import models


        class Singular(models.Model):  # guardrail: ignore[W201] -- singular
            pass


        class NoColon(models.Model):  # guardrails ignore[W201]
            pass


        # guardrails-ignore: W201
        class Dashed(models.Model):
            pass


        class Noqa(models.Model):  # noqa: guardrails.W201
            pass


        class Prose(models.Model):  # the guardrails skip nothing here; neither do we
            pass
        """
    )
    messages = run_guardrail_checks()
    flagged = {m.obj.__name__ for m in messages if m.id == ids.W201.id and m.file == str(models_py)}
    assert flagged == {"Singular", "NoColon", "Dashed", "Noqa", "Prose"}
    w003 = [m for m in messages if m.id == ids.W003.id and m.file == str(models_py)]
    assert [m.line for m in w003] == [4, 8, 12, 17]
    assert all("ignores nothing" in m.msg for m in w003)
    assert all("`# guardrails: ignore[W201] -- reason`" in str(m.hint) for m in w003)


def test_a_noqa_naming_a_finding_says_how_to_silence_it(make_app: MakeApp) -> None:
    models_py = make_app(
        """\
        from django.db import models


        class Ledger(models.Model):  # noqa: W201
            pass


        class Entry(models.Model):  # noqa: E501
            pass
        """
    )
    found = {
        m.obj.__name__: str(m.hint)
        for m in run_guardrail_checks()
        if m.id == ids.W201.id and m.file == str(models_py)
    }
    assert found["Ledger"].endswith(
        "(`# noqa` does not silence guardrails: write `# guardrails: ignore[W201] -- reason`.)"
    )
    assert "noqa" not in found["Entry"]
    # A noqa is flake8's: it is never a W003, since W503 or E101 may be pycodestyle's own.
    assert not [
        m for m in run_guardrail_checks() if m.id == ids.W003.id and m.file == str(models_py)
    ]


def test_silenced_system_checks(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("check")
    assert "guardrails.W201" in capsys.readouterr().err
    with override_settings(SILENCED_SYSTEM_CHECKS=["guardrails.W201"]):
        call_command("check")
    output = capsys.readouterr().err
    assert "guardrails.W201" not in output
    assert "guardrails.W120" in output


def test_check_app_label_judges_only_that_app(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("check", "broken")
    output = capsys.readouterr().err
    assert "broken.Invoice" in output
    assert "guardrails.W120" not in output  # a project-wide setting, not the app's
    call_command("check", "clean")
    assert "guardrails." not in capsys.readouterr().err


def test_findings_point_at_file_and_line() -> None:
    import broken.models
    from broken.models import Invoice

    [finding] = [m for m in run_guardrail_checks() if m.obj is Invoice]
    assert finding.file == broken.models.__file__
    assert finding.line is not None
    source_lines = Path(finding.file).read_text().splitlines()
    assert source_lines[finding.line - 1].startswith("class Invoice(")
    assert f"broken/models.py:{finding.line}" in str(finding)


def test_each_file_is_parsed_once_per_run() -> None:
    from django_guardrails.source.index import SOURCE

    run_guardrail_checks()
    parses = SOURCE.parses
    assert parses > 0
    run_guardrail_checks()
    assert SOURCE.parses == parses


def test_deploy_only_and_database_checks_run_only_when_asked() -> None:
    from django.core.checks import Tags
    from django.core.checks.registry import registry

    from django_guardrails.checks.framework.engine import _registered, register

    seen: list[tuple[str, ...]] = []

    def deploy_only(scope: CheckScope) -> list[GuardrailsMessage]:
        return [ids.W120.message("deploy-only", hint="h", obj="x")]

    def needs_database(scope: CheckScope) -> list[GuardrailsMessage]:
        seen.append(scope.databases)
        return [ids.W120.message("database", hint="h", obj="x")]

    register(deploy_only, deploy=True)
    register(needs_database, Tags.database)
    try:
        assert "deploy-only" not in {m.msg for m in run_guardrail_checks()}
        assert "deploy-only" in {m.msg for m in run_guardrail_checks(deploy=True)}
        assert "database" not in {m.msg for m in run_guardrail_checks()}
        assert "database" in {m.msg for m in run_guardrail_checks(databases=["default"])}
        assert seen == [("default",)]
    finally:
        registry.deployment_checks.discard(_registered.pop(deploy_only))
        registry.registered_checks.discard(_registered.pop(needs_database))


def test_one_parse_per_file_in_a_run() -> None:
    from django_guardrails.source.index import SOURCE

    run_guardrail_checks()
    assert SOURCE.parses == len(SOURCE._modules) > 0
