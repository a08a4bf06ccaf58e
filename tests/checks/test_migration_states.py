"""The 5xx checks judge each operation on its model as it was at that point of the migrations:
nothing on a model Django does not manage then (``managed = False``, a proxy), no NOT NULL for a
column the database fills or computes, and every finding names the state it was judged on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.migrations.history import read_history
from django_guardrails.checks.migrations.states import model_of
from tests.checks.scopes import POSTGRESQL
from tests.checks.test_migrations import migrated_app, migration, of

MakeApp = Callable[[str], Path]


def ticket(options: str) -> str:
    """A migration creating the model Ticket with ``options``."""
    return f"""\
        operations = [
            migrations.CreateModel(
                name="Ticket",
                fields=[
                    ("id", models.IntegerField(primary_key=True, serialize=False)),
                    ("title", models.CharField(max_length=80, null=True)),
                    ("owner", models.TextField(null=True)),
                ],
                options={options},
            ),
        ]
        """


# Every kind of operation 5xx judges, on Ticket, each in a migration after the one creating it.
ON_TICKET = (
    """\
    def forwards(apps, schema_editor):
        pass

    operations = [
        migrations.AddField("ticket", "reporter", models.TextField()),
        migrations.AddField("ticket", "milestone", models.TextField(null=True, db_index=True)),
        migrations.AlterField("ticket", "title", models.CharField(max_length=40)),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
    """,
    """\
    operations = [
        migrations.RenameField("ticket", "title", "summary"),
        migrations.RemoveField("ticket", "owner"),
        migrations.AddIndex("ticket", models.Index(fields=["summary"], name="ticket_summary")),
        migrations.AddConstraint(
            "ticket", models.UniqueConstraint(fields=["reporter"], name="ticket_reporter")
        ),
        migrations.AlterUniqueTogether("ticket", {("summary", "reporter")}),
    ]
    """,
    'operations = [migrations.RenameModel("Ticket", "Issue")]\n',
    'operations = [migrations.DeleteModel("Issue")]\n',
)


def found(label: str, on: frozenset[str] | None = None) -> list[tuple[str, str, str]]:
    """The findings on ``label``'s migrations; ``on`` the databases' vendors."""
    return sorted(
        (
            migration(m).split(".")[-1],
            str(m.id).removeprefix("guardrails."),
            "mixed" if m.id == ids.W501.id else m.msg.split(" in ")[0],
        )
        for m in of(label, on=on)
    )


def test_every_operation_on_a_managed_model_is_judged(make_app: MakeApp) -> None:
    label = migrated_app(make_app, ticket('{"db_table": "ticket"}'), *ON_TICKET)
    assert found(label, on=POSTGRESQL) == [
        ("0003_step", "I506", "AddField of the indexed 'milestone'"),
        ("0003_step", "W501", "mixed"),
        ("0003_step", "W502", "AddField of NOT NULL 'reporter' without db_default"),
        ("0003_step", "W502", "AlterField making 'title' NOT NULL"),
        ("0004_step", "I506", "AddConstraint of the unique 'ticket_reporter'"),
        ("0004_step", "I506", "AddIndex 'ticket_summary'"),
        ("0004_step", "I506", "AlterUniqueTogether"),
        ("0004_step", "W502", "RemoveField"),
        ("0004_step", "W502", "RenameField"),
        ("0006_step", "W502", "DeleteModel"),
        # RenameModel (0005) keeps Meta.db_table: no SQL, silent on a managed model too
    ]


def test_no_operation_on_an_unmanaged_model_is_judged(make_app: MakeApp) -> None:
    # Django runs none of them: sqlmigrate prints "-- (no-op)" for each.
    label = migrated_app(make_app, ticket('{"managed": False}'), *ON_TICKET)
    assert found(label, on=POSTGRESQL) == []


def test_the_model_is_judged_as_it_is_at_that_point_of_the_migrations(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        ticket('{"managed": False}'),
        'operations = [migrations.AddField("ticket", "reporter", models.TextField())]\n',
        # AlterModelOptions replaces every option it may alter: without "managed", the model
        # is managed again from here on (Django's own state does the same)
        'operations = [migrations.AlterModelOptions("ticket", {"verbose_name": "issue"})]\n',
        'operations = [migrations.AddField("ticket", "closed", models.BooleanField())]\n',
        'operations = [migrations.AlterModelOptions("ticket", {"managed": False})]\n',
        'operations = [migrations.RemoveField("ticket", "closed")]\n',
        'operations = [migrations.AlterModelOptions("ticket", {"managed": True})]\n',
        'operations = [migrations.RemoveField("ticket", "reporter")]\n',
    )
    messages = sorted(of(label), key=migration)
    assert [(migration(m), m.msg) for m in messages] == [
        (
            f"{label}.0005_step",
            f"AddField of NOT NULL 'closed' without db_default in {label}.0005_step breaks the "
            f"code still running during a deploy ({label}.Ticket, managed at this point).",
        ),
        (
            f"{label}.0009_step",
            f"RemoveField in {label}.0009_step breaks the code still running during a deploy "
            f"({label}.Ticket, managed at this point; 'reporter' was TextField()).",
        ),
    ]


def test_the_replayed_states_agree_with_django_s_own(make_app: MakeApp) -> None:
    """For every operation, the model is unmanaged where Django's rendered state says it cannot
    be migrated, and managed where it can."""
    label = migrated_app(
        make_app,
        ticket('{"managed": False}'),
        'operations = [migrations.AlterModelOptions("ticket", {"ordering": ["id"]})]\n',
        'operations = [migrations.AlterModelOptions("ticket", {"managed": False})]\n',
        'operations = [migrations.AlterField("ticket", "owner", models.TextField())]\n',
        """\
        operations = [
            migrations.CreateModel(
                name="Special", fields=[], options={"proxy": True}, bases=("{label}.order",)
            ),
            migrations.AlterModelOptions("special", {"proxy": True, "ordering": ["id"]}),
            migrations.AlterModelOptions("order", {"ordering": ["id"]}),
            migrations.RenameModel("Ticket", "Issue"),
            migrations.AlterField("issue", "owner", models.TextField(null=True)),
        ]
        """,
    )
    fix_labels(label)
    history = read_history([label], {})
    loader = MigrationLoader(None, ignore_no_migrations=True)
    migrated = []  # Django's answer for each operation on an existing model, and ours
    for node, step in history.selected:
        parents = [parent.key for parent in loader.graph.node_map[node].parents]
        state = loader.project_state(parents)
        for index, operation in enumerate(step.operations):
            name = model_of(operation)
            if (label, name) in state.models:
                model = state.apps.get_model(label, name)
                ours = history.models[(node, index)].unmanaged is None
                migrated.append((model._meta.can_migrate(connection), ours))
            operation.state_forwards(label, state)
    djangos = [django for django, _ in migrated]
    assert djangos == [False, True, False, False, True, False, False]
    assert [ours for _, ours in migrated] == djangos


def fix_labels(label: str) -> None:
    for path in (Path(apps.get_app_config(label).path) / "migrations").glob("0*.py"):
        path.write_text(path.read_text().replace("{label}", label))


def test_a_proxy_model_is_never_judged(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        """\
        operations = [
            migrations.CreateModel(
                name="Special", fields=[], options={"proxy": True}, bases=("{label}.order",)
            ),
        ]
        """,
        'operations = [migrations.RenameModel("Special", "Offer")]\n',
        'operations = [migrations.DeleteModel("Offer")]\n',
        'operations = [migrations.DeleteModel("Order")]\n',
    )
    fix_labels(label)
    assert found(label, on=POSTGRESQL) == [("0005_step", "W502", "DeleteModel")]


def test_a_data_migration_beside_operations_on_unmanaged_models_only_is_not_mixed(
    make_app: MakeApp,
) -> None:
    data = """\
        def forwards(apps, schema_editor):
            pass

        operations = [
            migrations.AddField("{model}", "note", models.TextField(null=True)),
            migrations.RunPython(forwards, migrations.RunPython.noop),
        ]
        """
    label = migrated_app(
        make_app,
        ticket('{"managed": False}'),
        data.format(model="ticket"),
        data.format(model="order"),
    )
    [w501] = of(label)
    assert w501.msg == (
        f"Migration {label}.0004_step mixes data operations with schema operations "
        f"(AddField on {label}.Order, managed at this point)."
    )


def test_columns_the_database_fills_or_computes_are_not_not_null_without_default(
    make_app: MakeApp,
) -> None:
    label = migrated_app(
        make_app,
        # a generated column is computed by the database and never NOT NULL
        'operations = [migrations.AddField("order", "doubled", models.GeneratedField('
        "expression=models.F('total') * 2, output_field=models.IntegerField(), "
        "db_persist=True))]\n",
        'operations = [migrations.AddField("order", "state", models.CharField(max_length=9, '
        'db_default="new"))]\n',
        # a ForeignObject has no column of its own: adding or removing it runs no SQL
        'operations = [migrations.AddField("order", "same", models.ForeignObject("order", '
        'models.CASCADE, from_fields=["total"], to_fields=["id"]))]\n',
        'operations = [migrations.RemoveField("order", "same")]\n',
        # a plain NOT NULL column without db_default is still W502
        'operations = [migrations.AddField("order", "ref", models.IntegerField(default=0))]\n',
    )
    assert found(label) == [
        ("0006_step", "W502", "AddField of NOT NULL 'ref' without db_default"),
    ]


def test_making_a_column_not_null_with_db_default_says_what_db_default_does(
    make_app: MakeApp,
) -> None:
    label = migrated_app(
        make_app,
        'operations = [migrations.AlterField("order", "code", models.CharField(max_length=40, '
        'db_default="-"))]\n',
        'operations = [migrations.AlterField("order", "total", models.IntegerField(null=True))]\n',
        'operations = [migrations.AlterField("order", "total", models.IntegerField())]\n',
    )
    with_default, without = sorted(of(label), key=migration)
    assert with_default.msg == (
        f"AlterField making 'code' NOT NULL in {label}.0002_step breaks the code still running "
        f"during a deploy ({label}.Order, managed at this point; 'code' was "
        "CharField(max_length=40, null=True))."
    )
    assert "db_default fills the rows that are NULL now" in str(with_default.hint)
    assert "db_default" not in str(without.hint)


def test_a_generated_field_altered_is_never_made_not_null(make_app: MakeApp) -> None:
    generated = (
        "models.GeneratedField(expression=models.F('total') * 2, "
        "output_field=models.IntegerField(), db_persist=True{})"
    )
    label = migrated_app(
        make_app,
        f'operations = [migrations.AddField("order", "doubled", {generated.format("")})]\n',
        'operations = [migrations.AlterField("order", "doubled", '
        f"{generated.format(', null=True')})]\n",
        f'operations = [migrations.AlterField("order", "doubled", {generated.format("")})]\n',
    )
    assert found(label) == []


def test_an_index_finding_names_the_model_it_was_judged_on(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        'operations = [migrations.AlterField("order", "code", models.CharField(max_length=40, '
        "null=True, unique=True))]\n",
    )
    [i506] = of(label, on=POSTGRESQL)
    assert i506.msg == (
        f"AlterField indexing 'code' in {label}.0002_step locks writes to the table while it runs "
        f"on PostgreSQL ({label}.Order, managed at this point; 'code' was "
        "CharField(max_length=40, null=True))."
    )


def test_past_an_operation_the_replay_cannot_run_the_model_is_judged_as_managed(
    make_app: MakeApp,
) -> None:
    label = migrated_app(
        make_app,
        """\
        class Unreplayable(migrations.operations.base.Operation):
            reversible = True

            def state_forwards(self, app_label, state):
                raise RuntimeError("needs a library this project no longer has")

            def database_forwards(self, app_label, schema_editor, from_state, to_state):
                pass

            def database_backwards(self, app_label, schema_editor, from_state, to_state):
                pass

        operations = [Unreplayable()]
        """,
        'operations = [migrations.RemoveField("order", "code")]\n',
    )
    [w502] = of(label)
    assert w502.msg == (
        f"RemoveField in {label}.0003_step breaks the code still running during a deploy "
        f"({label}.order, state not replayed: judged as managed)."
    )


def test_a_field_that_cannot_be_copied_is_judged_without_a_crash(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        """\
        class Opaque(models.TextField):
            def deconstruct(self):
                raise TypeError("needs its model")

        operations = [
            migrations.AddField("order", "blob", Opaque(null=True)),
            migrations.AddField("order", "note", Opaque()),
            migrations.AlterField("order", "blob", Opaque()),
        ]
        """,
    )
    assert [m.msg.split(" in ")[0] for m in of(label)] == [
        "AddField of NOT NULL 'note' without db_default",
        "AlterField making 'blob' NOT NULL",
    ]
    assert of(label)[1].msg.endswith("'blob' was Opaque(null=True)).")


def test_a_varchar_widened_to_text_is_silent_and_text_narrowed_to_varchar_fires(
    make_app: MakeApp,
) -> None:
    label = migrated_app(
        make_app,
        """\
        operations = [
            migrations.AddField("order", "slug", models.SlugField(null=True, db_index=False)),
            migrations.AddField("order", "email", models.EmailField(null=True)),
            migrations.AddField("order", "site", models.URLField(default="")),
        ]
        """,
        # every old value fits in text, and varchar to text rewrites no row on PostgreSQL
        """\
        operations = [
            migrations.AlterField("order", "code", models.TextField(null=True)),
            migrations.AlterField("order", "slug", models.TextField(null=True)),
            migrations.AlterField("order", "email", models.TextField(null=True)),
            migrations.AlterField("order", "site", models.TextField(default="")),
        ]
        """,
        # back to a bounded varchar: a long value written meanwhile no longer fits
        'operations = [migrations.AlterField("order", "code", models.CharField(max_length=40, '
        "null=True))]\n",
        # widening to text does not excuse making the column NOT NULL
        'operations = [migrations.AlterField("order", "email", models.TextField())]\n',
    )
    assert found(label, on=POSTGRESQL) == [
        ("0002_step", "W502", "AddField of NOT NULL 'site' without db_default"),
        (
            "0004_step",
            "W502",
            "AlterField changing the column type of 'code' (TextField to CharField)",
        ),
        ("0005_step", "W502", "AlterField making 'email' NOT NULL"),
    ]


def test_an_indexed_varchar_widened_to_text_rebuilds_its_like_index(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        'operations = [migrations.AlterField("order", "total", models.IntegerField(default=0, '
        "db_index=True))]\n",
        'operations = [migrations.AlterField("order", "code", models.TextField(null=True))]\n',
    )
    assert [m for m in found(label, on=POSTGRESQL) if m[0] == "0003_step"] == []
    indexed = migrated_app(
        make_app,
        'operations = [migrations.AddField("order", "slug", models.SlugField(null=True))]\n',
        'operations = [migrations.AlterField("order", "slug", models.TextField(null=True, '
        "db_index=True))]\n",
    )
    assert found(indexed, on=POSTGRESQL) == [
        ("0002_step", "I506", "AddField of the indexed 'slug'"),
        (
            "0003_step",
            "I506",
            "AlterField of the indexed 'slug' to TextField (its LIKE index is rebuilt)",
        ),
    ]


def test_the_state_shows_the_options_a_migration_would_write(make_app: MakeApp) -> None:
    label = migrated_app(
        make_app,
        """\
        operations = [
            migrations.AddField("order", "ref", models.UUIDField(null=True)),
            migrations.AddField("order", "big", models.CharField(max_length=40, null=True)),
        ]
        """,
        # UUIDField sets max_length=32 itself; deconstruct() leaves it out, so does the finding
        'operations = [migrations.RemoveField("order", "ref")]\n',
        'operations = [migrations.RemoveField("order", "big")]\n',
        # the type change names the classes, as the state does
        'operations = [migrations.AlterField("order", "id", models.AutoField(primary_key=True, '
        "serialize=False))]\n",
    )
    ref, big, key = (m.msg for m in sorted(of(label, ids.W502), key=migration))
    assert ref.endswith("; 'ref' was UUIDField(null=True)).")
    assert big.endswith("; 'big' was CharField(max_length=40, null=True)).")
    assert key.startswith("AlterField changing the column type of 'id' (BigAutoField to AutoField)")
    assert key.endswith("; 'id' was BigAutoField())."), key


def test_a_max_length_written_as_a_string_in_an_old_migration_is_read_as_its_number(
    make_app: MakeApp,
) -> None:
    """django-helpdesk's first migration says ``max_length="30"``; a later one says 30."""
    label = migrated_app(
        make_app,
        'operations = [migrations.AlterField("order", "code", models.CharField(max_length="40", '
        "null=True))]\n",
        'operations = [migrations.AlterField("order", "code", models.CharField(max_length=40, '
        "null=True))]\n",
        'operations = [migrations.AlterField("order", "code", models.CharField(max_length="20", '
        "null=True))]\n",
    )
    [shortened] = [m for m in of(label) if "shortening" in m.msg]  # and no crash on 0003
    assert "0004_step" in shortened.msg
    assert "(max_length 40 to 20)" in shortened.msg


def test_a_custom_field_that_reports_decimal_without_its_digits_is_still_judged(
    make_app: MakeApp,
) -> None:
    """A custom field may answer ``get_internal_type()`` with "DecimalField" and keep no
    ``max_digits``: the checks judge the change rather than crash on it."""
    label = migrated_app(
        make_app,
        """\
        class Money(models.Field):
            def get_internal_type(self):
                return "DecimalField"

        operations = [migrations.AddField("order", "price", Money(null=True))]
        """,
        'operations = [migrations.AlterField("order", "price", models.DecimalField('
        "max_digits=10, decimal_places=2, null=True))]\n",
    )
    found_ids = {str(m.id) for m in run_guardrail_checks([apps.get_app_config(label)])}
    assert ids.W002.id not in found_ids
    [changed] = of(label, ids.W502)
    assert "AlterField changing the column type of 'price'" in changed.msg
