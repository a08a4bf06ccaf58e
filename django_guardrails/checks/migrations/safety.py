"""Which migration operations hurt a running site, and the safe recipe for each.

W502: during a deploy the old code still runs against the new schema, so an operation that
removes, renames or tightens what the old code reads or writes breaks it. I506: on PostgreSQL,
building or dropping an index without CONCURRENTLY blocks writes to the table until it ends.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models
from django.db.models import NOT_PROVIDED

from django_guardrails.checks.migrations.history import RenamedModel

Harm = tuple[str, str]  # what the operation does, the recipe that avoids the harm

_RECIPES = {
    "RemoveField": "first deploy code that no longer reads or writes the field (make the "
    "field nullable or give it db_default= if inserts still omit it), then remove the column "
    "in a later release",
    "DeleteModel": "first deploy code that no longer uses the model, then delete the table in "
    "a later release",
    "RenameField": "add a field with the new name, write both, backfill, switch reads to the "
    "new one, then remove the old field in a later release (or keep the column with "
    "db_column= and rename only in Python)",
    "RenameModel": "keep the table (set Meta.db_table to the old name) and rename only in "
    "Python, or create the new table, write both, backfill, switch reads, then drop the old one "
    "in a later release",
    "AddField": "add the column with null=True or db_default=..., deploy, backfill, then make "
    "it NOT NULL in a later release",
    "null": "deploy code that never writes NULL, backfill the NULL rows, then make the column "
    "NOT NULL (on PostgreSQL: add a CHECK (col IS NOT NULL) NOT VALID constraint, VALIDATE it, "
    "then SET NOT NULL without a long lock)",
    "null with db_default": "db_default fills the rows that are NULL now, but code deployed "
    "before this migration still writes NULL (where it sets None, and wherever it leaves the "
    "field out unless the field already had db_default): first deploy code that never writes "
    "None, then make the column NOT NULL (on PostgreSQL: a CHECK (col IS NOT NULL) NOT VALID "
    "constraint, VALIDATE, then SET NOT NULL without a long lock)",
    "type": "add a column of the new type, write both, backfill, switch reads, then remove the "
    "old column in a later release; changing the type in place rewrites the table under lock",
}

# Column families: an AlterField between two members of one family keeps the column type.
_FAMILIES = {
    "AutoField": "IntegerField",
    "PositiveIntegerField": "IntegerField",
    "BigAutoField": "BigIntegerField",
    "PositiveBigIntegerField": "BigIntegerField",
    "SmallAutoField": "SmallIntegerField",
    "PositiveSmallIntegerField": "SmallIntegerField",
    "SlugField": "CharField",
    "FilePathField": "CharField",
    "FileField": "CharField",
    "ImageField": "CharField",
}


def breaking_change(operation: Any, before: Any) -> Harm | None:
    """W502: what ``operation`` breaks for code deployed before it, with the recipe."""
    kind = type(operation).__name__
    if isinstance(operation, migrations.RenameField | migrations.RenameModel) and _python_only(
        operation, before
    ):
        return None
    if (
        isinstance(operation, migrations.RemoveField)
        and isinstance(before, models.Field)
        and _without_column(before, operation.name)
    ):
        return None
    if isinstance(
        operation,
        migrations.RemoveField
        | migrations.DeleteModel
        | migrations.RenameField
        | migrations.RenameModel,
    ):
        return kind, _RECIPES[kind]
    if isinstance(operation, migrations.AddField) and _not_null_without_db_default(
        operation.field, operation.name
    ):
        return f"AddField of NOT NULL {operation.name!r} without db_default", _RECIPES[kind]
    if isinstance(operation, migrations.AlterField) and isinstance(before, models.Field):
        return _tightened(operation, before)
    return None


def _python_only(operation: migrations.RenameField | migrations.RenameModel, before: Any) -> bool:
    """A rename that keeps the column (``db_column``) or the table (``Meta.db_table``) runs no
    SQL: it is the recipe W502 recommends. Unknown state before it: not known to be safe."""
    if isinstance(operation, migrations.RenameModel):
        same_name = operation.old_name_lower == operation.new_name_lower
        return (
            isinstance(before, RenamedModel)
            and not before.in_many_to_many
            and (before.db_table is not None or same_name)
        )
    if not isinstance(before, models.Field) or before.many_to_many:
        return False
    old = _column(before, operation.old_name)
    return old is not None and old == _column(before, operation.new_name)


def _column(field: models.Field[Any, Any], name: str) -> str | None:
    """The column of ``field`` when it is called ``name`` (``<name>_id`` for a foreign key);
    None for a field without one, or one that cannot be copied to find out."""
    try:
        named = field.clone()
        named.set_attributes_from_name(name)
    except Exception:  # a custom field that cannot deconstruct outside its model
        return None
    column = named.column
    return column if isinstance(column, str) else None


def _without_column(field: models.Field[Any, Any], name: str) -> bool:
    """A field with no column of its own (``ForeignObject``, ``CompositePrimaryKey``): adding
    or removing it runs no SQL. Unknown (the field cannot be copied): False."""
    if field.many_to_many:
        return False
    try:
        named = field.clone()
        named.set_attributes_from_name(name)
    except Exception:
        return False
    return named.column is None


def _not_null_without_db_default(field: models.Field[Any, Any], name: str) -> bool:
    """Whether adding ``field`` adds a NOT NULL column the database fills for no row inserted
    without it. A GeneratedField's column is computed, never written, and never NOT NULL; a
    field with ``db_default`` has the database fill it; a ForeignObject or a
    CompositePrimaryKey has no column of its own."""
    if field.many_to_many or field.null or getattr(field, "generated", False):
        return False
    if getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
        return False
    return not _without_column(field, name)


def _tightened(operation: migrations.AlterField, before: models.Field[Any, Any]) -> Harm | None:
    after = operation.field
    if getattr(before, "generated", False) or getattr(after, "generated", False):
        # A generated column is never NOT NULL nor written; Django refuses to alter one into
        # or out of a GeneratedField (remove and re-add it, which W502 judges).
        return None
    if before.null and not after.null:
        has_db_default = getattr(after, "db_default", NOT_PROVIDED) is not NOT_PROVIDED
        recipe = _RECIPES["null with db_default" if has_db_default else "null"]
        return f"AlterField making {operation.name!r} NOT NULL", recipe
    if before.many_to_many or after.many_to_many:
        return None
    if _shortened(before, after):
        return (
            f"AlterField shortening {operation.name!r} (max_length {before.max_length} to "
            f"{after.max_length})",
            _RECIPES["type"],
        )
    if _column_shape(before) != _column_shape(after) and not _widened_to_text(before, after):
        return (
            f"AlterField changing the column type of {operation.name!r} "
            f"({_shape_text(before)} to {_shape_text(after)})",
            _RECIPES["type"],
        )
    return None


def _shape_text(field: models.Field[Any, Any]) -> str:
    """The field's class as the finding names it, with the options that make its type."""
    name = type(field).__name__
    if field.get_internal_type() == "DecimalField":
        digits, places = _digits(field)
        return f"{name}(max_digits={digits}, decimal_places={places})"
    return name


def _digits(field: models.Field[Any, Any]) -> tuple[Any, Any]:
    """A decimal column's ``max_digits`` and ``decimal_places``; a custom field that reports
    DecimalField may have neither (None)."""
    return getattr(field, "max_digits", None), getattr(field, "decimal_places", None)


def _widened_to_text(before: models.Field[Any, Any], after: models.Field[Any, Any]) -> bool:
    """A varchar column (CharField, SlugField, EmailField, URLField, FileField...) becoming
    unbounded text under the same collation: every old value still fits, the old code reads
    and writes strings as before, and on PostgreSQL varchar to text is binary coercible, so
    ALTER COLUMN ... TYPE text rewrites no row. The reverse can reject a long value."""
    if before.is_relation or after.is_relation:
        return False
    old_family = _FAMILIES.get(before.get_internal_type(), before.get_internal_type())
    return (
        old_family == "CharField"
        and after.get_internal_type() == "TextField"
        and getattr(before, "db_collation", None) == getattr(after, "db_collation", None)
    )


def _shortened(before: models.Field[Any, Any], after: models.Field[Any, Any]) -> bool:
    old, new = _max_length(before), _max_length(after)
    return old is not None and new is not None and new < old


def _max_length(field: models.Field[Any, Any]) -> int | None:
    """``max_length`` as a number. Old migrations may write it as a string (``"30"``), which
    Django's schema editor formats into the SQL all the same."""
    value = getattr(field, "max_length", None)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _column_shape(field: models.Field[Any, Any]) -> tuple[str, ...]:
    """What decides the column type, without asking a database backend."""
    internal = field.get_internal_type()
    if field.is_relation:
        return ("ForeignKey",)  # the target's key type; a change there is its own AlterField
    family = _FAMILIES.get(internal, internal)
    if family == "CharField":
        # Widening a varchar keeps the rows valid and is a catalog-only change on PostgreSQL.
        return (family,)
    if family == "DecimalField":
        digits, places = _digits(field)
        return (family, str(digits), str(places))
    return (family,)


def locking_index_change(operation: Any, before: Any) -> Harm | None:
    """I506: an index built or dropped in a way that blocks writes on PostgreSQL."""
    if type(operation).__name__.endswith("Concurrently"):
        return None
    concurrent = (
        "use django.contrib.postgres.operations.{} in a migration with atomic = False: it "
        "builds the index without blocking writes"
    )
    if isinstance(operation, migrations.AddIndex):
        return f"AddIndex {operation.index.name!r}", concurrent.format("AddIndexConcurrently")
    if isinstance(operation, migrations.RemoveIndex):
        return f"RemoveIndex {operation.name!r}", concurrent.format("RemoveIndexConcurrently")
    unique_by_index = (
        "create the unique index first with RunSQL('CREATE UNIQUE INDEX CONCURRENTLY ...') in "
        "a migration with atomic = False, then add the constraint USING INDEX, wrapped in "
        "SeparateDatabaseAndState so Django's state records the UniqueConstraint"
    )
    if isinstance(operation, migrations.AddConstraint) and isinstance(
        operation.constraint, models.UniqueConstraint
    ):
        return f"AddConstraint of the unique {operation.constraint.name!r}", unique_by_index
    if isinstance(operation, migrations.RemoveConstraint) and isinstance(
        before, models.UniqueConstraint
    ):
        return (
            f"RemoveConstraint of the unique {operation.name!r}",
            "drop it with RunSQL('DROP INDEX CONCURRENTLY ...') in a migration with atomic = "
            "False, wrapped in SeparateDatabaseAndState with the RemoveConstraint as its state "
            "operation",
        )
    if isinstance(operation, migrations.AlterUniqueTogether):
        return "AlterUniqueTogether", unique_by_index
    indexed_field = (
        "add the field with db_index=False (and unique=False), then build the index with "
        "AddIndexConcurrently (or a unique index as for a UniqueConstraint) in a migration "
        "with atomic = False"
    )
    if isinstance(operation, migrations.AddField) and _indexed(operation.field):
        return f"AddField of the indexed {operation.name!r}", indexed_field
    if (
        isinstance(operation, migrations.AlterField)
        and isinstance(before, models.Field)
        and _indexed(operation.field)
        and not _indexed(before)
    ):
        return f"AlterField indexing {operation.name!r}", indexed_field
    if (
        isinstance(operation, migrations.AlterField)
        and isinstance(before, models.Field)
        and _indexed(before)
        and _indexed(operation.field)
        and _widened_to_text(before, operation.field)
    ):
        # PostgreSQL's schema editor drops the varchar_pattern_ops "_like" index and builds a
        # text_pattern_ops one in its place, without CONCURRENTLY.
        return (
            f"AlterField of the indexed {operation.name!r} to TextField (its LIKE index is "
            "rebuilt)",
            "make the field unindexed first (db_index=False, no unique) in one migration, "
            "change it to TextField in the next, then build the index with "
            "AddIndexConcurrently in a migration with atomic = False",
        )
    return None


def _indexed(field: models.Field[Any, Any]) -> bool:
    return (
        not field.many_to_many
        and bool(getattr(field, "db_index", False) or field.unique)
        and not field.primary_key
    )
