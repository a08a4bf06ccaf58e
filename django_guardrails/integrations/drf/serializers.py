"""Django REST framework at run time: an N+1 that a serializer renders names the serializer,
its field and the view whose queryset needs the eager load.

Looked at once per query site, at its second query (``capture._look_closer``), never per query:
the frames above the query are walked for DRF's ``Serializer.to_representation``, whose locals
hold the serializer and the field it is rendering, and ``APIView.dispatch``, whose ``self`` is
the view. Nested serializers (``many=True`` or not) give the relation path from the rows the
view lists. Nothing here imports DRF: ``watch_serializers()`` and ``watch_views()`` run once the
project has imported DRF's modules (``integrations.imports``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

from django_guardrails.patching import HookPatch, Patch
from django_guardrails.project import display_path
from django_guardrails.query.callsite import Callsite, is_project_code
from django_guardrails.query.hints import Fix
from django_guardrails.query.per_row import is_count
from django_guardrails.query.relations import Relation

_codes: dict[str, CodeType] = {}  # "to_representation", "dispatch": filled by watch_*()
_MAX_FRAMES = 300


@dataclass(frozen=True, slots=True)
class Rendering:
    """What a query site was rendering: ``InvoiceSerializer.customer`` in ``InvoiceList``."""

    serializer: type  # the class whose field ran the query: InvoiceSerializer
    field: str  # "customer"
    kind: str  # "a nested CustomerSerializer", "a SerializerMethodField", ...
    method: str | None  # a SerializerMethodField's method: "get_line_count"
    path: str  # the relations the outer serializers followed to get here: "line_items"
    many: bool  # an outer field renders many rows per row
    view: type | None  # the API view: InvoiceList
    inside: bool  # the query's own line is in project code the field called (a method field)
    root: type | None = None  # the outermost serializer, the one the view was given

    @property
    def label(self) -> str:
        """``broken.serializers.InvoiceSerializer.customer``"""
        return f"{self.serializer.__module__}.{self.serializer.__qualname__}.{self.field}"

    @property
    def name(self) -> str:
        return f"{self.serializer.__name__}.{self.field}"

    def target(self) -> str | None:
        """The view's ``get_queryset()`` or ``queryset``, where the eager load goes, if the
        view has either of its own (a plain ``APIView`` has neither)."""
        view = self.view
        if view is None:
            return None
        for klass in view.__mro__:
            if klass.__module__.startswith("rest_framework."):
                break
            if "get_queryset" in vars(klass):
                return f"{view.__name__}.get_queryset()"
            if vars(klass).get("queryset") is not None:
                return f"{view.__name__}.queryset (or its get_queryset())"
        return None

    def fix(self, relation: Relation | None, sql: str, where: str) -> Fix:
        return fix(self, relation, sql, where)

    def location(self) -> Callsite | None:
        """The field's line in the serializer: its declaration, else ``Meta``'s, else the
        class's; None without source."""
        from django_guardrails.source.class_facts import class_facts
        from django_guardrails.source.index import SOURCE

        file, facts = class_facts(SOURCE, self.serializer)
        if file is None or facts is None:
            return None
        members = facts["members"]
        meta = facts["meta"]
        name = self.method if self.method in members else self.field
        if name in members:
            line = members[name]
        elif meta is not None:
            line = next(
                (meta["members"][o] for o in ("depth", "fields") if o in meta["members"]),
                meta["line"],
            )
        else:
            line = facts["line"]
        return Callsite(file, int(line), self.serializer.__name__)


def _kind(field: Any) -> tuple[str, str | None]:
    from rest_framework.fields import SerializerMethodField
    from rest_framework.relations import ManyRelatedField, RelatedField
    from rest_framework.serializers import BaseSerializer, ListSerializer

    if isinstance(field, SerializerMethodField):
        return "a SerializerMethodField", str(field.method_name)
    if isinstance(field, ListSerializer):
        return f"a nested {type(field.child).__name__}(many=True)", None
    if isinstance(field, BaseSerializer):
        return f"a nested {type(field).__name__}", None
    if isinstance(field, ManyRelatedField | RelatedField):
        return f"a {type(field).__name__}", None
    source = getattr(field, "source", "")
    name = type(field).__name__
    article = "an" if name[:1] in "AEIO" else "a"  # a UUIDField, a URLField
    return f'{article} {name}(source="{source}")', None


def _rendering(frames: list[tuple[Any, Any]], view: Any, inside: bool) -> Rendering | None:
    """From the (serializer, field) pairs being rendered, innermost first."""
    from rest_framework.serializers import ListSerializer

    serializer, field = frames[0]
    if serializer is None or field is None:
        return None
    steps: list[str] = []
    many = False
    for _, outer in reversed(frames[1:]):  # outermost first
        steps.extend(getattr(outer, "source_attrs", []) or [])
        many = many or isinstance(outer, ListSerializer)
    kind, method = _kind(field)
    return Rendering(
        serializer=type(serializer),
        field=str(field.field_name),
        kind=kind,
        method=method,
        path="__".join(steps),
        many=many,
        view=type(view) if view is not None else None,
        inside=inside,
        root=type(frames[-1][0]) if frames[-1][0] is not None else None,
    )


def note_rendering(site: Any, frame: FrameType | None) -> None:
    """Remember on ``site`` what it renders, if a serializer's field ran its query."""
    to_representation, dispatch = _codes.get("to_representation"), _codes.get("dispatch")
    frames: list[tuple[Any, Any]] = []
    inside = False
    view = None
    for _ in range(_MAX_FRAMES):
        if frame is None:
            break
        code = frame.f_code
        if code is to_representation:
            local = frame.f_locals
            frames.append((local.get("self"), local.get("field")))
        elif code is dispatch:
            view = frame.f_locals.get("self")
            break
        elif not frames and is_project_code(code):
            inside = True
        frame = frame.f_back
    if frames:
        site.rendering = _rendering(frames, view, inside)


def fix(rendering: Rendering, relation: Relation | None, sql: str, where: str) -> Fix:
    """The N+1 fix of a site a serializer field rendered: in the view's own queryset, else
    at the line that built the rows the serializer was given (a selector's), when the guard
    followed them there."""
    field = f"{rendering.name} ({rendering.kind})"
    place = relation.place if relation is not None else None
    if rendering.path:
        place = None  # the rows the view lists are the outer serializer's: its queryset
    target = rendering.target()
    if target is None and place is None:
        view = rendering.view
        giver = f"{view.__name__} gives" if view is not None else "given to"
        target = f"the queryset {giver} {(rendering.root or rendering.serializer).__name__}"
    if relation is None:
        where_to = target or f"{display_path(place.file)}:{place.line} ({place.what})"  # type: ignore[union-attr]
        return Fix(
            f"{field} runs this query once per row at {where}: load what it reads with the "
            f"rows, in {where_to} (select_related, prefetch_related, or an annotation)."
        )
    # From the rows this serializer renders: the relation, through the hops to it if any.
    inner = relation.full_path if relation.hops else relation.accessor
    inner_lookup = relation.lookup_path if relation.hops else relation.query_name or inner
    loaded = f"{field} loads {relation.model}.{relation.accessor} once per row at {where}"
    reader = ""
    if is_count(sql) and rendering.many and rendering.path:
        # Counted per row of an inner list (each invoice of each customer): the inner rows
        # are annotated, in a Prefetch of that list.
        meta = getattr(rendering.serializer, "Meta", None)
        model = getattr(meta, "model", None) or relation.owner
        owner = model.__name__ if model is not None else relation.model
        name = f"{relation.accessor}_count"
        count = f'{name}=Count("{inner_lookup}")'
        code = (
            f'.prefetch_related(Prefetch("{rendering.path}", '
            f"queryset={owner}.objects.annotate({count})))"
        )
        in_method = f" in {rendering.method}()" if rendering.method else ""
        reader = f" and read .{name} on each {owner}{in_method}"
    elif is_count(sql):
        lookup = "__".join(p for p in (rendering.path, inner_lookup) if p)
        code = f'.annotate({relation.accessor}_count=Count("{lookup}"))'
        reader = f" and read it in {rendering.method}()" if rendering.method else ""
    else:
        many = rendering.many or relation.many
        path = "__".join(p for p in (rendering.path, inner if many else inner_lookup) if p)
        code = f'.{"prefetch_related" if many else "select_related"}("{path}")'
    if target is not None:
        return Fix(f"{loaded}: add {code} in {target}{reader}.")
    assert place is not None
    at = f"{display_path(place.file)}:{place.line} ({place.what})"
    return Fix(f"{loaded}: in {at} add {code}{reader}.", code, place)


def _is_on(name: str) -> Callable[[], bool]:
    return lambda: name in _codes


def _hook_serializers() -> None:
    from rest_framework.serializers import Serializer

    from django_guardrails.query import capture

    _codes["to_representation"] = Serializer.to_representation.__code__
    capture.on_repeated_site = note_rendering


def _unhook_serializers() -> None:
    from django_guardrails.query import capture

    _codes.pop("to_representation", None)
    capture.on_repeated_site = None


def serializer_hooks() -> list[Patch]:
    """Once ``rest_framework.serializers`` is imported: look for serializers above repeated
    query sites. Imports nothing of DRF that is not imported already; DRF is not changed."""
    return [
        HookPatch(
            name="guardrails' repeated-site hook (DRF serializers)",
            why="An N+1 under a serializer field is named by the field and its serializer.",
            on=_hook_serializers,
            off=_unhook_serializers,
            is_on=_is_on("to_representation"),
        )
    ]


def _hook_views() -> None:
    from rest_framework.views import APIView

    _codes["dispatch"] = APIView.dispatch.__code__


def _unhook_views() -> None:
    _codes.pop("dispatch", None)


def view_hooks() -> list[Patch]:
    """Once ``rest_framework.views`` is imported: name the view above a serializer."""
    return [
        HookPatch(
            name="guardrails' view finder (DRF APIView.dispatch)",
            why="The view whose get_queryset the fix goes into.",
            on=_hook_views,
            off=_unhook_views,
            is_on=_is_on("dispatch"),
        )
    ]
