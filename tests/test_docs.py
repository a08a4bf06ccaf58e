"""The README and the docs stay true: the demo's output, every check ID, every setting key.

The demo block of docs/index.md is compared with what the demo prints now (database times set
aside), in fresh processes against a fresh SQLite database, as ``make demo`` runs them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from django_guardrails.checks.framework import ids
from django_guardrails.settings_schema import KEYS, GuardrailsSettings

ROOT = Path(__file__).resolve().parents[1]
TESTPROJECT = ROOT / "testproject"
_TIMES = re.compile(r"\d+\.\d ms in the database")


def _normalised(text: str) -> list[str]:
    return [_TIMES.sub("… ms in the database", line).rstrip() for line in text.splitlines()]


def demo_block() -> list[str]:
    text = (ROOT / "docs" / "index.md").read_text()
    block = text.split("<!-- demo:start -->", 1)[1].split("<!-- demo:end -->", 1)[0]
    return _normalised(block.strip().removeprefix("```text").removesuffix("```").strip())


def run_demo(tmp_path: Path) -> list[str]:
    """The demo's two parts, as the Makefile runs them."""
    env = {
        **os.environ,
        "GUARDRAILS_SQLITE_PATH": str(tmp_path / "demo.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "testproject.settings.development",
        "DJANGO_SECRET_KEY": "demo-only-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "localhost",
    }
    env.pop("DATABASE_URL", None)

    def manage(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=TESTPROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    manage("migrate", "--verbosity", "0", "--skip-checks")
    manage("seed_demo", "--verbosity", "0", "--skip-checks")
    makefile = (ROOT / "Makefile").read_text()
    headings = re.findall(r'@echo "(== \d\..*?==)"', makefile)
    requests = manage("demo_requests", "--skip-checks")
    summary = manage(
        "guardrails",
        "check",
        "--deploy",
        "--format",
        "summary",
        "--fail-level",
        "CRITICAL",
        "--settings=testproject.settings.production",
    )
    text = f"{headings[0]}\n{requests}\n{headings[1]}\n{summary}"
    return _normalised(text.strip())


@pytest.mark.django_db
def test_the_demo_output_in_the_docs_is_what_the_demo_prints(tmp_path: Path) -> None:
    assert run_demo(tmp_path) == demo_block()


def test_the_demo_is_short() -> None:
    assert len(demo_block()) + 6 < 80  # with the "Read more" lines the Makefile adds


def test_the_readme_quotes_the_demo() -> None:
    readme = " ".join((ROOT / "README.md").read_text().split())
    quoted = re.search(r"e\.g\. `(N\+1 query: .*?)`;", readme)
    assert quoted is not None
    line = quoted.group(1)
    assert any(line in " ".join(demo_line.split()) for demo_line in demo_block())


def test_every_setting_key_is_documented_with_its_default() -> None:
    configuration = (ROOT / "docs" / "configuration.md").read_text()
    defaults_block = configuration.split("These are all the keys, with their defaults:", 1)[1]
    defaults_block = defaults_block.split("```python", 1)[1].split("```", 1)[0]
    namespace: dict[str, dict[str, object]] = {}
    exec(defaults_block, namespace)
    documented = namespace["GUARDRAILS"]
    assert sorted(documented) == sorted(KEYS)
    defaults = GuardrailsSettings()
    assert documented["N_PLUS_ONE_THRESHOLD"] == defaults.n_plus_one_threshold
    assert documented["SLOW_MS"] == defaults.slow_ms
    assert documented["CACHE_VERSION_FIELD"] == defaults.cache_version_field
    assert documented["MIGRATIONS_SINCE"] == dict(defaults.migrations_since)
    for key in KEYS:
        assert f"## {key}" in configuration
        assert f"[`{key}`](#{key.lower()})" in configuration


def test_every_live_check_id_is_in_the_readme_and_the_reference() -> None:
    readme = (ROOT / "README.md").read_text()
    reference = (ROOT / "docs" / "checks" / "index.md").read_text()
    for check_id in ids.LIVE:
        assert f"`{check_id.id}`" in readme, check_id.id
        assert f"`{check_id.id}`" in reference, check_id.id
    for check_id in ids.ALL:
        if check_id.retired:
            assert f"`{check_id.id}` |" not in readme.split("## Checks", 1)[1].split("##", 1)[0]


def test_the_docs_say_nothing_is_still_to_come() -> None:
    for page in (ROOT / "docs").rglob("*.md"):
        assert "still to come" not in page.read_text(), page


def test_the_classifiers_name_every_supported_django() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    readme = (ROOT / "README.md").read_text()
    for version in ("5.2", "6.0", "6.1"):
        assert f'"Framework :: Django :: {version}"' in pyproject
        assert version in readme
    assert '"django>=5.2"' in pyproject.lower()
