"""The 5xx findings kept between runs: used while nothing they were judged from has changed,
judged again as soon as anything has."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.test import override_settings

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import database_vendors
from django_guardrails.checks.framework.messages import GuardrailsMessage, SourceLocation
from django_guardrails.checks.migrations import checks as migrations
from django_guardrails.checks.migrations import history as migration_history
from django_guardrails.checks.migrations import import_notes as imports
from django_guardrails.checks.migrations import reads as migration_reads
from django_guardrails.checks.migrations import store as migration_store
from django_guardrails.source.index import SOURCE
from tests.checks.scopes import POSTGRESQL, SQLITE
from tests.checks.test_migrations import migrated_app, of

MakeApp = Callable[[str], Path]
ROOT = Path(__file__).resolve().parents[2]

REMOVE = 'operations = [migrations.RemoveField(model_name="order", name="total")]\n'
ADD_CODE = (
    'operations = [migrations.AddField(model_name="order", name="ref", '
    "field=models.CharField(max_length=10, null=True))]\n"
)


def settle(root: Path) -> None:
    """Date the files written so far back to before this process started, as files saved
    before ``manage.py check`` or ``runserver`` are: a file written after its module may have
    been imported is never trusted (see the race test below)."""
    past = min(time.time_ns(), imports.NOTED_SINCE_NS) - 1_000_000_000
    for path in root.rglob("*.py"):
        os.utime(path, ns=(past, past))


def settled_app(make_app: MakeApp, *later: str) -> str:
    label = migrated_app(make_app, *later)
    settle(Path(apps.get_app_config(label).path).parent)
    return label


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
    label = settled_app(make_app, REMOVE)
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
    label = settled_app(make_app, REMOVE)
    assert [str(m.id) for m in of(label)] == [ids.W502.id]
    step = folder(label, tmp_path) / "0002_step.py"
    step.write_text(step.read_text().replace(REMOVE.strip(), ADD_CODE.strip()))
    settle(tmp_path)
    sys.modules.pop(f"{label}.migrations.0002_step", None)
    assert of(label) == []  # a nullable column: safe
    assert judged.reads == 2


def test_a_new_migration_is_judged(
    make_app: MakeApp, kept: Path, judged: Judged, tmp_path: Path
) -> None:
    label = settled_app(make_app)
    assert of(label) == []
    migrations_dir = folder(label, tmp_path)
    header = (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [({label!r}, '0001_initial')]\n"
    )
    (migrations_dir / "0002_later.py").write_text(header + "    " + REMOVE)
    settle(tmp_path)
    assert [str(m.id) for m in of(label)] == [ids.W502.id]
    assert judged.reads == 2


def test_another_setting_or_database_is_judged_again(
    make_app: MakeApp, kept: Path, judged: Judged
) -> None:
    label = settled_app(
        make_app,
        'operations = [migrations.AddIndex(model_name="order", '
        'index=models.Index(fields=["code"], name="order_code_idx"))]\n',
    )
    assert of(label, on=SQLITE) == []
    assert [str(m.id) for m in of(label, on=POSTGRESQL)] == [ids.I506.id]
    with override_settings(GUARDRAILS={"MIGRATIONS_SINCE": {label: "0002_step"}}):
        assert of(label, on=POSTGRESQL) == []
    with override_settings(GUARDRAILS={"MIGRATIONS_SINCE": {label: "0009_nothing"}}):
        unknown = of(label, ids.W001, on=POSTGRESQL)
        again = of(label, ids.W001, on=POSTGRESQL)
    assert judged.reads == 4
    assert len(unknown) == 1 and again == unknown  # the unknown name, kept too


def test_another_guardrails_or_django_is_judged_again(
    make_app: MakeApp, kept: Path, judged: Judged, monkeypatch: pytest.MonkeyPatch
) -> None:
    label = settled_app(make_app, REMOVE)
    of(label)
    monkeypatch.setattr(migration_store, "code_key", lambda: "another guardrails")
    of(label)
    monkeypatch.setattr(django, "__version__", "9.9")
    of(label)
    assert judged.reads == 3


def _migration(label: str, tmp_path: Path, name: str, imports: str, operations: str) -> None:
    header = (
        f"from django.db import migrations, models\n{imports}\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [({label!r}, '0001_initial')]\n"
    )
    (folder(label, tmp_path) / f"{name}.py").write_text(header + f"    operations = {operations}\n")
    settle(tmp_path)


def _code_field_migration(label: str, tmp_path: Path, options: str, imports: str = "") -> None:
    """0002_code: an AlterField to the app's own ``fields.CodeField(<options>)``."""
    _migration(
        label,
        tmp_path,
        "0002_code",
        f"{imports}\nimport {label}.fields".lstrip(),
        f'[migrations.AlterField(model_name="order", name="code", '
        f"field={label}.fields.CodeField({options}))]",
    )


def store_of(label: str) -> migration_store.MigrationStore:
    return migration_store.MigrationStore([label], {}, "postgresql" in database_vendors())


def kept_reads() -> dict[str, str]:
    [stored] = [
        json.loads(path.read_text())
        for path in Path(sys.pycache_prefix or "").rglob("guardrails-migrations.*.json")
    ]
    return stored["reads"]  # type: ignore[no-any-return]


def test_a_custom_field_s_module_and_its_bases_are_read(
    make_app: MakeApp, kept: Path, tmp_path: Path
) -> None:
    label = settled_app(make_app)
    package = folder(label, tmp_path).parent
    (package / "basefields.py").write_text(
        "from django.db import models\n\n\nclass Base(models.CharField):\n    pass\n"
    )
    (package / "fields.py").write_text(
        f"from {label}.basefields import Base\n\n\nclass CodeField(Base):\n    pass\n"
    )
    _code_field_migration(label, tmp_path, "max_length=40, null=True")
    of(label)
    reads = kept_reads()
    assert {str(package / "fields.py"), str(package / "basefields.py")} <= set(reads)
    assert not [path for path in reads if f"{os.sep}django{os.sep}" in path]
    store = store_of(label)
    assert store.load() is not None
    (package / "basefields.py").write_text(
        "from django.db import models\n\n\nclass Base(models.TextField):\n    pass\n"
    )
    assert store.load() is None


def test_a_module_imported_before_the_migrations_is_read(
    make_app: MakeApp, kept: Path, tmp_path: Path
) -> None:
    """Field options shared with models.py, in a module imported long before the migrations."""
    label = settled_app(make_app)
    package = folder(label, tmp_path).parent
    (package / "schema.py").write_text("CODE = {'max_length': 40, 'null': True}\n")
    settle(tmp_path)
    importlib.import_module(f"{label}.schema")
    _migration(
        label,
        tmp_path,
        "0002_code",
        f"from {label}.schema import CODE",
        '[migrations.AlterField(model_name="order", name="code", field=models.CharField(**CODE))]',
    )
    of(label)
    assert str(package / "schema.py") in kept_reads()


def test_a_helper_in_a_migrations_subpackage_is_read(
    make_app: MakeApp, kept: Path, tmp_path: Path
) -> None:
    label = settled_app(make_app)
    ops = folder(label, tmp_path) / "ops"
    ops.mkdir()
    (ops / "__init__.py").write_text(
        "from django.db import migrations\n\n\ndef forwards(apps, schema_editor):\n    pass\n\n\n"
        "def backfill():\n    return migrations.RunPython(forwards, migrations.RunPython.noop)\n"
    )
    _migration(label, tmp_path, "0002_backfill", "from . import ops", "[ops.backfill()]")
    assert of(label, ids.W503) == []
    assert str(ops / "__init__.py") in kept_reads()


def test_settings_a_migration_names_are_read_and_secrets_only_never(
    make_app: MakeApp, kept: Path, tmp_path: Path
) -> None:
    label = settled_app(make_app)
    _migration(
        label,
        tmp_path,
        "0002_code",
        "from django.conf import settings",
        '[migrations.AlterField(model_name="order", name="code", field=models.CharField('
        "max_length=settings.GUARDRAILS_TEST_CODE_LENGTH, null=bool(settings.SECRET_KEY)))]",
    )
    with override_settings(GUARDRAILS_TEST_CODE_LENGTH=40):
        of(label)
        store = store_of(label)
        assert store.load() is not None
    reads = kept_reads()
    assert "setting:GUARDRAILS_TEST_CODE_LENGTH" in reads
    assert not [entry for entry in reads if "SECRET" in entry]
    with override_settings(GUARDRAILS_TEST_CODE_LENGTH=20):
        assert store.load() is None


def test_a_model_module_reached_through_an_imported_package_is_read(
    make_app: MakeApp, kept: Path, tmp_path: Path
) -> None:
    """W504's ``from app import models as m`` then ``m.Order``: the models module is read."""
    label = settled_app(make_app)
    _migration(
        label,
        tmp_path,
        "0002_data",
        f"from {label} import models as app_models",
        "[migrations.RunPython(lambda apps, editor: app_models.Order.objects.count(), "
        "migrations.RunPython.noop)]",
    )
    [w504] = of(label, ids.W504)
    assert str(folder(label, tmp_path).parent / "models.py") in kept_reads()
    assert of(label, ids.W504) == [w504]


def test_nothing_is_kept_when_a_file_changed_after_its_module_was_imported(
    make_app: MakeApp, kept: Path, tmp_path: Path
) -> None:
    """The module in memory is older than the file: findings judged from it must not be kept
    under the file's new digest."""
    label = settled_app(make_app)
    package = folder(label, tmp_path).parent
    (package / "fields.py").write_text(
        "from django.db import models\n\n\nclass CodeField(models.CharField):\n    pass\n"
    )
    _code_field_migration(label, tmp_path, "max_length=40, null=True")
    importlib.import_module(f"{label}.fields")
    (package / "fields.py").write_text(
        "from django.db import models\n\n\nclass CodeField(models.TextField):\n    pass\n"
    )
    of(label)
    assert not list(kept.rglob("guardrails-migrations.*.json"))


def test_where_a_module_lives_decides_how_it_is_covered() -> None:
    django_dir = os.path.dirname(os.path.realpath(django.__file__))
    purelib = os.path.realpath(sysconfig.get_paths()["purelib"])
    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"])
    assert migration_reads._kind(os.path.join(django_dir, "db", "models", "fields.py")) == (
        "versioned"
    )
    # A library whose name starts like Django's, beside it: not Django.
    assert migration_reads._kind(os.path.join(purelib, "django_countries", "fields.py")) == (
        "library"
    )
    assert migration_reads._kind(os.path.join(stdlib, "json", "__init__.py")) == "versioned"
    assert migration_reads._kind(str(ROOT / "testproject" / "broken" / "models.py")) == "project"


def test_import_statements_are_read_where_they_are() -> None:
    text = textwrap.dedent(
        """
        import a.b as c, d
        from .helpers import (x,
            y as z)
        from ..shared import constants

        def forwards(apps, schema_editor):
            from billing.models import Invoice  # inside a function
        """
    )
    names = migration_reads.imported_names(text, "shop.migrations")
    assert {"a.b", "d", "shop.migrations.helpers", "shop.migrations.helpers.x"} <= names
    assert {"shop.migrations.helpers.y", "shop.shared", "shop.shared.constants"} <= names
    assert {"billing.models", "billing.models.Invoice"} <= names


@pytest.mark.parametrize(
    "content",
    ["{not json", "[]", '{"key": 1}', "BAD_FINDINGS", "BAD_NODES", "FINDINGS_NOT_A_LIST", "NUL"],
)
def test_a_corrupt_store_is_judged_again_and_replaced(
    make_app: MakeApp, kept: Path, judged: Judged, content: str
) -> None:
    label = settled_app(make_app, REMOVE)
    first = of(label)
    [stored] = kept.rglob("guardrails-migrations.*.json")
    entry = json.loads(stored.read_text())
    # With the right key: a store of the wrong shape is a miss, never a crash.
    if content == "BAD_FINDINGS":
        entry["findings"] = [{"id": "W999"}]
    elif content == "BAD_NODES":
        entry["unknown_since"] = [["only one part"]]
    elif content == "FINDINGS_NOT_A_LIST":
        entry["findings"] = 1
    elif content == "NUL":
        entry["reads"] = {"/a\x00path": "digest"}
    if entry is not None and content.isupper():
        content = json.dumps(entry)
    stored.write_text(content)
    assert of(label) == first
    assert judged.reads == 2
    assert json.loads(stored.read_text())["findings"]


def test_nothing_is_kept_when_python_writes_no_bytecode_or_facts_are_off(
    make_app: MakeApp, kept: Path, judged: Judged, monkeypatch: pytest.MonkeyPatch
) -> None:
    label = settled_app(make_app, REMOVE)
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
    label = settled_app(make_app, REMOVE)
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
        # No database to read applied migrations from: every finding is shown.
        "GUARDRAILS_SQLITE_PATH": str(tmp_path / "absent.sqlite3"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("DATABASE_URL", None)

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


def test_a_library_counts_by_its_distribution_and_a_setting_read_by_getattr(
    make_app: MakeApp, kept: Path, tmp_path: Path
) -> None:
    label = settled_app(make_app)
    package = folder(label, tmp_path).parent
    (package / "fields.py").write_text(
        "from django.conf import settings\nfrom django.db import models\n\n\n"
        "class CodeField(models.CharField):\n"
        "    def __init__(self, *args, **kwargs):\n"
        '        kwargs.setdefault("null", getattr(settings, "GUARDRAILS_TEST_CODE_NULL", True))\n'
        "        super().__init__(*args, **kwargs)\n"
    )
    _code_field_migration(label, tmp_path, "max_length=40", "import sqlparse  # a library")
    of(label)
    reads = kept_reads()
    assert "distribution:sqlparse" in reads
    assert "setting:GUARDRAILS_TEST_CODE_NULL" in reads
    store = store_of(label)
    assert store.load() is not None
    with override_settings(GUARDRAILS_TEST_CODE_NULL=False):
        assert store.load() is None
