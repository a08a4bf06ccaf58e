from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import CommandError, call_command
from django.test import override_settings

from django_guardrails.checks.framework import baseline, ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage

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
        assert recorded["version"] == 2
        entry = next(f for f in recorded["findings"] if f["obj"].endswith(".Ledger"))
        assert entry["id"] == "guardrails.W201"
        # A digest of the line, never its text (which may hold a secret), nor its number.
        assert set(entry) == {"id", "file", "obj", "line", "count"}
        assert entry["line"] == baseline.line_digest("class Ledger(models.Model):")
        assert "class" not in baseline_file.read_text()

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
        assert baseline.write(baseline_file, [finding()]).recorded == 1
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
            '{"version": 2, "findings": [{"id": "a", "file": "", "obj": "", "line": "",'
            ' "count": 1e400}]}',
            "finding 0 lacks",
        ),
        ("[" * 100_000, "cannot be read as JSON"),
        ('{"version": 99, "findings": []}', "not a version 2 guardrails baseline"),
        ('{"version": 2}', 'no "findings" list'),
        ('{"version": 2, "findings": [{"id": "x"}]}', "finding 0 lacks"),
        ('{"version": 2, "findings": [{"id": "x", "file": "", "obj": "", "line": 3}]}', "lacks"),
        ('{"version": 1, "findings": [{"id": "x"}]}', "finding 0 lacks"),
    ],
)
def test_a_broken_baseline_file_is_W004_and_hides_nothing(
    tmp_path: Path, content: str, reason: str
) -> None:
    baseline_file = tmp_path / "baseline.json"
    baseline_file.write_text(content)
    with override_settings(GUARDRAILS={"BASELINE": str(baseline_file)}):
        messages = run_guardrail_checks()
        call_command("check", stdout=StringIO(), stderr=StringIO())  # starts all the same
    [warning] = [m for m in messages if m.id == ids.W004.id]
    assert warning.level == checks.WARNING
    assert reason in warning.msg
    assert ids.W201.id in {m.id for m in messages}
    assert ids.W002.id not in {m.id for m in messages}


def test_a_missing_baseline_file_is_a_warning_naming_it(tmp_path: Path) -> None:
    with override_settings(GUARDRAILS={"BASELINE": str(tmp_path / "absent.json")}):
        messages = run_guardrail_checks()
    [warning] = [m for m in messages if m.id == ids.W004.id]
    assert "absent.json does not exist" in warning.msg
    assert "guardrails baseline" in str(warning.hint)
    assert ids.W201.id in {m.id for m in messages}


def test_the_apps_own_findings_are_never_baselined(tmp_path: Path) -> None:
    baseline_file = tmp_path / "baseline.json"
    with override_settings(GUARDRAILS={"BASELINE": str(baseline_file), "MODE": "loud"}):
        call_command("guardrails", "baseline", verbosity=0)
        assert ids.W001.id not in baseline_file.read_text()
        assert ids.W001.id in {m.id for m in run_guardrail_checks()}


SECRET_SETTINGS = """\
import os
STRIPE_API_KEY = "sk_live_51HxLrPq2eZvKYlo2C0123456789abcd"
ADMIN_PASSWORD = "hunter2"
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "mail-pass-2024")
API_PIN = 918273
"""


def test_a_baseline_holds_no_secret_of_any_line(tmp_path: Path) -> None:
    settings_py = tmp_path / "settings.py"
    settings_py.write_text(SECRET_SETTINGS)
    lines = SECRET_SETTINGS.splitlines()
    messages = [
        ids.W110.message("m", hint="h", obj=f"s{n}", file=str(settings_py), line=n)
        for n in range(1, len(lines) + 1)
    ]
    baseline_file = tmp_path / "baseline.json"
    with override_settings(GUARDRAILS={"BASELINE": str(baseline_file)}):
        baseline.write(baseline_file, messages)
        assert baseline.without_baselined(list(messages)) == []
    written = baseline_file.read_text()
    for secret in ("sk_live", "hunter2", "mail-pass", "918273", "51HxLr", "2024"):
        assert secret not in written
    for line in lines[1:]:  # not even a digest of the text, which a weak password falls to
        assert hashlib.sha256(line.encode()).hexdigest()[:20] not in written
    # The same line with another value is the same finding: the digest saw no value.
    assert baseline.line_digest('ADMIN_PASSWORD = "hunter2"') == baseline.line_digest(
        "ADMIN_PASSWORD = 'correct horse'"
    )


def test_an_old_baseline_with_source_text_still_applies_and_is_rewritten(
    make_app: MakeApp, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models_py = make_app(MODELS)
    label = models_py.parent.name
    relative = Path(os.path.relpath(models_py, tmp_path)).as_posix()
    old = {
        "version": 1,
        "findings": [
            {
                "id": "guardrails.W201",
                "file": relative,
                "obj": f"{label}.Ledger",
                "context": "class  Ledger(models.Model):",
                "count": 1,
            }
        ],
    }
    baseline_file = tmp_path / "baseline.json"
    baseline_file.write_text(json.dumps(old))
    with override_settings(GUARDRAILS={"BASELINE": str(baseline_file)}):
        assert w201_names(models_py) == {"Entry"}  # still accepted
        [warning] = [m for m in run_guardrail_checks() if m.id == ids.W004.id]
        assert "old format" in warning.msg
        call_command("guardrails", "baseline")
        assert "keeps only digests" in capsys.readouterr().out
        assert "Ledger(models.Model)" not in baseline_file.read_text()
        assert json.loads(baseline_file.read_text())["version"] == 2
        assert ids.W004.id not in {m.id for m in run_guardrail_checks()}


def test_fixed_findings_are_dropped_and_hidden_ones_counted(
    make_app: MakeApp, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_app(MODELS)
    baseline_file = tmp_path / "baseline.json"
    with override_settings(GUARDRAILS={"BASELINE": str(baseline_file)}):
        call_command("guardrails", "baseline", verbosity=0)
        accepted = sum(f["count"] for f in json.loads(baseline_file.read_text())["findings"])

        call_command("guardrails", "check", "--deploy", "--fail-level", "CRITICAL")
        err = capsys.readouterr().err
        assert f"The baseline (baseline.json) accepts {accepted} more finding(s)" in err
        assert "guardrails check --all" in err
        assert ".Ledger" not in err
        call_command("guardrails", "check", "--all", "--fail-level", "CRITICAL")
        assert ".Ledger" in capsys.readouterr().err

        # A finding fixed since: its entry is stale.
        document = json.loads(baseline_file.read_text())
        gone = {"id": "guardrails.W201", "file": "x.py", "obj": "x.Gone", "line": "0", "count": 1}
        document["findings"].append(gone)
        baseline_file.write_text(json.dumps(document))
        call_command("guardrails", "baseline")
        out = capsys.readouterr().out
        assert f"Wrote {accepted} finding(s)" in out
        assert "Dropped 1 finding(s) of the previous baseline that no longer occur" in out


@pytest.mark.parametrize("silenced", [[], [ids.W002.id]], ids=["shown", "silenced"])
def test_no_baseline_is_written_while_a_check_crashes_even_with_its_warning_silenced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, silenced: list[str]
) -> None:
    """A crashed check's findings are unknown: a baseline written then would miss them, and
    each would come back later as new. Silencing W002 hides the warning, not the gap."""

    def explode(model: object) -> bool:
        raise ValueError("a bug")

    monkeypatch.setattr("django_guardrails.checks.models.checks.defines_str", explode)
    path = tmp_path / "baseline.json"
    with (
        override_settings(SILENCED_SYSTEM_CHECKS=silenced),
        pytest.raises(CommandError, match="Not writing a baseline: 1 check") as refused,
    ):
        call_command("guardrails", "baseline", "--output", str(path), verbosity=0)
    assert f"Silencing {ids.W002.id} does not change this" in str(refused.value)
    assert not path.exists()
