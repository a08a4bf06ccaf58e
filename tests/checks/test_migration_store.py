"""The 5xx findings kept between runs: used while nothing they were judged from has changed,
judged again as soon as anything has."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from django_guardrails.checks import ids, migration_history, migration_store, migrations
from django_guardrails.checks.messages import GuardrailsMessage, SourceLocation
from django_guardrails.source.index import SOURCE
from tests.checks.test_migrations import migrated_app, of

MakeApp = Callable[[str], Path]
ROOT = Path(__file__).resolve().parents[2]

REMOVE = 'operations = [migrations.RemoveField(model_name="order", name="total")]\n'
ADD_CODE = (
    'operations = [migrations.AddField(model_name="order", name="ref", '
    "field=models.CharField(max_length=10, null=True))]\n"
)


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Findings kept as on a developer's machine, beside bytecode under a prefix in tmp_path."""
    prefix = tmp_path / "bytecode"
    monkeypatch.setattr(sys, "pycache_prefix", str(prefix))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    SOURCE.clear()
    SOURCE.persistent = True
    yield prefix
    SOURCE.persistent = False
    SOURCE.clear()


class Judged:
    """Counts how often the migrations are really read."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads = 0
        real = migration_history.read_history

        def counting(*args: object, **kwargs: object) -> migration_history.History:
            self.reads += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(migrations, "read_history", counting)


@pytest.fixture
def judged(monkeypatch: pytest.MonkeyPatch) -> Judged:
    return Judged(monkeypatch)


def folder(label: str, root: Path) -> Path:
    return next(root.glob(f"**/{label}/migrations"))


def test_unchanged_migrations_are_not_read_again(
    make_app: MakeApp, kept: Path, judged: Judged
) -> None:
    label = migrated_app(make_app, REMOVE)
    first = of(label)
    assert [str(m.id) for m in first] == [ids.W502.id]
    assert list(kept.rglob("guardrails-migrations.*.json"))
    second = of(label)
    assert judged.reads == 1
    assert second == first
    assert [(m.file, m.line) for m in second] == [(m.file, m.line) for m in first]
    assert isinstance(second[0].obj, SourceLocation)
    assert str(second[0].obj) == str(first[0].obj)


def test_an_edited_migration_is_judged_again(
    make_app: MakeApp, kept: Path, judged: Judged, tmp_path: Path
) -> None:
    label = migrated_app(make_app, REMOVE)
    assert [str(m.id) for m in of(label)] == [ids.W502.id]
    step = folder(label, tmp_path) / "0002_step.py"
    step.write_text(step.read_text().replace(REMOVE.strip(), ADD_CODE.strip()))
    sys.modules.pop(f"{label}.migrations.0002_step", None)
    assert of(label) == []  # a nullable column: safe
    assert judged.reads == 2


def test_a_new_migration_is_judged(
    make_app: MakeApp, kept: Path, judged: Judged, tmp_path: Path
) -> None:
    label = migrated_app(make_app)
    assert of(label) == []
    migrations_dir = folder(label, tmp_path)
    header = (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [({label!r}, '0001_initial')]\n"
    )
    (migrations_dir / "0002_later.py").write_text(header + "    " + REMOVE)
    assert [str(m.id) for m in of(label)] == [ids.W502.id]
    assert judged.reads == 2


def test_another_setting_or_database_is_judged_again(
    make_app: MakeApp, kept: Path, judged: Judged, monkeypatch: pytest.MonkeyPatch
) -> None:
    label = migrated_app(
        make_app,
        'operations = [migrations.AddIndex(model_name="order", '
        'index=models.Index(fields=["code"], name="order_code_idx"))]\n',
    )
    assert of(label) == []
    monkeypatch.setattr(migrations, "_uses_postgresql", lambda: True)
    assert [str(m.id) for m in of(label)] == [ids.I506.id]
    with override_settings(GUARDRAILS={"MIGRATIONS_SINCE": {label: "0002_step"}}):
        assert of(label) == []
    with override_settings(GUARDRAILS={"MIGRATIONS_SINCE": {label: "0009_nothing"}}):
        unknown = of(label, ids.E001)
        again = of(label, ids.E001)
    assert judged.reads == 4
    assert len(unknown) == 1 and again == unknown  # the unknown name, kept too


def test_another_guardrails_or_django_is_judged_again(
    make_app: MakeApp, kept: Path, judged: Judged, monkeypatch: pytest.MonkeyPatch
) -> None:
    label = migrated_app(make_app, REMOVE)
    of(label)
    monkeypatch.setattr(migration_store, "code_key", lambda: "another guardrails")
    of(label)
    monkeypatch.setattr(migration_store.django, "__version__", "9.9")
    of(label)
    assert judged.reads == 3


def test_a_module_the_judgement_read_is_a_dependency(
    make_app: MakeApp, kept: Path, tmp_path: Path
) -> None:
    """A custom field's module (and its bases'), recorded, and a change there is a miss."""
    label = migrated_app(make_app)
    package = folder(label, tmp_path).parent
    (package / "fields.py").write_text(
        "from django.db import models\n\n\nclass CodeField(models.CharField):\n    pass\n"
    )
    header = (
        "from django.db import migrations\n"
        f"import {label}.fields\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [({label!r}, '0001_initial')]\n"
    )
    (folder(label, tmp_path) / "0002_code.py").write_text(
        header + '    operations = [migrations.AlterField(model_name="order", name="code", '
        f"field={label}.fields.CodeField(max_length=40, null=True))]\n"
    )
    of(label)
    [stored] = kept.rglob("guardrails-migrations.*.json")
    dependencies = json.loads(stored.read_text())["dependencies"]
    assert str(package / "fields.py") in dependencies
    assert not [path for path in dependencies if "/django/" in path]
    store = migration_store.MigrationStore([label], {}, False)
    assert store.load() is not None
    (package / "fields.py").write_text(
        "from django.db import models\n\n\nclass CodeField(models.TextField):\n    pass\n"
    )
    assert store.load() is None


@pytest.mark.parametrize(
    "content", ["{not json", "[]", '{"key": 1}', "KEY_WITH_BAD_FINDINGS", "KEY_WITH_BAD_NODES"]
)
def test_a_corrupt_store_is_judged_again_and_replaced(
    make_app: MakeApp, kept: Path, judged: Judged, content: str
) -> None:
    label = migrated_app(make_app, REMOVE)
    first = of(label)
    [stored] = kept.rglob("guardrails-migrations.*.json")
    entry = json.loads(stored.read_text())
    if content == "KEY_WITH_BAD_FINDINGS":
        entry["findings"] = [{"id": "W999"}]
        content = json.dumps(entry)
    elif content == "KEY_WITH_BAD_NODES":
        entry["unknown_since"] = [["only one part"]]
        content = json.dumps(entry)
    stored.write_text(content)
    assert of(label) == first
    assert judged.reads == 2
    assert json.loads(stored.read_text())["findings"]


def test_nothing_is_kept_when_python_writes_no_bytecode_or_facts_are_off(
    make_app: MakeApp, kept: Path, judged: Judged, monkeypatch: pytest.MonkeyPatch
) -> None:
    label = migrated_app(make_app, REMOVE)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    of(label)
    assert not list(kept.rglob("guardrails-migrations.*.json"))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    SOURCE.persistent = False
    of(label)
    assert not list(kept.rglob("guardrails-migrations.*.json"))
    assert judged.reads == 2


def test_a_store_that_cannot_be_written_is_no_error(
    make_app: MakeApp, kept: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr("django_guardrails.source.facts.tempfile.mkstemp", refuse)
    label = migrated_app(make_app, REMOVE)
    assert [str(m.id) for m in of(label)] == [ids.W502.id]


def test_a_kept_finding_is_the_finding_made() -> None:
    made = ids.W502.message(
        "RemoveField in a.0002 breaks ...",
        hint="Zero-downtime recipe: ...",
        obj=SourceLocation("/p/a/migrations/0002.py", 7, "a.0002"),
        file="/p/a/migrations/0002.py",
        line=7,
    )
    unplaced = ids.W503.message("RunSQL ...", hint="Give it ...", obj="a.0003")
    for message in (made, unplaced):
        record = json.loads(json.dumps(migration_store._encode(message)))
        back = migration_store._decode(record)
        assert isinstance(back, GuardrailsMessage)
        assert (back, back.file, back.line) == (message, message.file, message.line)


_RUN = """
import json, sys
import django
django.setup()
from django.core.checks import run_checks
found = [m for m in run_checks() if str(m.id)[len("guardrails."):][:1] in "WI"
         and str(m.id)[len("guardrails.") + 1:][:1] == "5"]
print(json.dumps({
    "read": sorted(n for n in sys.modules if ".migrations.0" in n and n.startswith("broken.")),
    "found": sorted(f"{m.id} {m.file}:{m.line}" for m in found),
}))
"""


def test_a_second_manage_py_check_imports_no_migration(tmp_path: Path) -> None:
    """End to end on the testproject, in fresh processes as a developer runs them."""
    env = {
        **os.environ,
        "PYTHONPYCACHEPREFIX": str(tmp_path / "bytecode"),
        "DJANGO_SETTINGS_MODULE": "testproject.settings.development",
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def run() -> dict[str, list[str]]:
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(_RUN)],
            cwd=ROOT / "testproject",
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.splitlines()[-1])  # type: ignore[no-any-return]

    first, second = run(), run()
    assert first["read"] and first["found"]
    assert second == {"read": [], "found": first["found"]}
