"""What a view's own body writes: the model rows it saves, creates, updates or deletes, and the
attributes it sets on one instance before saving it. Read from the ``ast`` of the view and
resolved against the live module: a name is a model only when the module's ``Model`` subclass
of that name is what it refers to, so a guess never becomes a finding.

Only the view's own statements count, never a helper it calls nor a function or class nested in
it: code moved to a model method or a service is exactly what the check asks for.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.db import models
from django.forms import BaseFormSet
from django.views.generic.edit import BaseCreateView

from django_guardrails.source.module import name_as_written

Branches = tuple[tuple[int, int], ...]  # (id of an if or match, which arm) around a statement
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_QUERYSET_WRITES = frozenset({"create", "bulk_create", "bulk_update", "update_or_create", "update"})
_RELATION_WRITES = frozenset({"add", "set", "remove", "clear"})
_ROW_READS = frozenset(
    {"get", "first", "last", "latest", "earliest", "create", "select_for_update"}
)
_SHORTCUTS = frozenset({"get_object_or_404", "aget_object_or_404"})
_STATUS_NAMES = ("status", "state", "stage", "phase")
_CLOCKS = frozenset({"now", "today", "utcnow"})
# Bookkeeping timestamps that auto_now would keep: setting them is not a transition.
_TOUCHED = frozenset(
    {"updated", "modified", "updated_at", "modified_at", "last_modified", "last_updated"}
    | {"date_modified", "date_updated", "updated_on", "modified_on", "mtime"}
)


@dataclass
class Write:
    line: int
    model: type[models.Model]
    how: str  # "save", "create", "update", "delete", "bulk_create", "add"...
    branches: Branches = ()

    def together(self, other: Write) -> bool:
        """Whether one request may run both: never in two arms of the same ``if``."""
        arms = dict(self.branches)
        return all(arms.get(node, arm) == arm for node, arm in other.branches)


@dataclass
class Change:
    """One attribute of one instance set to derived state: a status, a time, a computed sum."""

    line: int
    attribute: str
    kind: str  # "status", "time", "sum", "flag"
    value: str  # the status or flag value as written: "paid", "True"
    branches: Branches = ()

    def together(self, other: Change) -> bool:
        arms = dict(self.branches)
        return all(arms.get(node, arm) == arm for node, arm in other.branches)


@dataclass
class InstanceChanges:
    receiver: str  # "order", "self.object", "form.instance"
    model: type[models.Model] | None
    changes: list[Change] = field(default_factory=list)
    saved_at: int | None = None  # the line that saves it after the changes


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, models.Model)


def _model_of_form(form_class: Any) -> type[models.Model] | None:
    """The model a ModelForm (``_meta.model``) or a DRF ModelSerializer (``Meta.model``) saves."""
    for options in ("_meta", "Meta"):
        model = getattr(getattr(form_class, options, None), "model", None)
        if _is_model(model):
            return model
    return None


class ViewReader:
    """The writes of one view body, its local names resolved in ``module``."""

    def __init__(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        module: ModuleType | None,
        view_class: type | None,
    ) -> None:
        self.module = module
        self.view_class = view_class
        self.bindings: dict[str, ast.expr] = {}
        self.branches: dict[int, Branches] = {}
        self._statement_calls: dict[int, list[ast.Call]] = {}
        self.statements: list[ast.stmt] = []
        for statement, branches in _own_statements(node.body, ()):
            self.statements.append(statement)
            self.branches[id(statement)] = branches
        self.params = {argument.arg for argument in node.args.args}
        for statement in self.statements:
            self._bind(statement)

    def _bind(self, statement: ast.stmt) -> None:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    self.bindings.setdefault(target.id, statement.value)
                elif isinstance(target, ast.Tuple) and target.elts:
                    first = target.elts[0]  # obj, created = Model.objects.get_or_create(...)
                    if isinstance(first, ast.Name) and isinstance(statement.value, ast.Call):
                        self.bindings.setdefault(first.id, statement.value)
        elif (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and statement.value is not None
        ):
            self.bindings.setdefault(statement.target.id, statement.value)

    # What names refer to
    def resolve(self, dotted: str) -> Any:
        parts = dotted.split(".")
        if parts[0] == "self" and self.view_class is not None:
            value: Any = self.view_class
        elif self.module is not None and parts[0] in vars(self.module):
            value = vars(self.module)[parts[0]]
        else:
            return None
        for part in parts[1:]:
            value = getattr(value, part, None)
        return value

    def view_model(self) -> type[models.Model] | None:
        model = getattr(self.view_class, "model", None)
        if _is_model(model):
            return model
        queryset = getattr(self.view_class, "queryset", None)
        model = getattr(queryset, "model", None)
        return model if _is_model(model) else None

    def form_model(self, node: ast.expr) -> type[models.Model] | None:
        """The model a form variable saves: its ModelForm class's, or the view's."""
        name = name_as_written(node)
        if name is None:
            return None
        bound = self.bindings.get(name)
        if isinstance(bound, ast.Call):
            called = name_as_written(bound.func)
            return _model_of_form(self.resolve(called)) if called else None
        if name in self.params and self.view_class is not None:
            for attribute in ("form_class", "serializer_class"):
                found = _model_of_form(getattr(self.view_class, attribute, None))
                if found is not None:
                    return found
            return self.view_model()
        return None

    def is_formset(self, node: ast.expr) -> bool:
        name = name_as_written(node)
        bound = self.bindings.get(name) if name else None
        if isinstance(bound, ast.Call):
            called = name_as_written(bound.func)
            value = self.resolve(called) if called else None
            return isinstance(value, type) and issubclass(value, BaseFormSet)
        return bool(name) and "formset" in str(name).lower()

    def queryset_model(self, node: ast.expr) -> type[models.Model] | None:
        """The model of ``Model.objects...`` chains and of related managers of known rows."""
        for _ in range(5):  # queryset = Model.objects.filter(...); queryset.update(...)
            while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                node = node.func.value
            bound = self.bindings.get(node.id) if isinstance(node, ast.Name) else None
            if bound is None:
                break
            node = bound
        if isinstance(node, ast.Attribute):
            owner = name_as_written(node.value)
            if owner is not None:
                value = self.resolve(owner)
                if _is_model(value):
                    return value  # type: ignore[no-any-return]  # Model.objects
            row = self.instance_model(node.value)
            if row is not None:
                return _related_model(row, node.attr)
        return None

    def instance_model(self, node: ast.expr, depth: int = 0) -> type[models.Model] | None:
        """The model of a row held by a local name (``order = get_object_or_404(Order, ...)``),
        ``self.object`` of a class-based view, or ``form.instance``."""
        if depth > 5:
            return None
        name = name_as_written(node)
        if name is None:
            return self.row_model(node, depth)
        if name == "self.object":
            return self.view_model()
        if isinstance(node, ast.Attribute) and node.attr == "instance":
            return self.form_model(node.value)  # form.instance
        bound = self.bindings.get(name)
        if bound is not None:
            return self.row_model(bound, depth + 1)
        return None

    def row_model(self, value: ast.expr, depth: int) -> type[models.Model] | None:
        if isinstance(value, ast.Subscript):  # Model.objects.get_or_create(...)[0]
            value = value.value
        if not isinstance(value, ast.Call):
            return self.instance_model(value, depth + 1) if isinstance(value, ast.Name) else None
        called = name_as_written(value.func)
        if called is not None:
            target = self.resolve(called)
            if _is_model(target):
                return target  # type: ignore[no-any-return]  # Order(...)
            if called.rsplit(".", 1)[-1] in _SHORTCUTS and value.args:
                first = value.args[0]
                first_name = name_as_written(first)
                found = self.resolve(first_name) if first_name else None
                return found if _is_model(found) else self.queryset_model(first)
            if called in ("self.get_object", "self.get_queryset"):
                return self.view_model()
            if called.rsplit(".", 1)[-1] == "save" and isinstance(value.func, ast.Attribute):
                return self.form_model(value.func.value)  # form.save(commit=False)
        if isinstance(value.func, ast.Attribute) and value.func.attr in (
            _ROW_READS | {"get_or_create", "update_or_create"}
        ):
            return self.queryset_model(value.func.value)
        return None

    # What the body writes
    def writes(self) -> Iterator[Write]:
        for call, branches in self._calls():
            assert isinstance(call.func, ast.Attribute)
            how, receiver = call.func.attr, call.func.value
            if _from_request(receiver) or self._request_user(receiver):
                continue  # the session, the signed-in user's own row: not business data
            model: type[models.Model] | None = None
            if how in ("save", "delete"):
                if how == "save" and self.is_formset(receiver):
                    continue  # an inline formset saves the rows of the form beside it
                model = self.instance_model(receiver)
                if model is None and how == "save" and _commits(call):
                    model = self.form_model(receiver)
                if model is None and how == "delete":
                    model = self.queryset_model(receiver)
            elif how in _QUERYSET_WRITES:
                model = self.queryset_model(receiver)
            elif how in _RELATION_WRITES and isinstance(receiver, ast.Attribute):
                model = self.instance_model(receiver.value)
            if model is not None:
                yield Write(call.lineno, model, how, branches)

    def _calls(self) -> Iterator[tuple[ast.Call, Branches]]:
        wanted = _QUERYSET_WRITES | _RELATION_WRITES | {"save", "delete"}
        for statement in self.statements:
            for node in self._calls_of(statement):
                if (
                    isinstance(node.func, ast.Attribute)
                    and node.func.attr in wanted
                    and not _is_super(node.func.value)
                ):
                    yield node, self.branches[id(statement)]

    def _calls_of(self, statement: ast.stmt) -> list[ast.Call]:
        """The calls in one statement's own expressions, found once for both readings."""
        calls = self._statement_calls.get(id(statement))
        if calls is None:
            calls = [node for node in _own_nodes(statement) if isinstance(node, ast.Call)]
            self._statement_calls[id(statement)] = calls
        return calls

    def _request_user(self, receiver: ast.expr) -> bool:
        name = name_as_written(receiver)
        bound = self.bindings.get(name) if name else None
        return bound is not None and _from_request(bound)

    def _new_row(self, receiver: ast.expr) -> bool:
        """A row the view is creating (``Order(...)``, ``form.save(commit=False)``, a create
        view's ``form.instance``): its first values are defaults, not a transition."""
        if isinstance(receiver, ast.Attribute) and receiver.attr == "instance":
            return isinstance(self.view_class, type) and issubclass(self.view_class, BaseCreateView)
        name = name_as_written(receiver)
        bound = self.bindings.get(name) if name else None
        if not isinstance(bound, ast.Call):
            return False
        called = name_as_written(bound.func)
        if called is not None and _is_model(self.resolve(called)):
            return True
        return (
            isinstance(bound.func, ast.Attribute)
            and bound.func.attr == "save"
            and not _commits(bound)
        )

    def instance_changes(self) -> list[InstanceChanges]:
        """Per receiver, the derived-state attributes set on it and the save that follows."""
        found: dict[str, InstanceChanges] = {}
        for statement in self.statements:
            for target, value, augmented in _attribute_sets(statement):
                receiver = name_as_written(target.value)
                if (
                    receiver is None
                    or _from_request(target.value)
                    or self._request_user(target.value)
                ):
                    continue
                kind, shown = _derived(target.attr, value, augmented)
                if kind is None or self._new_row(target.value):
                    continue
                entry = found.setdefault(
                    receiver, InstanceChanges(receiver, self.instance_model(target.value))
                )
                branches = self.branches[id(statement)]
                entry.changes.append(Change(statement.lineno, target.attr, kind, shown, branches))
            for node in self._calls_of(statement):
                for entry in found.values():
                    if entry.changes and entry.saved_at is None and _saves(node, entry):
                        entry.saved_at = node.lineno
        return [entry for entry in found.values() if entry.saved_at is not None]


def _saves(call: ast.Call, entry: InstanceChanges) -> bool:
    """``order.save()``, ``form.save()`` for ``form.instance``, ``super().form_valid(form)``."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    receiver = name_as_written(func.value)
    if func.attr == "save" and receiver == entry.receiver:
        return True
    if entry.receiver.endswith(".instance"):
        form = entry.receiver[: -len(".instance")]
        if func.attr == "save" and receiver == form:
            return True
        if func.attr == "form_valid" and _is_super(func.value):
            return True
    return False


def _related_model(model: type[models.Model], accessor: str) -> type[models.Model] | None:
    """The model behind ``row.<accessor>``: a forward relation or a reverse one's accessor."""
    try:
        fields = model._meta.get_fields()
    except Exception:
        return None
    for relation in fields:
        name = relation.name
        if relation.auto_created and not relation.concrete:
            getter = getattr(relation, "get_accessor_name", None)
            name = getter() if getter else name
        if name == accessor:
            related = relation.related_model
            return related if _is_model(related) else None
    return None


def _commits(call: ast.Call) -> bool:
    return not any(
        keyword.arg == "commit"
        and isinstance(keyword.value, ast.Constant)
        and keyword.value.value is False
        for keyword in call.keywords
    )


def _is_super(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def _from_request(node: ast.expr) -> bool:
    """``request.user``, ``self.request.session``...: what the request carries."""
    name = name_as_written(node)
    return name is not None and name.startswith(("request.", "self.request."))


def _own_statements(
    body: list[ast.stmt], branches: Branches
) -> Iterator[tuple[ast.stmt, Branches]]:
    """The statements of a body and of the blocks in it, with the ``if``/``match`` arms each
    one sits in; functions and classes defined inside are not the view's own code."""
    for statement in body:
        if isinstance(statement, _NESTED):
            continue
        yield statement, branches
        if isinstance(statement, ast.If):
            yield from _own_statements(statement.body, (*branches, (id(statement), 0)))
            yield from _own_statements(statement.orelse, (*branches, (id(statement), 1)))
            continue
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(statement, name, None)
            if isinstance(inner, list):
                yield from _own_statements(inner, branches)
        for handler in getattr(statement, "handlers", ()):
            yield from _own_statements(handler.body, branches)
        for arm, case in enumerate(getattr(statement, "cases", ())):
            yield from _own_statements(case.body, (*branches, (id(statement), arm)))


def _own_nodes(statement: ast.stmt) -> Iterator[ast.AST]:
    """The expressions of one statement, not of the statements nested in it."""
    stack: list[ast.AST] = [
        child for child in ast.iter_child_nodes(statement) if not isinstance(child, ast.stmt)
    ]
    while stack:
        node = stack.pop()
        if isinstance(node, (*_NESTED, ast.stmt)):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _attribute_sets(statement: ast.stmt) -> Iterator[tuple[ast.Attribute, ast.expr, bool]]:
    if isinstance(statement, ast.Assign):
        for target in statement.targets:
            if isinstance(target, ast.Attribute):
                yield target, statement.value, False
    elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Attribute):
        if statement.value is not None:
            yield statement.target, statement.value, False
    elif (
        isinstance(statement, ast.AugAssign)
        and isinstance(statement.target, ast.Attribute)
        and isinstance(statement.op, ast.Add | ast.Sub | ast.Mult | ast.Div)
    ):
        yield statement.target, statement.value, True


def _upper_name(node: ast.expr) -> str | None:
    """``PAID`` for ``Order.Status.PAID`` or ``STATUS_PAID``: a constant's name."""
    last = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
    if isinstance(last, str) and last.isupper() and any(c.isalpha() for c in last):
        return last
    return None


def _derived(attribute: str, value: ast.expr, augmented: bool) -> tuple[str | None, str]:
    """(kind, value as written) when setting ``attribute`` to ``value`` encodes derived state."""
    lowered = attribute.lower()
    if augmented:
        return "sum", ""
    if isinstance(value, ast.Constant) and isinstance(value.value, bool):
        return "flag", str(value.value)
    if lowered.endswith(_STATUS_NAMES):
        if isinstance(value, ast.Constant) and isinstance(value.value, str | int):
            return "status", str(value.value)
        constant = _upper_name(value)
        if constant is not None:
            return "status", constant
    if (
        isinstance(value, ast.Call)
        and (name_as_written(value.func) or "").rsplit(".", 1)[-1] in _CLOCKS
        and lowered not in _TOUCHED
    ):
        return "time", ""
    if _arithmetic(value):
        return "sum", ""
    return None, ""


def _arithmetic(value: ast.expr) -> bool:
    if isinstance(value, ast.Call) and name_as_written(value.func) in ("sum", "Sum"):
        return True
    if not isinstance(value, ast.BinOp):
        return False
    if not isinstance(value.op, ast.Add | ast.Sub | ast.Mult | ast.Div | ast.FloorDiv):
        return False
    for node in ast.walk(value):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return False  # "a" + name: text, not an amount
        if isinstance(node, ast.JoinedStr | ast.List | ast.Tuple | ast.Dict):
            return False
    return True
