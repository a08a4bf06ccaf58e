"""Which model relation a query loads, read from the Django frames that issued it, and where its
fix goes.

A lazy load runs inside a related descriptor's ``__get__`` (forward and reverse one-to-one,
generic foreign keys) or in a queryset that a related manager built, which carries the owning
instance as a hint (reverse foreign keys, many-to-many, ``.count()``/``.exists()``/``.filter()``
on them). From the instance whose relation was read, ``query.listing`` follows the rows back to
the queryset that listed them and the line that built it. Looked at once per repeated query
site, never per query.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from types import CodeType, FrameType
from typing import Any

from django.apps import apps
from django.db.models import ForeignObjectRel, Model, QuerySet
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ReverseOneToOneDescriptor,
)
from django.db.models.manager import BaseManager
from django.db.models.query_utils import DeferredAttribute
from django.template.defaulttags import ForNode

from django_guardrails.query.callsite import RENDER_ANNOTATED, is_project_code
from django_guardrails.query.code_ids import code_ids
from django_guardrails.query.eager import original_get
from django_guardrails.query.listing import Hop, Place, collect, find_listing
from django_guardrails.query.origins import is_built_note
from django_guardrails.query.rows import batch_origin, in_batch
from django_guardrails.query.subsets import Subset, subset_of


@dataclass(frozen=True, slots=True)
class Relation:
    model: str  # "Book"
    label: str  # "shop.Book.author"
    accessor: str  # "author"
    eager: str  # "select_related" or "prefetch_related", for the relation alone
    query_name: str = ""  # its lookup name, when not the accessor: "book" for "book_set"
    owner: type[Model] | None = None  # the model class whose relation it is
    target: str = ""  # the related model: "Author"
    hops: tuple[Hop, ...] = ()  # from the listed rows to the row it was read on
    root: str = ""  # the model of the rows being listed, when not ``model``: "Review"
    place: Place | None = None  # where the listed rows' queryset was built
    # The per-row query narrows the relation (".filter(live=True)", "[:3]") or reads it as
    # values: a plain prefetch does not serve it; a Prefetch with that queryset and to_attr
    # does, read as ``query.subsets.Subset`` says.
    part: Subset | None = None
    converted_from: type[Model] | None = None  # the rows are read as another model, one by one
    # The row it was read on came from a result of several rows (``query.rows``): an N+1
    # from the second read.
    batch: bool = False
    iterable: str | None = None  # the listed queryset's own row iterable (Wagtail's .specific())

    @property
    def subset(self) -> str | None:
        """The chain the per-row read narrows the relation with; "" for the whole relation
        read as values; None when a plain eager load serves it."""
        return self.part.chain if self.part is not None else None

    @property
    def subset_written(self) -> bool:  # as the code wrote it, else rebuilt from the query
        return self.part is None or self.part.written

    @property
    def subset_values(self) -> str:  # the values()/values_list() call it ended with
        return self.part.values if self.part is not None else ""

    @property
    def subset_grouped(self) -> bool:  # the values are grouped: computed in Python
        return self.part is not None and self.part.grouped

    @property
    def subset_fields(self) -> tuple[str, ...]:  # the values call's field names
        return self.part.fields if self.part is not None else ()

    @property
    def path(self) -> str:
        """The attribute path from the listed rows, when they are not the relation's owner."""
        if not self.hops:
            return ""
        return "__".join([*(hop.accessor for hop in self.hops), self.accessor])

    @property
    def full_path(self) -> str:
        return self.path or self.accessor

    @property
    def lookup_path(self) -> str:
        """The same path in lookup names, as select_related() and Count() take it."""
        return "__".join([*(hop.lookup for hop in self.hops), self.query_name or self.accessor])

    @property
    def many(self) -> bool:
        """A to-many step on the way: only prefetch_related follows it."""
        return self.eager == "prefetch_related" or any(hop.many for hop in self.hops)

    @property
    def call(self) -> str:
        """The code that loads the relation with the listed rows."""
        if self.subset:  # "": the whole relation, read as values: the plain prefetch
            target = self.target or "Model"
            chain = f".all(){self.subset}" if self.subset.startswith("[") else self.subset
            return (
                f'.prefetch_related(Prefetch("{self.full_path}", '
                f'queryset={target}.objects{chain}, to_attr="{self.to_attr}"))'
            )
        if self.many:
            return f'.prefetch_related("{self.full_path}")'
        return f'.select_related("{self.lookup_path}")'

    @property
    def to_attr(self) -> str:
        return f"prefetched_{self.accessor}"

    @property
    def listed(self) -> str:
        return self.root or self.model


def _own_code(cls: type, name: str) -> CodeType:
    function = vars(cls)[name]
    return getattr(function, "__wrapped__", function).__code__  # type: ignore[no-any-return]


_QUERYSET_CODES = code_ids(
    _own_code(QuerySet, name)
    for name in ("_fetch_all", "count", "exists", "aggregate", "_iterator", "get", "contains")
)
_DEFERRED = _own_code(DeferredAttribute, "__get__")


def _many_to_many_shortcuts() -> frozenset[int]:
    """The code of ``count()`` and ``exists()`` of Django's many-to-many managers, which are
    made per relation by one factory: one code object each."""
    from django.db.models.fields.related_descriptors import create_forward_many_to_many_manager

    try:
        manager = create_forward_many_to_many_manager(BaseManager, None, reverse=False)  # type: ignore[arg-type]
    except Exception:  # a Django that builds them otherwise: such counts stay unnamed
        return frozenset()
    return code_ids(
        vars(manager)[name].__code__ for name in ("count", "exists") if name in vars(manager)
    )


_MANAGER_SHORTCUTS = _many_to_many_shortcuts()


def _from_manager(manager: Any) -> tuple[Relation, Any] | None:
    instance = getattr(manager, "instance", None)
    accessor = getattr(manager, "prefetch_cache_name", None)
    if not isinstance(instance, Model) or not isinstance(accessor, str):
        return None
    relation = _relation(type(instance), accessor, "prefetch_related", manager.model)
    return relation, instance


# The descriptors' own code: guardrails wraps their __get__ to see which relations are read.
_FORWARD = original_get(ForwardManyToOneDescriptor).__code__
_REVERSE_ONE = original_get(ReverseOneToOneDescriptor).__code__
_FOR_LOOP = ForNode.render.__code__


@lru_cache(maxsize=1)
def _generic_fk_code() -> CodeType | None:
    if not apps.is_installed("django.contrib.contenttypes"):
        return None
    from django.contrib.contenttypes import fields

    # Django 6.1 moved __get__ from GenericForeignKey to a descriptor class.
    descriptor = getattr(fields, "GenericForeignKeyDescriptor", fields.GenericForeignKey)
    get = getattr(descriptor, "__get__", None)
    return get.__code__ if get is not None else None


def _relation(
    model: type[Model], accessor: str, eager: str, target: Any = None, name: str = ""
) -> Relation:
    return Relation(
        model.__name__,
        f"{model._meta.label}.{accessor}",
        accessor,
        eager,
        query_name=name if name and name != accessor else "",
        owner=model,
        target=target.__name__ if isinstance(target, type) else "",
    )


def _from_descriptor(code: CodeType, descriptor: Any) -> Relation | None:
    if code is _FORWARD:
        field = descriptor.field
        return _relation(field.model, field.name, "select_related", field.related_model)
    if code is _REVERSE_ONE:
        related = descriptor.related
        return _relation(
            related.model,
            related.get_accessor_name(),
            "select_related",
            related.related_model,
            related.name,
        )
    field = getattr(descriptor, "field", descriptor)  # a generic foreign key
    return _relation(field.model, field.name, "prefetch_related")


def relation_from_queryset(queryset: Any) -> Relation | None:
    """The relation a related manager's queryset reads for its ``instance`` hint, if any."""
    hints = getattr(queryset, "_hints", None) or {}
    instance = hints.get("instance")
    if not isinstance(instance, Model):
        return None
    owner = type(instance)
    candidates = [
        field
        for field in owner._meta.get_fields()
        if field.is_relation and field.related_model is queryset.model
    ]
    if len(candidates) > 1:  # a reverse foreign key's manager names its field
        known = set(getattr(queryset, "_known_related_objects", {}) or {})
        candidates = [c for c in candidates if getattr(c, "field", None) in known] or candidates
    if len(candidates) > 1:  # a self-referential many-to-many: the manager's own filter says
        candidates = _by_core_filter(queryset, candidates) or candidates
    if len(candidates) != 1:
        return None
    field = candidates[0]
    if isinstance(field, ForeignObjectRel):  # a reverse relation: named by its accessor
        accessor = field.get_accessor_name() or field.name
        eager = "select_related" if field.one_to_one else "prefetch_related"
        return _relation(owner, accessor, eager, queryset.model, field.name)
    eager = "select_related" if field.many_to_one or field.one_to_one else "prefetch_related"
    return _relation(owner, field.name, eager, queryset.model)


def _by_core_filter(queryset: Any, candidates: list[Any]) -> list[Any]:
    """Of a model's relations to itself, the one whose join the queryset filters on: the
    forward manager filters the through table's column of the source row (from_member_id),
    the reverse one that of the target (to_member_id)."""
    try:
        where = str(queryset.query).partition(" WHERE ")[2]
    except Exception:  # a query that cannot be shown: no way to tell them apart
        return []
    found = []
    for field in candidates:
        forward = field if not isinstance(field, ForeignObjectRel) else field.field
        if not getattr(forward, "many_to_many", False):
            continue
        column = (
            forward.m2m_column_name()
            if not isinstance(field, ForeignObjectRel)
            else forward.m2m_reverse_name()
        )
        table = forward.remote_field.through._meta.db_table
        if f"{table}.{column}" in where.replace('"', "").replace("`", ""):
            found.append(field)
    return found


def _lookups(node: Any) -> Any:
    for child in getattr(node, "children", ()):
        if hasattr(child, "children"):
            yield from _lookups(child)
        else:
            yield child


def generic_relation_from_queryset(queryset: Any) -> tuple[Relation, type[Model], Any] | None:
    """A GenericRelation's queryset (``article.tags.all()``), which names no row in its hints:
    the relation, the owner model and the row's pk, read off its content type and object id
    filters."""
    from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
    from django.contrib.contenttypes.models import ContentType

    model = getattr(queryset, "model", None)
    query = getattr(queryset, "query", None)
    if model is None or query is None:
        return None
    values = {}
    for lookup in _lookups(query.where):
        target = getattr(getattr(lookup, "lhs", None), "target", None)
        if target is not None and getattr(lookup, "lookup_name", "") == "exact":
            values[target.attname] = lookup.rhs
            values[target.name] = lookup.rhs
    for private in model._meta.private_fields:
        if not isinstance(private, GenericForeignKey):
            continue
        content_type = values.get(private.ct_field) or values.get(f"{private.ct_field}_id")
        object_id = values.get(private.fk_field)
        if content_type is None or object_id is None:
            continue
        content_type_id = getattr(content_type, "pk", content_type)
        owner = ContentType.objects.get_for_id(content_type_id).model_class()
        for field in owner._meta.private_fields if owner is not None else ():
            if isinstance(field, GenericRelation) and field.related_model is model:
                relation = _relation(owner, field.name, "prefetch_related", model)
                return relation, owner, object_id
    return None


def _project(code: CodeType) -> bool:
    return is_project_code(code)


def _generic(queryset: Any) -> tuple[Relation, Any] | None:
    """A GenericRelation's relation and its row: a stand-in with the row's pk when the row
    itself is not on the stack (the listing then looks for it by pk)."""
    found = generic_relation_from_queryset(queryset)
    if found is None:
        return None
    relation, owner, pk = found
    return relation, _RowByPk(owner, pk)


class _RowByPk:
    """A row known by its model and pk only, until the listing finds it among the stack's."""

    def __init__(self, model: type[Model], pk: Any) -> None:
        self.model, self.pk = model, pk


# (relation, its subset, the batch mark of the row read, whether it is a batch yet, where the
# query ran) -> the relation with its path and place. A row's batch mark says where its
# queryset was built: the same relation read at the same place on rows built at the same line
# has the same path and fix, so the stack is looked through once per process for it, not
# once per request (on a template-heavy page that look is most of the guard's cost). Not when
# the way to the listed rows passes rows a related manager fetched: one helper may loop one
# object's related rows, and elsewhere each of a list's (``Listing.stack_dependent``).
_known: dict[tuple[Any, ...], Relation] = {}
_MAX_KNOWN = 4096


def relation_of(frame: FrameType | None, where: Any = None) -> Relation | None:
    """The relation the query at ``frame`` loads, if a related descriptor or manager made it,
    with the path from the listed rows and the place that built them. ``where``: the query's
    place, which with the row's batch mark lets a known answer be reused."""
    generic = _generic_fk_code()
    generic_relations = generic is not None  # contenttypes installed
    found: tuple[Relation, Any] | None = None
    from_queryset: tuple[Relation, Any, Any] | None = None
    start = frame
    while frame is not None:
        code = frame.f_code
        if found is None and (
            code is _FORWARD or code is _REVERSE_ONE or (generic is not None and code is generic)
        ):
            local = frame.f_locals
            relation = _from_descriptor(code, local.get("self"))
            found = (relation, local.get("instance")) if relation is not None else None
        elif id(code) in _MANAGER_SHORTCUTS and found is None and from_queryset is None:
            # A many-to-many manager's count() and exists() query the through table straight.
            manager = frame.f_locals.get("self")
            found = _from_manager(manager)
        elif code is _DEFERRED and found is None:
            local = frame.f_locals
            found = _deferred(local.get("self"), local.get("instance"))
            from_queryset = None  # the refresh's own queryset names the same model: not it
        elif id(code) in _QUERYSET_CODES and from_queryset is None and found is None:
            queryset = frame.f_locals.get("self")
            relation = relation_from_queryset(queryset)
            if relation is not None:
                owner = getattr(queryset, "_hints", {}).get("instance")
                from_queryset = (relation, owner, queryset)
            elif generic_relations and (read := _generic(queryset)) is not None:
                from_queryset = (read[0], read[1], queryset)
        elif is_project_code(code) or code is RENDER_ANNOTATED:
            break
        frame = frame.f_back
    if found is not None:
        relation, instance = found
    elif from_queryset is not None:
        relation, instance, queryset = from_queryset
        subset = subset_of(queryset, relation.accessor, frame, start)
        if subset is not None:
            relation = replace(relation, part=subset)
    else:
        return None
    key: tuple[Any, ...] | None = None
    if where is not None and isinstance(instance, Model):
        mark = batch_origin(instance)
        if mark is not None and not is_built_note(mark):  # a quick no: see stack_dependent
            key = (
                relation.label,
                relation.part,
                mark,
                in_batch(instance),
                where,
            )
            known = _known.get(key)
            if known is not None:
                return known
    candidates = collect(start, _project, RENDER_ANNOTATED, _FOR_LOOP)
    if isinstance(instance, _RowByPk):
        instance = candidates.by_pk(instance.model, instance.pk)
    if not isinstance(instance, Model):
        return relation
    found_relation, stack_dependent = _with_listing(relation, instance, candidates)
    if key is not None and found_relation.place is not None and not stack_dependent:
        if len(_known) >= _MAX_KNOWN:
            _known.clear()
        _known[key] = found_relation
    return found_relation


def _with_listing(relation: Relation, instance: Model, candidates: Any) -> tuple[Relation, bool]:
    """``relation`` with the path from the listed rows to ``instance`` and their place; and
    whether that depends on the stack beyond the row's mark (``Listing.stack_dependent``)."""
    listing = find_listing(instance, candidates)
    hops = listing.hops
    converted = listing.converted_from
    if (
        converted is not None
        and relation.owner is not None
        and not issubclass(converted, relation.owner)
    ):  # a child's own field: reached from the parent through the child's link
        link = _child_link(instance, converted)
        hops = (Hop(link, False, link, converted), *hops)
    found = replace(
        relation,
        hops=hops,
        root=listing.root if hops or converted else "",
        place=listing.place,
        converted_from=converted,
        iterable=listing.iterable,
        batch=in_batch(instance),
    )
    return found, listing.stack_dependent


def _deferred(attribute: Any, instance: Any) -> tuple[Relation, Any] | None:
    """A field left out by .only() or .defer(), loaded for one row: read as a relation whose
    fix is to load the field with the rows."""
    field = getattr(attribute, "field", None)
    if field is None or not isinstance(instance, Model):
        return None
    model = type(instance)
    name = str(field.attname)
    label = f"{model._meta.label}.{name}"
    return Relation(model.__name__, label, name, "deferred", owner=model), instance


def _child_link(instance: Model, parent_model: type[Model]) -> str:
    """The accessor from a parent model to ``instance``'s class (multi-table inheritance)."""
    for parent, link in type(instance)._meta.parents.items():
        if parent is parent_model and link is not None and link.remote_field is not None:
            return str(link.remote_field.get_accessor_name())
    return type(instance).__name__.lower()
