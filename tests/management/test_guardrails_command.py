from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
TESTPROJECT = ROOT / "testproject"


def run_json(*args: str) -> list[dict[str, object]]:
    from io import StringIO

    out = StringIO()
    call_command("guardrails", "check", "--format", "json", *args, stdout=out)
    rows: list[dict[str, object]] = json.loads(out.getvalue())
    return rows


def test_text_output_is_djangos_with_file_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("guardrails", "check")
    output = capsys.readouterr().err
    assert "System check identified some issues:" in output
    assert "broken.Invoice (testproject/broken/models.py:" in output
    assert "(guardrails.W201)" in output


def test_json_rows_have_the_documented_keys() -> None:
    rows = run_json()
    assert rows, "the broken app has findings"
    for row in rows:
        assert set(row) == {"id", "level", "message", "hint", "obj", "file", "line"}
        assert str(row["id"]).startswith("guardrails.")
        assert row["level"] in {"ERROR", "WARNING", "INFO"}
    invoice = next(r for r in rows if r["obj"] == "broken.Invoice")
    assert invoice["id"] == "guardrails.W201"
    assert str(invoice["file"]).endswith("broken/models.py")
    assert isinstance(invoice["line"], int)
    assert "def __str__(self) -> str: return self.number" in str(invoice["hint"])


def test_json_honours_app_labels_deploy_and_silencing() -> None:
    assert {r["obj"] for r in run_json("clean")} == set()
    with override_settings(SILENCED_SYSTEM_CHECKS=["guardrails.W201"]):
        assert "guardrails.W201" not in {r["id"] for r in run_json()}
    assert len(run_json("--deploy")) >= len(run_json())


def test_fail_level_sets_the_exit_status() -> None:
    run_json()  # warnings only: below the default ERROR level
    with pytest.raises(SystemCheckError, match="at WARNING or above"):
        run_json("--fail-level", "WARNING")
    with override_settings(DEBUG="False"), pytest.raises(SystemCheckError):
        run_json()  # guardrails.E101, an error


def test_sarif_has_the_required_structure(tmp_path: Path) -> None:
    output = tmp_path / "guardrails.sarif"
    call_command("guardrails", "check", "--format", "sarif", "--output", str(output))
    sarif = json.loads(output.read_text())
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    [run] = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "django-guardrails"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["helpUri"].startswith("https://")
    assert run["results"]
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        assert result["message"]["text"]
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        # A base ID only with a relative URI, as SARIF 2.1.0 requires.
        if "uriBaseId" in artifact:
            assert artifact["uriBaseId"] == "%SRCROOT%"
            assert ":" not in artifact["uri"] and not artifact["uri"].startswith("/")
        else:
            assert artifact["uri"].startswith("file:///")
        region = location["physicalLocation"].get("region")
        assert region is None or region["startLine"] >= 1
        assert result["partialFingerprints"]
    w201 = next(r for r in run["results"] if r["ruleId"] == "guardrails.W201")
    uri = w201["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("models.py")


def test_json_and_sarif_carry_the_whole_list_a_message_shortens(tmp_path: Path) -> None:
    """W808 names three views "and 1 more": the fourth is in the finding's items."""
    pytest.importorskip("rest_framework")
    views = [
        "broken.api.InvoiceList",
        "broken.api.RecentInvoiceList",
        "clean.api.AuthorBookList",
        "clean.api.BookList",
    ]
    allow_any = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"]}
    output = tmp_path / "guardrails.sarif"
    with override_settings(REST_FRAMEWORK=allow_any):
        [row] = [r for r in run_json("--deploy") if r["id"] == "guardrails.W808"]
        call_command("guardrails", "check", "--deploy", "--format=sarif", f"--output={output}")
    assert str(row["message"]).endswith("clean.api.AuthorBookList and 1 more.")
    assert row["items"] == views
    [result] = [
        r
        for r in json.loads(output.read_text())["runs"][0]["results"]
        if r["ruleId"] == "guardrails.W808"
    ]
    assert result["properties"] == {"items": views}
    # A finding that names everything it concerns has no items.
    assert all("items" not in r for r in run_json() if r["id"] != "guardrails.W808")


def test_unknown_app_label_is_a_clear_error() -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No installed app with label 'nope'"):
        call_command("guardrails", "check", "nope")


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "testproject.settings.test", **env}
    environment.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=TESTPROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_exit_codes_like_djangos_check() -> None:
    quiet = manage("guardrails", "check", "--format", "json")
    assert quiet.returncode == 0, quiet.stderr
    failing = manage("guardrails", "check", "--fail-level", "WARNING")
    assert failing.returncode == 1
    assert "guardrails.W201" in failing.stderr
    assert "Traceback" not in failing.stderr


def test_djangos_options_work_after_the_subcommand() -> None:
    result = manage(
        "guardrails", "check", "--settings=testproject.settings.test", "-v", "0", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)


def test_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Cannot write"):
        call_command("guardrails", "check", "--format", "json", "--output", str(tmp_path / "no/x"))
    with pytest.raises(CommandError, match="Cannot write the baseline"):
        call_command("guardrails", "baseline", "--output", str(tmp_path))


def test_output_with_text_writes_the_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "guardrails.txt"
    call_command("guardrails", "check", "--output", str(report))
    text = report.read_text()
    assert text.startswith("System check identified some issues:")
    assert "(guardrails.W201)" in text and "System check identified" in text.splitlines()[-1]
    assert "\x1b[" not in text  # no terminal colours in a file
    assert "guardrails.W201" not in capsys.readouterr().err  # written there, not printed

    with pytest.raises(SystemCheckError, match="the report is in"):
        call_command("guardrails", "check", "--fail-level", "WARNING", "--output", str(report))
    assert "(guardrails.W201)" in report.read_text()
