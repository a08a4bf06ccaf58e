"""A per-row query that reads only part of a relation: ``category.products.order_by("-created")
[:3]``, ``self.person_relationships.filter(person__live=True)``. A slice alone
(``book.genre.all()[:3]``) is not a part: the plain prefetch serves it.

``prefetch_related("products")`` does not serve these: the filter, ordering or slice makes a
new query per row all the same. What does is a ``Prefetch`` with that queryset and ``to_attr``
(sliced ones since Django 4.2). This module says whether a related manager's queryset narrows
its relation, and how, in the code the project wrote: read from the line that ran it, else
rebuilt from the query (ordering and slice; a filter cannot be written back from SQL).
"""

from __future__ import annotations

import os
from types import FrameType
from typing import Any, NamedTuple

import django
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    NamedValuesListIterable,
    ValuesIterable,
)

from django_guardrails.project import is_under
from django_guardrails.query.callsite import RENDER_ANNOTATED, is_project_code
from django_guardrails.query.chain_names import ChainNames
from django_guardrails.query.origins import built_at
from django_guardrails.query.written_chains import Chain, reads_values, written_chain

# Django's, guardrails' and the standard library's code, which run between any query and
# the code that made it.
_ORM_AND_OWN = (
    os.path.dirname(os.path.abspath(django.__file__ or "")),
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    os.path.dirname(os.path.abspath(os.__file__)),
)


def _base_filters(queryset: Any, accessor: str) -> int | None:
    """How many filters the related manager itself puts on the queryset (its core filters)."""
    instance = (getattr(queryset, "_hints", None) or {}).get("instance")
    manager = getattr(type(instance), accessor, None) if instance is not None else None
    related = getattr(manager, "related_manager_cls", None)
    if related is None:
        return None
    try:
        plain = related(instance).get_queryset()
    except Exception:  # a manager that cannot be rebuilt here: say nothing
        return None
    return len(plain.query.where.children)


def narrows(queryset: Any, accessor: str) -> tuple[bool, bool, bool]:
    """(filtered, ordered, sliced) beyond what the relation itself selects."""
    query = getattr(queryset, "query", None)
    if query is None:
        return False, False, False
    base = _base_filters(queryset, accessor)
    filtered = base is not None and len(query.where.children) > base
    return filtered, bool(query.order_by), bool(query.is_sliced)


class Subset(NamedTuple):
    """What a per-row read of a related manager reads, when a plain prefetch does not serve it."""

    chain: str  # after the relation: ".filter(live=True)", "[:3]", "" for the whole relation
    written: bool  # as the code wrote it (else rebuilt from the query, a filter unknown)
    values: str  # the values()/values_list() call that ended it, with what followed it
    grouped: bool  # the values are grouped or distinct: computed from the rows in Python
    fields: tuple[str, ...] = ()  # the values call's field names ("person__name")
    names: ChainNames = ChainNames()  # what the written code names: pasteable or not


def subset_of(
    queryset: Any, accessor: str, frame: FrameType | None, start: FrameType | None = None
) -> Subset | None:
    """The per-row read of ``queryset``'s relation: its chain when it narrows the relation
    (``.filter(live=True)``, ``.order_by("-x")[:3]``), or the whole relation read as values
    (chain ``""``); None when it reads the whole relation as rows, which a plain prefetch
    serves. ``frame`` is the project frame or template node the query was read from,
    ``start`` the query's own frame."""
    filtered, ordered, sliced = narrows(queryset, accessor)
    places = [built_at(queryset)]
    if frame is not None and is_project_code(frame.f_code):
        places.append((frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
    if not (filtered or ordered):
        # Whole, or only sliced (``.all()[:3]``): a plain prefetch serves it, since a slice of
        # a prefetched queryset is taken from its rows, with no code to change; but not a
        # values() read of it, a new query per row all the same: the rows are read instead.
        values = _values_read(queryset)
        if values is None:
            return None
        for place in places:
            written = written_chain(place[0], place[1], accessor) if place is not None else None
            if written is not None and written.values:
                return _from_written(written)
        # Read elsewhere: a project helper or template that reads the queryset's values, as
        # Django holds them. Not a library's own values read (Wagtail's specific() reads
        # "pk" and "content_type"): the project line then reads no values.
        if frame is None or not (
            # A template iterating a project's values queryset, with no library's code
            # (a template filter's own values read) between it and the query.
            (frame.f_code is RENDER_ANNOTATED and not _library_between(start, frame))
            or (
                is_project_code(frame.f_code)
                and reads_values(frame.f_code.co_filename, frame.f_lineno)
            )
        ):
            return None
        fields = tuple(str(field) for field in getattr(queryset, "_fields", None) or ())
        return Subset(_rebuilt_chain(queryset, False), True, values, _groups(queryset), fields)
    for place in places:
        written = written_chain(place[0], place[1], accessor) if place is not None else None
        # A values call alone may narrow (dates() filters out nulls and orders): the rows.
        if written is not None and (written.chain or written.values):
            return _from_written(written)
    return Subset(_rebuilt_chain(queryset, filtered), not filtered, "", False)


_GROUPING = (".annotate(", ".distinct(", ".aggregate(")


def _from_written(written: Chain) -> Subset:
    chain, values, rest, fields, index_at, names = written
    grouped = (
        values.startswith((".dates(", ".datetimes("))  # distinct by construction
        or ".distinct(" in chain
        or any(call in rest for call in _GROUPING)
    )
    if not grouped:
        # A filter, ordering or slice after values() narrows the rows alike; an index
        # ("[0]") takes one value, which the rows give as well: it and what follows stay out.
        cut = index_at if index_at >= 0 else len(rest)
        return Subset(chain + rest[:cut], True, values + rest[cut:], False, fields, names)
    return Subset(chain, True, values + rest, grouped, fields, names)


def _library_between(start: FrameType | None, end: FrameType) -> bool:
    """Whether a frame of code that is neither the project's, Django's nor guardrails' runs
    between the query's frame ``start`` and ``end``."""
    frame = start
    while frame is not None and frame is not end:
        code = frame.f_code
        if not is_project_code(code) and not is_under(code.co_filename, _ORM_AND_OWN):
            return True
        frame = frame.f_back
    return False


def _groups(queryset: Any) -> bool:
    """Whether the values of ``queryset`` are distinct or grouped by less than a row (an
    aggregate before values() groups by every column, the primary key among them)."""
    query = queryset.query
    if query.distinct:
        return True
    group_by = query.group_by
    if not isinstance(group_by, tuple):
        return False
    return not any(getattr(getattr(e, "target", None), "primary_key", False) for e in group_by)


def _values_read(queryset: Any) -> str | None:
    """The ``.values(...)``/``.values_list(...)`` call that ``queryset`` reads with, as Django
    holds it; None when it reads model rows."""
    fields = getattr(queryset, "_fields", None)
    iterable = getattr(queryset, "_iterable_class", ModelIterable)
    if fields is None and (not isinstance(iterable, type) or issubclass(iterable, ModelIterable)):
        return None
    arguments = [f'"{field}"' for field in fields or ()]
    if isinstance(iterable, type) and issubclass(iterable, ValuesIterable):
        return f".values({', '.join(arguments)})"
    if iterable is FlatValuesListIterable:
        arguments.append("flat=True")
    elif iterable is NamedValuesListIterable:
        arguments.append("named=True")
    return f".values_list({', '.join(arguments)})"


def _rebuilt_chain(queryset: Any, filtered: bool) -> str:
    query = queryset.query
    text = ".filter(...)" if filtered else ""
    if query.order_by:
        text += ".order_by(" + ", ".join(f'"{field}"' for field in query.order_by) + ")"
    if query.is_sliced:
        low = query.low_mark or ""
        high = query.high_mark if query.high_mark is not None else ""
        text += f"[{low}:{high}]"
    return text
