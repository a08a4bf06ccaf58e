"""The fix of an N+1: the code to add (``fix``), the place it goes (``built_at``) and the hint
that says both, written for that place.

The place is the line that built the listed rows' queryset, or the generic view whose
``model``, ``queryset`` or ``get_queryset()`` Django built it from (``query.listing``). A hint is
a promise: tests apply each kind of ``fix`` at its place and see the N+1 gone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django_guardrails.project import display_path
from django_guardrails.query.listing import Place
from django_guardrails.query.relations import Relation


@dataclass(frozen=True, slots=True)
class Fix:
    hint: str
    code: str | None = None  # what to add to the queryset at ``place``: '.select_related("x")'
    place: Place | None = None

    @property
    def built_at(self) -> str | None:
        place = self.place
        return f"{display_path(place.file)}:{place.line}" if place is not None else None


def _at(place: Place | None, code: str, listed: str) -> str:
    """Where and how to apply ``code``, for that kind of place."""
    if place is None:
        return f"add {code} to the queryset that lists the {listed}s"
    where = f"in {display_path(place.file)}:{place.line} ({place.what})"
    if place.kind == "model":
        return f"{where} use queryset = {place.model}.objects{code}"
    if place.kind == "get_queryset":
        return f"{where} add {code} to the queryset it returns"
    return f"{where} add {code}"


def _code(relation: Relation, sql: str) -> tuple[str, str]:
    """(the code to add, what to read afterwards, if anything changes there)."""
    path, accessor = relation.full_path, relation.accessor
    if relation.subset is not None:
        reading = (
            f"; then read .{relation.to_attr} (a list) instead of .{accessor}{relation.subset}"
        )
        if sql.startswith("SELECT COUNT("):
            reading = f"; then count with len(...{relation.to_attr}) instead of .count()"
        return relation.call, reading
    if sql.startswith("SELECT COUNT("):
        name = f"{accessor}_count"
        return f'.annotate({name}=Count("{path}"))', f"; then read .{name} instead of .count()"
    if sql.startswith(("SELECT ? AS a FROM", "SELECT (?) AS a FROM", "SELECT 1 AS a FROM")):
        return relation.call, "; then test the prefetched rows instead of .exists()"
    return relation.call, ""


def relation_fix(relation: Relation, sql: str, where: str) -> Fix:
    loaded = f"{relation.model}.{relation.accessor} loaded once per row at {where}"
    if relation.converted_from is not None:
        return Fix(
            f"{loaded}: the rows are {relation.converted_from}s read as {relation.model} one "
            f"by one (by primary key, not through a relation), so no queryset of "
            f"{relation.converted_from}s can load {relation.accessor} for them. Read each row "
            f'through the relation Django follows (.select_related("{relation.full_path}") on '
            f"the {relation.converted_from}s, then row.{relation.full_path.split('__')[0]}), "
            "or on Wagtail call .specific() on the queryset and then "
            f'prefetch_related_objects(pages, "{relation.accessor}").',
            None,
            relation.place,
        )
    code, reading = _code(relation, sql)
    return Fix(
        f"{loaded}: {_at(relation.place, code, relation.listed)}{reading}.", code, relation.place
    )


def outside_fix(relation: Relation | None, package: str | None, count: int) -> Fix:
    """An N+1 that no project line or template ran: name the package, advise nothing."""
    owner = package or "a library"
    if relation is not None:
        what = f"{relation.model}.{relation.accessor} is loaded once per row by {owner}'s code"
    else:
        what = f"The same query ran {count} times from {owner}'s code"
    return Fix(
        f"{what}, with no line or template of the project on the stack: nothing in the "
        'project to change there. Accept it with GUARDRAILS["ALLOWLIST"] if it is noise.'
    )


def unknown_relation_fix(count: int, where: str) -> Fix:
    return Fix(
        f"The same query ran {count} times from {where}, once per row: load the rows in one "
        "query before the loop (select_related, prefetch_related, or __in)."
    )
