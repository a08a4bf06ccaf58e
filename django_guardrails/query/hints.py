"""The fix of an N+1: the code to add (``fix``), the place it goes (``built_at``) and the hint
that says both, written for that place.

The place is the line that built the listed rows' queryset, or the generic view whose
``model``, ``queryset`` or ``get_queryset()`` Django built it from (``query.listing``). A hint is
a promise: tests apply each kind of ``fix`` at its place and see the N+1 gone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from django_guardrails.project import display_path
from django_guardrails.query.chain_names import BACK
from django_guardrails.query.listing import Place
from django_guardrails.query.per_row import (
    back_lookup,
    fields_of,
    manager_read,
    per_row_code,
    unrow,
)
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
    if place is None:  # no queryset was followed to them: perhaps none lists them
        return (
            f"no queryset listing the {listed}s was found (each may be loaded on its own, one "
            f"query apiece): load them in one query and add {code} to it"
        )
    where = f"in {display_path(place.file)}:{place.line} ({place.what})"
    if place.kind == "model":
        if not code.startswith("."):  # a description, not code to chain: "a Prefetch"
            return f"{where} set queryset = {place.model}.objects with {code}"
        return f"{where} use queryset = {place.model}.objects{code}"
    if place.kind == "get_queryset":
        return f"{where} add {code} to the queryset it returns"
    return f"{where} add {code}"


def admin_selects(place: Place, paths: list[str]) -> str:
    """``list_select_related`` with what it holds now and every path the changelist needs."""
    selected = list(place.selected)
    selected += [path for path in paths if path not in selected]
    return "list_select_related = [" + ", ".join(f'"{path}"' for path in selected) + "]"


def _admin_at(place: Place, relation: Relation, selects: list[str] | None = None) -> str:
    """In a ModelAdmin: list_select_related for what joins, get_queryset for the rest (and in
    an inline, which has no list_select_related)."""
    where = f"in {display_path(place.file)}:{place.line} ({place.what})"
    if place.kind == "admin" and not relation.many and relation.subset is None:
        return f"{where} set {admin_selects(place, selects or [relation.lookup_path])}"
    if place.own_get_queryset:  # it has one already: the fix goes into what it returns
        admin = place.what.split(".")[0]
        at = f"in {display_path(place.file)}:{place.own_get_queryset} ({admin}.get_queryset)"
        return f"{at} add {relation.call} to the queryset it returns"
    return (
        f"{where} override get_queryset(self, request) to return "
        f"super().get_queryset(request){relation.call}"
    )


def relation_fix(
    relation: Relation, sql: str, context: str = "", admin_selects: list[str] | None = None
) -> Fix:
    """``context``: what the finding's place does not say, such as the signal receiver;
    ``admin_selects``: every path the same changelist needs in list_select_related."""
    loaded = f"{relation.model}.{relation.accessor} loaded once per row{context}"
    if relation.converted_from is not None:
        return _converted_fix(relation, loaded)
    if relation.iterable is not None and not relation.many and relation.subset is None:
        place = relation.place
        where = (
            f"in {display_path(place.file)}:{place.line} ({place.what}) "
            if place is not None
            else ""
        )
        return Fix(
            f"{loaded}: the listed rows are made by {relation.iterable} (as Wagtail's "
            f".specific() makes them), which ignores a plain select_related. {where}on recent "
            f'Wagtail add .select_related("{relation.lookup_path}", '
            "for_specific_subqueries=True); otherwise, once the rows are loaded, "
            f'prefetch_related_objects(rows_of_each_type, "{relation.full_path}") loads it '
            "in one query per type.",
            None,
            place,
        )
    code, reading = per_row_code(relation, sql)
    code = code or relation.call
    if relation.part is not None and relation.part.names.local:
        return _local_fix(relation, loaded, code, reading)
    if relation.subset is not None and not relation.subset_written:
        return Fix(
            f"{loaded}: {_at(relation.place, 'a Prefetch', relation.listed)}: "
            f'Prefetch("{relation.full_path}", queryset={relation.target or "Model"}.objects'
            f" with the same filter{relation.subset.replace('.filter(...)', '')}, "
            f'to_attr="{relation.to_attr}"){reading}.',
            None,
            relation.place,
        )
    place = relation.place
    if place is not None and place.kind in ("admin", "inline"):
        at = _admin_at(place, relation, admin_selects)
        if place.own_get_queryset and "get_queryset)" in at:  # the fix goes in there
            admin = place.what.split(".")[0]
            place = replace(place, line=place.own_get_queryset, what=f"{admin}.get_queryset")
        return Fix(f"{loaded}: {at}{reading}.", None, place)
    where_and_how = _at(place, code, relation.listed)
    return Fix(f"{loaded}: {where_and_how}{reading}.", code, place)


def _local_fix(relation: Relation, loaded: str, code: str, reading: str) -> Fix:
    """A per-row read whose code names what only its function binds. When that is the row,
    read for its fields only, the Prefetch compares with them through the relation (code);
    else the code is quoted, never given to paste (``code`` None): those names do not exist
    where the rows are listed."""
    assert relation.part is not None
    part = relation.part.names
    names = ", ".join(part.local)
    back = back_lookup(relation)
    if part.row_fields and back is not None and fields_of(relation.owner, part.row_fields):
        reading = unrow(reading, part.row)
        code = code.replace(BACK, back)
        compared = ", ".join(f"{part.row}.{field.replace('__', '.')}" for field in part.row_fields)
        return Fix(
            f"{loaded}: {_at(relation.place, code, relation.listed)}{reading}. The per-row "
            f"read filters by each row's own {compared}: the Prefetch reads "
            f"{'them' if len(part.row_fields) > 1 else 'it'} through the relation "
            f'(F("{back}__...")), for all the rows at once.',
            code,
            relation.place,
        )
    if part.per_row:
        compare = f'F("{back}__<field>") for the row\'s <field>' if back else "F() through it"
        read = unrow(manager_read(relation.accessor, relation.part.chain), part.row)
        prefetch = (
            f"a Prefetch whose queryset compares with each row's values through the relation "
            f"({compare}), or annotate the rows with a Subquery of OuterRef() instead"
        )
        return Fix(
            f"{loaded}: the per-row read {read} filters by the row itself ({names}), and one "
            f"Prefetch queryset serves all the rows, so it cannot be prefetched as written: "
            f"{_at(relation.place, prefetch, relation.listed)}.",
            None,
            relation.place,
        )
    many = len(part.local) > 1
    return Fix(
        f"{loaded}: {_at(relation.place, code, relation.listed)}{reading}. It names {names}, "
        f"bound where the per-row read is written, not where the rows are listed: give the "
        f"Prefetch the same value{'s' if many else ''} there (if "
        f"{'they change' if many else 'it changes'} from row to row, no single Prefetch "
        "serves the read).",
        None,
        relation.place,
    )


def _converted_fix(relation: Relation, loaded: str) -> Fix:
    parent = relation.converted_from.__name__ if relation.converted_from else "parent"
    link = relation.hops[0].accessor if relation.hops else relation.accessor
    return Fix(
        f"{loaded}: the rows are {parent}s read as {relation.model} one by one (by primary "
        f"key, not through a relation), so no queryset of {parent}s can load "
        f"{relation.accessor} for them. Read each row through the relation Django follows "
        f'(.select_related("{relation.lookup_path}") on the {parent}s, then row.{link}), '
        "or on Wagtail call .specific() on the queryset and then "
        f'prefetch_related_objects(pages, "{relation.accessor}").',
        None,
        relation.place,
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


def unknown_relation_fix(context: str = "", sql: str = "") -> Fix:
    """No relation names the repeat: the table it reads tells two such findings apart."""
    table = _FROM.search(sql)
    on = f" on {table.group(1)}" if table else ""
    return Fix(
        f"The same query{on} ran once per row{context}: load the rows in one query before the "
        "loop (select_related, prefetch_related, or __in)."
    )


_FROM = re.compile(r"\bFROM\s+([\w.]+)")
