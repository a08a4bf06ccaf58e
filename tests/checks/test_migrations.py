from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.state import ProjectState
from django.test import override_settings

from django_guardrails.checks.framework import baseline, ids
from django_guardrails.checks.framework.engine import database_vendors, run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage
from django_guardrails.checks.migrations import checks as migrations
from django_guardrails.checks.migrations import history as migration_history
from django_guardrails.checks.migrations.history import Node, read_history
from tests.checks.scopes import POSTGRESQL, SQLITE, judged

MakeApp = Callable[[str], Path]
MIGRATION_IDS = (ids.W501, ids.W502, ids.W503, ids.W504, ids.I506)

MODELS = """\
    from django.db import models


    class Order(models.Model):
        code = models.CharField(max_length=40, null=True)
        total = models.IntegerField(default=0)

        def __str__(self):
            return self.code or ""
    """

INITIAL = """\
    from django.db import migrations, models


    class Migration(migrations.Migration):
        initial = True
        operations = [
            migrations.CreateModel(
                name="Order",
                fields=[
                    ("id", models.BigAutoField(primary_key=True, serialize=False)),
                    ("code", models.CharField(max_length=40, null=True)),
                    ("total", models.IntegerField(default=0)),
                ],
            ),
        ]
    """


def migrated_app(make_app: MakeApp, *later: str) -> str:
    """An app with the initial migration and ``later`` ones chained after it; its label."""
    package = make_app(MODELS).parent
    folder = package / "migrations"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "0001_initial.py").write_text(textwrap.dedent(INITIAL))
    previous = "0001_initial"
    for number, body in enumerate(later, start=2):
        name = f"{number:04d}_step"
        header = (
            "from django.db import migrations, models\n\n\n"
            "class Migration(migrations.Migration):\n"
            f"    dependencies = [({package.name!r}, {previous!r})]\n"
        )
        (folder / f"{name}.py").write_text(header + textwrap.indent(textwrap.dedent(body), "    "))
        previous = name
    return package.name


def of(
    label: str, *check_ids: ids.CheckId, on: frozenset[str] | None = None
) -> list[GuardrailsMessage]:
    """The migration findings on app ``label``; ``on`` the databases' vendors, when not the
    test settings' own."""
    wanted = {check_id.id for check_id in check_ids or MIGRATION_IDS}
    if on is None:
        found = run_guardrail_checks([apps.get_app_config(label)])
    else:
        found = judged(migrations.check_migrations, label, database_vendors=on)
    return [m for m in found if m.id in wanted]


def codes(label: str) -> list[str]:
    return sorted(str(m.id).removeprefix("guardrails.") for m in of(label))


def migration(message: GuardrailsMessage) -> str:
    return str(message.obj).rsplit(" ", 1)[-1]


def line_of(path: str | None, text: str) -> int:
    lines = Path(path or "").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_the_broken_app_fires_each_check() -> None:
    fired = of("broken", ids.W501, ids.W502, ids.W503, ids.W504)
    found = {(str(m.id).removeprefix("guardrails."), migration(m)) for m in fired}
    assert found == {
        ("W501", "broken.0004_refund_reason"),
        ("W502", "broken.0004_refund_reason"),
        ("W503", "broken.0004_refund_reason"),
        ("W504", "broken.0004_refund_reason"),
        ("W502", "broken.0005_invoice_index_shorter_description"),
    }
    [w504] = of("broken", ids.W504)
    assert w504.line == line_of(w504.file, "from broken.models import Refund")
    assert 'apps.get_model("app_label", "Refund")' in str(w504.hint)
    [w503] = of("broken", ids.W503)
    assert w503.line == line_of(w503.file, "migrations.RunPython(")
    add_field, shortened = of("broken", ids.W502)
    assert add_field.line == line_of(add_field.file, "migrations.AddField(")
    assert "db_default" in str(add_field.hint)
    assert "max_length 200 to 120" in shortened.msg


def test_the_broken_index_is_reported_when_the_project_runs_postgresql() -> None:
    [i506] = of("broken", ids.I506, on=POSTGRESQL)
    assert migration(i506) == "broken.0005_invoice_index_shorter_description"
    assert i506.line == line_of(i506.file, "migrations.AddIndex(")
    assert "AddIndexConcurrently" in str(i506.hint)


def test_the_clean_app_is_silent_even_on_postgresql() -> None:
    assert of("clean", on=POSTGRESQL) == []


def test_no_index_finding_without_postgresql() -> None:
    assert of("broken", ids.I506, on=SQLITE) == []


def test_postgresql_is_read_from_the_databases_setting() -> None:
    assert ("postgresql" in database_vendors()) == (connection.vendor == "postgresql")
    postgis = {"default": {"ENGINE": "django.contrib.gis.db.backends.postgis"}}
    assert database_vendors(postgis) == POSTGRESQL
    assert database_vendors({"a": {"ENGINE": "django.db.backends.sqlite3"}}) == SQLITE


def test_breaking_operations_each_get_their_recipe(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        'operations = [migrations.RenameField("order", "total", "amount")]\n',
        'operations = [migrations.RemoveField("order", "amount")]\n',
        'operations = [migrations.RenameModel("Order", "Purchase")]\n',
        'operations = [migrations.DeleteModel("Purchase")]\n',
    )
    hints = {m.msg.split(" in ")[0]: str(m.hint) for m in of(label, ids.W502)}
    assert set(hints) == {"RenameField", "RemoveField", "RenameModel", "DeleteModel"}
    assert "backfill" in hints["RenameField"]
    assert "later release" in hints["RemoveField"]


def test_alter_field_is_judged_against_the_state_before_it(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        # NOT NULL on a column that allowed NULL
        'operations = [migrations.AlterField("order", "code", models.CharField(max_length=40))]\n',
        # widening a varchar is fine; so is allowing NULL
        'operations = [migrations.AlterField("order", "code", models.CharField(max_length=80))]\n',
        "operations = [migrations.AlterField("
        '"order", "total", models.IntegerField(default=0, null=True))]\n',
        # integer to bigint rewrites the table
        "operations = [migrations.AlterField("
        '"order", "total", models.BigIntegerField(default=0, null=True))]\n',
    )
    messages = sorted(of(label, ids.W502), key=migration)
    assert [migration(m).split(".")[-1] for m in messages] == ["0002_step", "0005_step"]
    assert "NOT NULL" in messages[0].msg
    assert "CHECK" in str(messages[0].hint)
    assert "IntegerField to BigIntegerField" in messages[1].msg


def test_safe_additions_are_silent(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        """\
        operations = [
            migrations.AddField("order", "note", models.TextField(null=True)),
            migrations.AddField("order", "state", models.CharField(max_length=9, db_default="new")),
            migrations.AddField("order", "tags", models.ManyToManyField("auth.Group")),
            migrations.CreateModel(
                name="Line",
                fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
            ),
            migrations.AddField("line", "sku", models.CharField(max_length=9, default="")),
        ]
        """,
    )
    assert of(label) == []


def test_data_migrations(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        """\
        def forwards(apps, schema_editor):
            from {label}.models import Order
            Order.objects.update(total=1)

        operations = [
            migrations.RunPython(forwards),
            migrations.RunSQL("UPDATE x SET y = 1"),
            migrations.RunSQL("UPDATE x SET y = 2", reverse_sql=migrations.RunSQL.noop),
        ]
        """,
    )
    # The label is only known now: write it into the migration that imports the model.
    found = sorted(codes_after_fixing_label(label))
    assert found == ["W503", "W503", "W504"]


def codes_after_fixing_label(label: str) -> list[str]:
    path = Path(apps.get_app_config(label).path) / "migrations" / "0002_step.py"
    path.write_text(path.read_text().replace("{label}", label))
    return codes(label)


def test_a_reversible_data_migration_with_historical_models_is_silent(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        """\
        def forwards(apps, schema_editor):
            apps.get_model("x", "Order")

        operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
        """,
    )
    assert of(label) == []


def test_importing_something_else_from_models_is_not_w504(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        """\
        from django.db.models import F

        operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
        """,
    )
    assert of(label) == []


def test_index_operations_on_postgresql(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        'operations = [migrations.AddIndex("order", models.Index(fields=["code"], name="o_c"))]\n',
        "operations = [migrations.AddConstraint("
        '"order", models.UniqueConstraint(fields=["code"], name="o_u"))]\n',
        'operations = [migrations.RemoveConstraint("order", "o_u")]\n',
        'operations = [migrations.AddField("order", "ref", models.IntegerField(null=True, '
        "db_index=True))]\n",
        """\
        from django.contrib.postgres.operations import RemoveIndexConcurrently

        atomic = False
        operations = [RemoveIndexConcurrently("order", "o_c")]
        """,
    )
    found = sorted(
        (migration(m).split(".")[-1], m.msg.split(" in ")[0]) for m in of(label, on=POSTGRESQL)
    )
    assert found == [
        ("0002_step", "AddIndex 'o_c'"),
        ("0003_step", "AddConstraint of the unique 'o_u'"),
        ("0004_step", "RemoveConstraint of the unique 'o_u'"),
        ("0005_step", "AddField of the indexed 'ref'"),
    ]


def test_migrations_since_limits_the_checks(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        'operations = [migrations.RemoveField("order", "code")]\n',
        'operations = [migrations.RemoveField("order", "total")]\n',
    )
    assert len(of(label)) == 2
    with override_settings(GUARDRAILS={"MIGRATIONS_SINCE": {label: "0002_step"}}):
        [only] = of(label)
        assert migration(only) == f"{label}.0003_step"
        # The one before is judged and summarised, never silently dropped.
        [summary] = of(label, ids.I005)
        assert summary.msg.startswith("1 migration finding(s) on 1 migration(s) not shown: 1 at ")
        assert "MIGRATIONS_SINCE" in summary.msg
        assert "guardrails check --all" in str(summary.hint)


def test_an_unknown_migrations_since_name_is_a_setting_error(make_app: MakeApp) -> None:
    label = migrated_app(make_app, 'operations = [migrations.RemoveField("order", "code")]\n')
    with override_settings(GUARDRAILS={"MIGRATIONS_SINCE": {label: "0099_nope"}}):
        [e001] = of(label, ids.W001)
        assert "0099_nope" in e001.msg
        assert len(of(label)) == 1  # nothing is skipped


def test_i005_counts_only_findings_nothing_else_hides(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    label = migrated_app(
        make_app,
        'operations = [migrations.RemoveField("order", "code")]\n',  # in the baseline
        'operations = [migrations.RemoveField("order", "total")]  '
        "# guardrails: ignore[W502] -- dropped in a maintenance window\n",
        'operations = [migrations.RunSQL("SELECT 1")]\n',  # W503, silenced
        'operations = [migrations.DeleteModel("order")]\n',  # the one left to accept
    )
    every = {(label, f"{n:04d}_step") for n in range(2, 6)} | {(label, "0001_initial")}
    monkeypatch.setattr(migrations, "applied_migrations", lambda: every)
    baseline_file = tmp_path / "guardrails-baseline.json"
    findings = judged(migrations.check_migrations, label, show_all=True)
    baseline.write(baseline_file, [m for m in findings if migration(m).endswith("0002_step")])
    settings = {
        "GUARDRAILS": {"BASELINE": str(baseline_file)},
        "SILENCED_SYSTEM_CHECKS": ["guardrails.W503"],
    }
    with override_settings(**settings):
        assert of(label) == []  # every finding is on an applied migration
        [summary] = of(label, ids.I005)
        assert summary.msg.startswith("1 migration finding(s) on 1 migration(s) not shown: 1 ")
        assert "manage.py guardrails baseline" in str(summary.hint)

        call_command("guardrails", "baseline", verbosity=0)
        assert of(label, ids.I005) == []  # everything accepted: nothing to summarise


def test_a_baseline_holds_the_findings_before_migrations_since(
    make_app: MakeApp, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    label = migrated_app(
        make_app,
        'operations = [migrations.RemoveField("order", "code")]\n',
        'operations = [migrations.RemoveField("order", "total")]\n',
    )
    baseline_file = tmp_path / "guardrails-baseline.json"
    since = {"BASELINE": str(baseline_file), "MIGRATIONS_SINCE": {label: "0002_step"}}
    with override_settings(GUARDRAILS=since):
        call_command("guardrails", "baseline")
        assert capsys.readouterr().out.startswith("Wrote ")
        accepted = json.loads(baseline_file.read_text())["findings"]
        assert {f["obj"] for f in accepted if f["id"] == ids.W502.id} >= {
            f"{label}.0002_step",
            f"{label}.0003_step",
        }
        assert of(label, *MIGRATION_IDS, ids.I005) == []
    # MIGRATIONS_SINCE moved later: the findings it now summarises are not "fixed".
    with override_settings(GUARDRAILS={**since, "MIGRATIONS_SINCE": {label: "0003_step"}}):
        call_command("guardrails", "baseline")
        assert "Dropped" not in capsys.readouterr().out
        assert of(label, *MIGRATION_IDS, ids.I005) == []


def test_the_replay_sees_the_fields_django_s_own_state_would(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    label = migrated_app(
        make_app,
        # a one-off default, dropped from the state as Django drops it
        'operations = [migrations.AlterField("order", "code", models.CharField('
        'max_length=40, default="-"), preserve_default=False)]\n',
        'operations = [migrations.AlterField("order", "code", models.CharField(max_length=80))]\n',
        'operations = [migrations.AddField("order", "buyer", models.ForeignKey('
        '"auth.User", models.CASCADE, null=True))]\n',
        'operations = [migrations.AlterField("order", "buyer", models.ForeignKey('
        '"auth.User", models.PROTECT, null=True))]\n',
        'operations = [migrations.AlterField("order", "total", models.BigIntegerField())]\n',
    )

    def replaced() -> dict[tuple[Node, int], Any]:
        history = read_history([label], {})
        return {key: field.deconstruct() for key, field in history.replaced.items()}

    fast = replaced()
    monkeypatch.setattr(migration_history, "_UnrenderedState", ProjectState)
    assert fast == replaced()
    assert len(fast) == 4  # one per AlterField
    assert "default" not in fast[(label, "0003_step"), 0][3]


def test_a_model_import_continued_over_lines_is_w504(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        """\
        def forwards(apps, schema_editor):
            from {label}.models \\
                import Order
            Order.objects.update(total=1)

        operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
        """,
    )
    assert codes_after_fixing_label(label) == ["W504"]


def test_renames_that_keep_the_column_or_the_table_are_silent(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        """\
        operations = [
            migrations.CreateModel(
                name="Ledger",
                fields=[
                    ("id", models.BigAutoField(primary_key=True, serialize=False)),
                    ("ref", models.CharField(max_length=9, db_column="ref")),
                    ("order", models.ForeignKey("order", models.CASCADE, db_column="order_id")),
                    ("buyer", models.ForeignKey("auth.User", models.CASCADE)),
                ],
                options={"db_table": "ledger"},
            ),
        ]
        """,
        # db_column keeps each column's name: the renames are Python-only, no SQL runs
        'operations = [migrations.RenameField("ledger", "ref", "reference")]\n',
        'operations = [migrations.RenameField("ledger", "order", "purchase")]\n',
        # db_table keeps the table's name
        'operations = [migrations.RenameModel("Ledger", "Journal")]\n',
        # a foreign key's column is <name>_id: this one renames buyer_id to customer_id
        'operations = [migrations.RenameField("journal", "buyer", "customer")]\n',
        # Order has no db_table: its table is renamed
        'operations = [migrations.RenameModel("Order", "Purchase")]\n',
    )
    found = sorted((migration(m).split(".")[-1], m.msg.split(" in ")[0]) for m in of(label))
    assert found == [("0006_step", "RenameField"), ("0007_step", "RenameModel")]


def test_renaming_a_model_with_a_kept_table_but_a_many_to_many_is_w502(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        """\
        operations = [
            migrations.CreateModel(
                name="Ledger",
                fields=[
                    ("id", models.BigAutoField(primary_key=True, serialize=False)),
                    ("orders", models.ManyToManyField("order")),
                ],
                options={"db_table": "ledger"},
            ),
            migrations.AlterModelTable("order", "orders"),
        ]
        """,
        # the auto-created tables' columns are named after the models: ledger_id, order_id
        'operations = [migrations.RenameModel("Ledger", "Journal")]\n',
        'operations = [migrations.RenameModel("Order", "Purchase")]\n',
    )
    found = sorted((migration(m).split(".")[-1], m.msg.split(" in ")[0]) for m in of(label))
    assert found == [("0003_step", "RenameModel"), ("0004_step", "RenameModel")]


@pytest.mark.parametrize(
    ("imports", "use"),
    [
        ("from {label} import models as app_models", "app_models.Order"),
        ("from {label} import models", "models.Order"),
        ("import {label}.models", "{label}.models.Order"),
        ("import {label}.models as app_models", "app_models.Order"),
    ],
)
def test_a_model_reached_through_its_module_is_w504(
    make_app: MakeApp, imports: str, use: str
) -> None:
    label = migrated_app(
        make_app,
        f"""\
        def forwards(apps, schema_editor):
            {imports}
            for order in {use}.objects.all():
                order.save()

        operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
        """,
    )
    [w504] = [m for m in of_after_fixing_label(label) if m.id == ids.W504.id]
    assert w504.msg == (
        f"Data migration {label}.0002_step imports the model class {label}.models.Order directly."
    )
    assert w504.line == line_of(w504.file, ".objects.all()")


def test_a_models_module_used_for_other_names_or_apps_get_model_is_not_w504(
    make_app: MakeApp,
) -> None:
    label = migrated_app(
        make_app,
        """\
        from {label} import models as app_models

        import django.db.models


        def forwards(apps, schema_editor):
            Order = apps.get_model("{label}", "Order")
            Order.objects.filter(code=str(app_models.models.F)).update(total=1)
            assert issubclass(Order, django.db.models.Model)
            apps.get_model("auth", "User").objects.count()

        operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
        """,
    )
    assert of_after_fixing_label(label) == []


def of_after_fixing_label(label: str) -> list[GuardrailsMessage]:
    path = Path(apps.get_app_config(label).path) / "migrations" / "0002_step.py"
    path.write_text(path.read_text().replace("{label}", label))
    return of(label)


def test_index_operations_on_a_model_created_in_the_same_migration_are_silent(
    make_app: MakeApp,
) -> None:
    label = migrated_app(
        make_app,
        """\
        operations = [
            migrations.CreateModel(
                name="Line",
                fields=[
                    ("id", models.BigAutoField(primary_key=True, serialize=False)),
                    ("sku", models.CharField(max_length=9)),
                    ("size", models.CharField(max_length=9)),
                ],
            ),
            migrations.AlterUniqueTogether("line", {("sku", "size")}),
            migrations.AlterIndexTogether("line", {("size", "sku")}),
            migrations.AddIndex("line", models.Index(fields=["sku"], name="line_sku")),
            migrations.AddConstraint(
                "line", models.UniqueConstraint(fields=["size"], name="line_size")
            ),
            migrations.RemoveIndex("line", "line_sku"),
            migrations.RemoveConstraint("line", "line_size"),
            migrations.RenameModel("Line", "Row"),
            migrations.AlterUniqueTogether("row", {("size", "sku")}),
            migrations.AlterField("row", "sku", models.CharField(max_length=9, unique=True)),
            # the existing table is still judged
            migrations.AlterUniqueTogether("order", {("code", "total")}),
        ]
        """,
    )
    found = [(m.id, m.msg.split(" in ")[0], m.line) for m in of(label, on=POSTGRESQL)]
    path = Path(apps.get_app_config(label).path) / "migrations" / "0002_step.py"
    assert found == [
        (ids.I506.id, "AlterUniqueTogether", line_of(str(path), '"order", {("code"')),
    ]
