from __future__ import annotations

import ast
import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from django_guardrails.checks import ids
from django_guardrails.checks.engine import run_guardrail_checks
from django_guardrails.source.secrets import scan

from .secret_snippets import SNIPPETS

SETTINGS = Path(__file__).resolve().parents[2] / "testproject" / "testproject" / "settings"


def detected(source: str, dev: bool) -> frozenset[str]:
    """What W110 and W112 report: env defaults count outside development modules only."""
    findings = scan(ast.parse(source), development=dev)
    return frozenset(f.name for f in findings if f.kind == "literal" or not dev)


def test_precision_and_recall_on_the_labelled_snippets() -> None:
    assert len(SNIPPETS) >= 40
    true_positives = false_positives = false_negatives = 0
    for snippet in SNIPPETS:
        found = detected(snippet.source, snippet.dev)
        true_positives += len(found & snippet.secrets)
        false_positives += len(found - snippet.secrets)
        false_negatives += len(snippet.secrets - found)
    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / (true_positives + false_negatives)
    assert precision >= 0.95, precision
    assert recall >= 0.95, recall


def by_id(check_id: ids.CheckId) -> list[tuple[str, int | None, str]]:
    return sorted(
        (Path(m.file or "").name, m.line, str(m.obj).split(" ", 1)[1])
        for m in run_guardrail_checks()
        if m.id == check_id.id
    )


def test_the_staging_and_qa_settings_fire_each_check() -> None:
    assert by_id(ids.W110) == [
        ("qa.py", 7, "STRIPE_API_KEY"),
        ("staging.py", 20, "STRIPE_API_KEY"),
        ("staging.py", 21, "EMAIL_HOST_PASSWORD"),
        ("staging.py", 22, "DATABASES['default']['PASSWORD']"),
    ]
    assert by_id(ids.W112) == [("staging.py", 17, "SECRET_KEY")]
    assert by_id(ids.W111) == [("staging.py", 20, "STRIPE_API_KEY")]


def test_base_development_production_and_test_settings_are_silent() -> None:
    for name in ("base.py", "development.py", "production.py", "test.py", "database.py"):
        for check_id in (ids.W110, ids.W111, ids.W112):
            assert not [f for f in by_id(check_id) if f[0] == name], (name, check_id)


def fake_values() -> list[str]:
    """Every string literal of the settings modules that carry (fake) secrets."""
    values = []
    for name in ("staging.py", "qa.py"):
        tree = ast.parse((SETTINGS / name).read_text())
        values += [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and len(node.value) > 8
            and not node.value.startswith(("Staging", "QA ", "Every"))
        ]
    return values


@pytest.mark.parametrize("output_format", ["text", "json", "sarif"])
def test_no_secret_value_reaches_any_output(
    output_format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = StringIO()
    call_command("guardrails", "check", "--format", output_format, stdout=out)
    rendered = out.getvalue() + capsys.readouterr().err
    assert "STRIPE_API_KEY" in rendered
    secrets = [v for v in fake_values() if re.search(r"\d", v)]
    assert secrets, "the staging settings carry fake secrets"
    for value in secrets:
        assert value not in rendered
    if output_format != "text":
        assert json.loads(out.getvalue())
