from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from django_guardrails.checks import baseline, ids
from django_guardrails.checks.engine import run_guardrail_checks
from django_guardrails.checks.messages import GuardrailsMessage

MakeApp = Callable[[str], Path]

MODELS = """\
from django.db import models


class Ledger(models.Model):
    title = models.CharField(max_length=50)


class Entry(models.Model):
    pass
"""


def w201_names(path: Path) -> set[str]:
    messages = run_guardrail_checks()
    return {m.obj.__name__ for m in messages if m.id == ids.W201.id and m.file == str(path)}


def bump(path: Path, text: str) -> None:
    path.write_text(text)


def test_baseline_hides_todays_findings_even_after_lines_move(
    make_app: MakeApp, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models_py = make_app(MODELS)
    baseline_file = tmp_path / "guardrails-baseline.json"
    with override_settings(GUARDRAILS={"BASELINE": str(baseline_file)}):
        assert w201_names(models_py) == {"Ledger", "Entry"}
        call_command("guardrails", "baseline")
        assert "finding(s) to" in capsys.readouterr().out
        recorded = json.loads(baseline_file.read_text())
        assert recorded["version"] == 1
        entry = next(f for f in recorded["findings"] if f["obj"].endswith(".Ledger"))
        assert entry["id"] == "guardrails.W201"
        assert entry["context"] == "class Ledger(models.Model):"
        assert "line" not in entry

        assert w201_names(models_py) == set()

        # Lines inserted above the findings: still hidden.
        bump(models_py, '"""Ledgers."""\n\nimport datetime\n\n' + MODELS)
        assert w201_names(models_py) == set()

        # Findings made after the baseline are reported; the accepted ones stay hidden.
        later_models_py = make_app(MODELS)
        assert w201_names(later_models_py) == {"Ledger", "Entry"}
        assert w201_names(models_py) == set()


def test_a_changed_offending_line_is_reported_again(make_app: MakeApp, tmp_path: Path) -> None:
    models_py = make_app(MODELS)
    baseline_file = tmp_path / "baseline.json"
    with override_settings(GUARDRAILS={"BASELINE": str(baseline_file)}):
        call_command("guardrails", "baseline", verbosity=0)
        bump(
            models_py, MODELS.replace("class Entry(models.Model):", "class Entry(models.Model):  #")
        )
        assert w201_names(models_py) == {"Entry"}


def test_counts_make_a_second_identical_finding_new(tmp_path: Path) -> None:
    source = tmp_path / "views.py"
    source.write_text("def view(request):\n    return redirect('/books/')\n")
    baseline_file = tmp_path / "baseline.json"

    def finding() -> GuardrailsMessage:
        return ids.W120.message("m", hint="h", obj="x", file=str(source), line=2)

    with override_settings(GUARDRAILS={"BASELINE": str(baseline_file)}):
        assert baseline.write(baseline_file, [finding()]) == 1
        assert baseline.without_baselined([finding()]) == []
        assert baseline.without_baselined([finding(), finding()]) == [finding()]
        with baseline.disabled():
            assert baseline.without_baselined([finding()]) == [finding()]


def test_output_option_and_relative_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with override_settings(BASE_DIR=tmp_path):
        call_command("guardrails", "baseline", "--output", "nested/baseline.json")
    assert (tmp_path / "nested" / "baseline.json").exists()
    assert 'GUARDRAILS["BASELINE"]' in capsys.readouterr().err


def test_baseline_needs_a_path() -> None:
    with pytest.raises(CommandError, match=r'set GUARDRAILS\["BASELINE"\] or pass --output'):
        call_command("guardrails", "baseline")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "cannot be read as JSON"),
        (
            '{"version": 1, "findings": [{"id": "a", "file": "", "obj": "", "context": "",'
            ' "count": 1e400}]}',
            "finding 0 lacks",
        ),
        ("[" * 100_000, "cannot be read as JSON"),
        ('{"version": 99, "findings": []}', "not a version 1 guardrails baseline"),
        ('{"version": 1}', 'no "findings" list'),
        ('{"version": 1, "findings": [{"id": "x"}]}', "finding 0 lacks"),
    ],
)
def test_a_broken_baseline_file_is_E004_and_hides_nothing(
    tmp_path: Path, content: str, reason: str
) -> None:
    baseline_file = tmp_path / "baseline.json"
    baseline_file.write_text(content)
    with override_settings(GUARDRAILS={"BASELINE": str(baseline_file)}):
        messages = run_guardrail_checks()
    [error] = [m for m in messages if m.id == ids.E004.id]
    assert reason in error.msg
    assert ids.W201.id in {m.id for m in messages}
    assert ids.E002.id not in {m.id for m in messages}


def test_a_missing_baseline_file_is_no_error(tmp_path: Path) -> None:
    with override_settings(GUARDRAILS={"BASELINE": str(tmp_path / "absent.json")}):
        messages = run_guardrail_checks()
    assert ids.E004.id not in {m.id for m in messages}
    assert ids.W201.id in {m.id for m in messages}


def test_the_apps_own_errors_are_never_baselined(tmp_path: Path) -> None:
    baseline_file = tmp_path / "baseline.json"
    with override_settings(GUARDRAILS={"BASELINE": str(baseline_file), "MODE": "loud"}):
        call_command("guardrails", "baseline", verbosity=0)
        assert ids.E001.id not in baseline_file.read_text()
        assert ids.E001.id in {m.id for m in run_guardrail_checks()}
