"""Where an N+1's fix goes: the queryset whose rows the loop reads, and the line that built it.

Looked at once per N+1 site, from the objects alive on the stack when its second query runs:
the project frames' local variables, the template contexts being rendered (a generic view's
``object_list``, ``page_obj`` and ``view``), and the sequences ``{% for %}`` iterates. From the
row whose relation was read, the path back to the listed rows is followed through Django's own
caches (a ``select_related`` or lazily loaded parent, a prefetched or related-manager list), so
``{{ comment.author }}`` whose ``__str__`` reads ``self.user`` is fixed on the comments, with
``select_related("author__user")``. The listed rows are found by identity in the result cache of
a queryset on the stack; the queryset's origin (``query.origins``) is the line to fix, and a
generic view's ``model``, ``queryset`` or ``get_queryset()`` is when Django built it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.core.paginator import Page
from django.db.models import ForeignObjectRel, Model, QuerySet
from django.db.models.query import ModelIterable
from django.utils.functional import LazyObject, empty
from django.views.generic.base import View

from django_guardrails.query.origins import built_at, is_built_note, origin_of, resolve_note

_MAX_ROWS = 2000  # rows of one queryset looked through for the row being read
_MAX_HOPS = 5


@dataclass(frozen=True, slots=True)
class Place:
    """A line the fix goes at, and what is written there."""

    file: str
    line: int
    what: str  # 'Invoice.objects.order_by("number")', "InvoiceList.model = Invoice", ...
    kind: str  # "queryset", "model", "queryset_attribute", "get_queryset", "admin", "inline"
    model: str  # the listed rows' model: "Invoice"
    selected: tuple[str, ...] = ()  # an admin's list_select_related as it is now
    own_get_queryset: int = 0  # the line of an admin's own get_queryset(), if it has one


@dataclass(frozen=True, slots=True)
class Hop:
    accessor: str  # the attribute: "book_set", what prefetch_related follows
    many: bool  # a to-many relation: the path needs prefetch_related
    query_name: str = ""  # the lookup: "book", what select_related and Count() follow
    owner: type[Model] | None = None  # the model the relation is read from

    @property
    def lookup(self) -> str:
        return self.query_name or self.accessor


def query_name(model: type[Model], accessor: str) -> str:
    """The lookup name of the relation ``model.<accessor>``: a reverse foreign key's accessor
    is ``book_set``, its lookup ``book``."""
    for field in model._meta.get_fields():
        if not field.is_relation:
            continue
        if isinstance(field, ForeignObjectRel):
            if field.get_accessor_name() == accessor:
                return str(field.name)
        elif field.name == accessor:
            return str(field.name)
    return accessor


@dataclass(frozen=True, slots=True)
class Listing:
    """The listed rows an N+1 loops over, as far as they were found."""

    hops: tuple[Hop, ...]  # from the listed rows to the row whose relation was read
    root: str  # the listed rows' model: "Comment"
    place: Place | None
    # The rows are of a parent model, read as a child one by one (Wagtail's ``.specific``,
    # a multi-table child fetched by pk): no select_related on the listed queryset reaches it.
    converted_from: type[Model] | None = None
    # The listed queryset makes its rows with its own iterable (Wagtail's SpecificIterable),
    # which does not apply select_related: its name.
    iterable: str | None = None
    # The climb met rows a related manager fetched: whether they or their parent are the
    # listed ones depends on the stack (one object, or one of a list), so it is not reused.
    stack_dependent: bool = False


class Candidates:
    """The objects on the stack that may hold the listed rows."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.views: list[Any] = []
        self._seen: set[int] = set()

    def add(self, value: Any) -> None:
        if isinstance(value, LazyObject):  # request.user: the row it wraps, once evaluated
            value = value._wrapped
            if value is empty:
                return
        if id(value) in self._seen:
            return
        self._seen.add(id(value))
        if isinstance(value, Page):
            self.add(value.object_list)
            return
        self.values.append(value)
        if _is_view(value):
            self.views.append(value)

    def add_all(self, values: Iterable[Any]) -> None:
        for value in values:
            self.add(value)

    def querysets(self) -> Iterator[QuerySet[Any]]:
        for value in self.values:
            if isinstance(value, QuerySet):
                yield value

    def containers(self) -> Iterator[Any]:
        """Querysets with their rows fetched, and lists of model instances."""
        for value in self.values:
            if isinstance(value, QuerySet):
                if value._result_cache is not None:
                    yield value
            elif isinstance(value, list | tuple) and value and isinstance(value[0], Model):
                yield value

    def by_pk(self, model: type[Model], pk: Any) -> Model | None:
        """The row of ``model`` with this pk among the stack's, if there is one."""
        return next((row for row in self.instances() if type(row) is model and row.pk == pk), None)

    def instances(self) -> Iterator[Model]:
        for value in self.values:
            if isinstance(value, Model):
                yield value
        for container in self.containers():
            yield from _rows(container)


def _is_view(value: Any) -> bool:
    return isinstance(value, View)


def _rows(container: Any) -> list[Any]:
    rows = container._result_cache if isinstance(container, QuerySet) else container
    return list(rows[:_MAX_ROWS]) if rows else []


def _holds(container: Any, row: Model) -> bool:
    return any(candidate is row for candidate in _rows(container))


def _parent(row: Model, candidates: Candidates, seen: set[int]) -> tuple[Model, Hop] | None:
    """A row of the stack that holds ``row`` through a relation, and that relation; never one
    already on the path (``seen``): an author's books' author is the author again."""
    for value in candidates.instances():
        if id(value) in seen:
            continue
        owner = type(value)
        for name, cached in value._state.fields_cache.items():
            if cached is row:
                return value, Hop(name, False, query_name(owner, name), owner)
        prefetched = getattr(value, "_prefetched_objects_cache", None) or {}
        for name, related in prefetched.items():
            if isinstance(related, QuerySet) and _holds(related, row):
                return value, Hop(name, True, query_name(owner, name), owner)
    for queryset in candidates.querysets():
        holder = (getattr(queryset, "_hints", None) or {}).get("instance")
        if (
            isinstance(holder, Model)
            and id(holder) not in seen
            and queryset._result_cache
            and _holds(queryset, row)
        ):
            accessor = _related_accessor(holder, queryset)
            if accessor is not None:
                owner = type(holder)
                return holder, Hop(accessor, True, query_name(owner, accessor), owner)
    return None


def _siblings(row: Model, candidates: Candidates) -> list[Any]:
    """The other rows of the related manager's list that holds ``row``."""
    for queryset in candidates.querysets():
        if "instance" in queryset._hints and queryset._result_cache and _holds(queryset, row):  # type: ignore[attr-defined]
            return _rows(queryset)
    return []


def _reverse_parent(row: Model, candidates: Candidates, seen: set[int]) -> tuple[Model, Hop] | None:
    """For a row no list on the stack holds (``for p in category.products.all()`` keeps its
    list in the loop alone): the listed row it points back to, as Django caches it for rows
    read through a related manager, and the manager's accessor."""
    listed = {id(value) for value in candidates.instances()}
    for name, cached in row._state.fields_cache.items():
        if not isinstance(cached, Model) or id(cached) in seen or id(cached) not in listed:
            continue
        try:
            field = type(row)._meta.get_field(name)
        except Exception:  # a cache of something else than a field: not a way back
            continue
        remote = getattr(field, "remote_field", None)
        if remote is None or not field.many_to_one:
            continue
        accessor = remote.get_accessor_name()
        if accessor:
            return cached, Hop(str(accessor), True, str(remote.name), type(cached))
    return None


def _related_accessor(owner: Model, queryset: QuerySet[Any]) -> str | None:
    from django_guardrails.query.relations import relation_from_queryset

    relation = relation_from_queryset(queryset)
    return relation.accessor if relation is not None and relation.owner is type(owner) else None


def _container(row: Model, candidates: Candidates) -> Any:
    """The queryset whose rows hold ``row``; a list of them only when no queryset does."""
    fallback = None
    for container in candidates.containers():
        if _holds(container, row):
            if isinstance(container, QuerySet):
                return container
            fallback = fallback or container
    return fallback


def _converted(row: Model, candidates: Candidates) -> tuple[Any, type[Model]] | None:
    """Rows of a parent model of ``row``'s, one with its pk: ``row`` was made from it one by
    one (multi-table inheritance, Wagtail's ``page.specific``). The queryset, else the list."""
    parents = type(row)._meta.get_parent_list()
    found = None
    for container in candidates.containers():
        rows = _rows(container)
        model = type(rows[0]) if rows else None
        if model not in parents:
            continue
        if any(getattr(other, "pk", None) == row.pk for other in rows):
            if isinstance(container, QuerySet):
                return container, container.model
            found = found or (container, model)
    return found


def find_listing(row: Model, candidates: Candidates) -> Listing:
    """From the row whose relation an N+1 reads, back to the listed rows and their place."""
    from django_guardrails.query.rows import batch_origin

    hops: list[Hop] = []
    current = row
    seen = {id(row)}
    stack_dependent = False
    for _ in range(_MAX_HOPS):
        stack_dependent = stack_dependent or is_built_note(batch_origin(current))
        found = _parent(current, candidates, seen)
        if found is None and _container(current, candidates) is None:
            found = _reverse_parent(current, candidates, seen)
        if found is None:
            break
        parent, hop = found
        if hop.many and not _listed(parent, candidates) and _built_in_project(current, candidates):
            # One object's related rows, built by project code (``request.user.memberships
            # .order_by(...)`` in a view): that queryset is where the fix goes, not a list of
            # parents that does not exist. (Built in a template, the fix goes where the one
            # object was fetched: a detail view's queryset.)
            break
        if hop.many:  # came down from ``parent`` through a list: its rows are not parents
            related = getattr(parent, "_prefetched_objects_cache", {}).get(hop.accessor)
            for sibling in (
                _rows(related) if related is not None else _siblings(current, candidates)
            ):
                seen.add(id(sibling))
        current = parent
        seen.add(id(current))
        hops.insert(0, hop)
    container = _container(current, candidates)
    converted_from: type[Model] | None = None
    if container is None:
        converted = _converted(current, candidates)
        if converted is not None:
            container, converted_from = converted
    model = (converted_from or type(current)).__name__
    iterable = None
    place = None
    if isinstance(container, QuerySet):
        place = _queryset_place(container, model)
        if container._iterable_class is not ModelIterable:
            iterable = container._iterable_class.__name__
    if place is None:  # a loop the stack does not show (a comprehension): the row says
        place = _row_place(current, model)
    if place is None:
        place = _view_place(candidates, model) or _admin_place(candidates, model, current)
    stack_dependent = stack_dependent or is_built_note(batch_origin(current))
    return Listing(
        tuple(hops), type(current).__name__, place, converted_from, iterable, stack_dependent
    )


def _listed(row: Model, candidates: Candidates) -> bool:
    """Whether ``row`` is one of several listed rows, not a single object."""
    from django_guardrails.query.rows import in_batch

    return in_batch(row) or _container(row, candidates) is not None


def _built_in_project(row: Model, candidates: Candidates) -> bool:
    container = _container(row, candidates)
    if isinstance(container, QuerySet):
        return origin_of(container) is not None or built_at(container) is not None
    # A list held by the loop alone (``for book in instance.books.all()``): the rows say.
    from django_guardrails.query.rows import batch_origin

    return container is None and resolve_note(batch_origin(row)) is not None


def _queryset_place(queryset: QuerySet[Any], model: str) -> Place | None:
    # A related manager's queryset (``author.books.filter(...)``) is noted where it was built.
    return _origin_place(origin_of(queryset) or built_at(queryset), model)


def _row_place(row: Model, model: str) -> Place | None:
    from django_guardrails.query.rows import batch_origin

    return _origin_place(resolve_note(batch_origin(row)), model)


def _origin_place(origin: tuple[str, int, str] | None, model: str) -> Place | None:
    if origin is None:
        return None
    file, line, _ = origin
    return Place(file, line, statement_text(file, line), "queryset", model)


_TIDY = (
    (re.compile(r"([(\[]) "), r"\1"),
    (re.compile(r" ?,? ?([)\]])"), r"\1"),
)


@lru_cache(maxsize=1024)
def repeats_in_its_function(file: str, line: int) -> bool:
    """Whether ``line`` may run several times in one call of its function: it is inside a
    ``for`` or ``while`` loop, or a comprehension (or no source says it is not)."""
    import ast

    from django_guardrails.source.index import SOURCE

    source = SOURCE.module(file)
    if source is None or source.tree is None:
        return True
    loops = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp)
    for node in ast.walk(source.tree):
        if isinstance(node, (*loops, ast.GeneratorExp)) and (
            node.lineno <= line <= (node.end_lineno or node.lineno)
        ):
            return True
    return False


@lru_cache(maxsize=1024)
def leaves_early_after(file: str, line: int) -> bool:
    """Whether the function around ``line`` may return or raise from inside an ``if`` below
    it (``if request.user.is_superuser: return ...``): a request that left there did not get
    to the code after, which may read what the line loaded. Also when ``line`` returns the
    queryset (``get_queryset()``, a selector): its caller may leave early alike."""
    import ast

    from django_guardrails.source.index import SOURCE

    source = SOURCE.module(file)
    if source is None or source.tree is None:
        return False
    functions = [
        node
        for node in ast.walk(source.tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]
    if not functions:
        return False
    function = min(functions, key=lambda node: (node.end_lineno or 0) - node.lineno)
    returned = {
        root
        for node in ast.walk(function)
        if isinstance(node, ast.Return) and (root := _returned_name(node.value)) is not None
    }
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and node.lineno <= line <= (node.end_lineno or line):
            return True  # returned to its caller (get_queryset()), whose code is not read here
        if (
            isinstance(node, (ast.Assign, ast.AnnAssign))
            and node.lineno <= line <= (node.end_lineno or line)
            and any(
                isinstance(target, ast.Name) and target.id in returned
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            )
        ):
            return True  # ``queryset = ...`` that the function returns later
        if isinstance(node, ast.If) and node.lineno > line:
            exits = (ast.Return, ast.Raise)
            if any(
                isinstance(inner, exits)
                for part in node.body + node.orelse
                for inner in ast.walk(part)
            ):
                return True
    return False


def _returned_name(value: Any) -> str | None:
    """``qs`` of ``return qs`` or ``return qs.filter(...)[:10]``: the name whose queryset is
    handed to the caller; None for a value computed from it (``[b.title for b in qs]``)."""
    import ast

    while isinstance(value, (ast.Call, ast.Attribute, ast.Subscript)):
        value = value.func if isinstance(value, ast.Call) else value.value
    return value.id if isinstance(value, ast.Name) else None


def statement_text(file: str, line: int, limit: int = 90) -> str:
    """The statement at ``line`` as written, comments left out, on one line, shortened.

    Kept per line for the process: runserver restarts when a source file changes."""
    import ast

    from django_guardrails.source.index import SOURCE

    source, text = SOURCE.module(file), SOURCE.text(file) or ""
    best: ast.stmt | None = None
    for statement in source.statements() if source is not None else ():
        end = statement.end_lineno or statement.lineno
        if statement.lineno <= line <= end and (
            best is None or end - statement.lineno < (best.end_lineno or 0) - best.lineno
        ):
            best = statement
    written = None
    if best is not None and not hasattr(best, "body"):  # a simple statement, as written
        written = ast.get_source_segment(text, best)
    if written is None:  # a loop's or with's header: that line, without its comment or colon
        written = _without_comment(SOURCE.line_text(file, line)).rstrip().removesuffix(":")
    shown = " ".join(written.split())
    for pattern, replacement in _TIDY:  # a statement over several lines, folded onto one
        shown = pattern.sub(replacement, shown)
    if len(shown) <= limit:
        return shown
    cut = shown[: limit - 3]
    cut = cut[: max(cut.rfind(" "), cut.rfind("("), cut.rfind(","), limit // 2)]
    return cut.rstrip(" ,") + "..."


def _view_place(candidates: Candidates, model: str) -> Place | None:
    """A generic view that built the listed rows: its ``get_queryset``, ``queryset`` or
    ``model`` line, in the project class that sets it."""
    from django.views.generic.detail import SingleObjectMixin
    from django.views.generic.list import MultipleObjectMixin

    from django_guardrails.project import is_under, library_roots
    from django_guardrails.source.class_facts import class_facts
    from django_guardrails.source.index import SOURCE

    for view in candidates.views:
        if not isinstance(view, MultipleObjectMixin | SingleObjectMixin):
            continue
        shown = getattr(getattr(view, "model", None), "__name__", None) or model
        for klass in type(view).__mro__:
            if klass.__module__.startswith("django."):
                break
            file, facts = class_facts(SOURCE, klass)
            if file is not None and is_under(file, library_roots()):
                break  # a library's view (Wagtail's snippet index): not the project's to change
            if file is None or facts is None:
                continue
            members = facts["members"]
            name = klass.__name__
            for member, kind, what in (
                ("get_queryset", "get_queryset", f"{name}.get_queryset()"),
                ("queryset", "queryset_attribute", f"{name}.queryset"),
                ("model", "model", f"{name}.model = {shown}"),
            ):
                if member in members:
                    return Place(file, int(members[member]), what, kind, shown)
    return None


def _admin_place(candidates: Candidates, model: str, root: Model | None = None) -> Place | None:
    """The ModelAdmin (or inline) whose changelist or formset lists the rows: the admin's
    ``cl`` or ``inline_admin_formset`` in its template context."""
    from django.contrib.admin.helpers import InlineAdminFormSet
    from django.contrib.admin.views.main import ChangeList

    for value in candidates.values:
        if isinstance(value, InlineAdminFormSet) and root is not None:
            forms = getattr(value.formset, "forms", ())
            if any(getattr(form, "instance", None) is root for form in forms):
                return _admin_class_place(type(value.opts), model, "inline")
    for value in candidates.values:
        if isinstance(value, ChangeList):
            return _admin_class_place(type(value.model_admin), model)
    return None


def _admin_class_place(admin: type, model: str, kind: str = "admin") -> Place | None:
    from django_guardrails.project import is_under, library_roots
    from django_guardrails.source.class_facts import class_facts
    from django_guardrails.source.index import SOURCE

    file, facts = class_facts(SOURCE, admin)
    if file is None or facts is None or is_under(file, library_roots()):
        return None  # an admin of a library: nothing of the project's to change
    members = facts["members"]
    existing = getattr(admin, "list_select_related", False)
    selected = tuple(existing) if isinstance(existing, list | tuple) else ()
    own = int(members.get("get_queryset", 0))
    for member in ("list_select_related", "get_queryset") if kind == "admin" else ("get_queryset",):
        if member in members:
            what = f"{admin.__name__}.{member}"
            return Place(file, int(members[member]), what, kind, model, selected, own)
    return Place(file, int(facts["line"]), admin.__name__, kind, model, selected, own)


def frame_locals(frame: Any) -> Iterable[Any]:
    try:
        return list(frame.f_locals.values())
    except Exception:  # a frame whose locals cannot be read: nothing to look at
        return ()


def collect(frame: Any, project: Any, render: Any, for_loop: Any) -> Candidates:
    """Everything on the stack above ``frame`` that may hold the listed rows.

    ``project(code)`` tells project code; ``render`` is the code of a template node's render
    (its ``context``), ``for_loop`` that of ``{% for %}`` (its ``values``).
    """
    candidates = Candidates()
    for _ in range(sys.getrecursionlimit()):
        if frame is None:
            break
        code = frame.f_code
        if code is render:
            context = frame.f_locals.get("context")
            for layer in getattr(context, "dicts", ()):
                if isinstance(layer, dict):
                    candidates.add_all(layer.values())
        elif code is for_loop:
            values = frame.f_locals.get("values")
            if values is not None:
                candidates.add(values)
        elif project(code) or code.co_name == "dispatch":
            candidates.add_all(frame_locals(frame))
        frame = frame.f_back
    return candidates


def _without_comment(line: str) -> str:
    import io
    import tokenize

    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                return line[: token.start[1]]
    except (tokenize.TokenError, SyntaxError):
        pass
    return line
