"""I310: business logic written inline in a view that a URL serves.

"Fat models, thin views": a view parses the request, calls the domain and renders. Two shapes
of domain code in a view's own body are reported, both read by ``views.writes``:

* a transaction over several models: rows of two or more models written (saved, created,
  updated, deleted, related rows added), which belongs in one service function;
* a state transition of one row: two or more of its attributes set to derived state (a status
  value, a time from the clock, an amount computed, a flag) and the row saved, which belongs in
  a method of its model.

Writes that are not business data are left out: the session and the signed-in user's own row
(``request.user``), Django's bookkeeping models (the admin log, sessions, content types) and the
project's audit or log rows written beside the real change; so is ``get_or_create`` of a lookup
row, and a formset saved with its form. A model is only ever a class the view's module really
names: names are resolved in the imported module, never guessed.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, Protocol, TypeVar

from django.apps import apps
from django.core.checks import CheckMessage
from django.db import models

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.checks.views.served import ServedView, served_views, view_node
from django_guardrails.checks.views.writes import InstanceChanges, ViewReader, Write
from django_guardrails.project import display_path

_FIELD_SET = re.compile(r"^[ \t]*[\w.]+\.\w+[ \t]*[-+*/]?=[^=]", re.MULTILINE)
_BOOKKEEPING_APPS = frozenset({"admin", "sessions", "contenttypes", "messages"})
_AUDIT = re.compile(r"(Log|LogEntry|Audit|AuditEntry|History|Historical|Journal)(Entry|Record)?$")
_WRITES = ["save(", "create(", "update(", "delete(", ".add(", ".set(", ".remove(", "form_valid("]
# Words of view names that say nothing about what it does.
_NOISE = frozenset(
    {"view", "views", "api", "page", "ajax", "handler", "viewset", "set", "form", "valid"}
    | {"perform", "do", "the", "a", "generic", "mixin", "dispatch", "get", "post", "put", "patch"}
)
_VERBS = frozenset(
    {"create", "update", "delete", "edit", "add", "remove", "cancel", "approve", "reject"}
    | {"publish", "unpublish", "submit", "confirm", "complete", "close", "open", "archive"}
    | {"restore", "register", "import", "checkout", "pay", "refund", "assign", "transfer"}
    | {"merge", "move", "copy", "clone", "duplicate", "accept", "decline", "invite", "join"}
    | {"leave", "reserve", "ship", "subscribe", "unsubscribe", "renew"}
    | {"borrow", "process", "place", "send", "resolve", "reopen", "upload", "claim", "vote"}
    | {"mark", "toggle", "enable", "disable", "activate", "deactivate", "verify"}
    | {"sync", "save", "destroy", "reset", "change", "start", "stop", "finish"}
)
_TIME_SUFFIX = r"(_at|_on|_date|_time|_datetime|_timestamp)$"
_GENERIC_RECEIVERS = frozenset({"obj", "instance", "object", "item", "o", "x", "row", "record"})


def _words(name: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return [word.lower() for word in re.split(r"[_\W]+", spaced) if word]


def _snake(name: str) -> str:
    return "_".join(_words(name))


def _service_name(view: ServedView, first: Write) -> str:
    """``place_order`` for ``OrderPlace.post``, ``checkout_cart`` for ``checkout`` writing
    Cart and Order: the verb and noun of the view's name, the first model as the noun."""
    method = [word for word in _words(view.function_name) if word not in _NOISE]
    owner = [word for word in _words(view.view_class or "") if word not in _NOISE]
    words = owner + method
    noun = _snake(first.model.__name__)
    # The method's verb (perform_create, cancel), else the class's last (OrderBulkCreate).
    verbs = [word for word in method if word in _VERBS] or [
        word for word in reversed(owner) if word in _VERBS
    ]
    verb = verbs[0] if verbs else None
    if verb is None and first.how in ("create", "bulk_create"):
        return f"create_{noun}"  # a hook (done, post) that starts by creating a row
    if verb is None:
        return "_".join(dict.fromkeys(words)) if words else f"save_{noun}"
    rest = [word for word in dict.fromkeys(words) if word != verb]
    return f"{verb}_{'_'.join(rest) if rest else noun}"


def _method_name(entry: InstanceChanges) -> str:
    """``mark_paid`` for ``status = "paid"``, ``mark_shipped`` for ``shipped_at = now()``,
    ``recalculate_total`` for ``total = sum(...)``."""
    by_kind = {change.kind: change for change in reversed(entry.changes)}
    if "status" in by_kind:
        value = by_kind["status"].value
        value = re.sub(r"^(STATUS|STATE|STAGE|PHASE)_", "", value) if value.isupper() else value
        return f"mark_{_snake(value) or 'status'}"
    if "time" in by_kind:
        attribute = re.sub(_TIME_SUFFIX, "", by_kind["time"].attribute)
        return f"mark_{re.sub(r'^(date|time)_', '', attribute)}"
    if "sum" in by_kind:
        return f"recalculate_{by_kind['sum'].attribute}"
    flag = by_kind["flag"]
    stem = re.sub(r"^(is|has)_", "", flag.attribute)
    if stem == "active":
        return "activate" if flag.value == "True" else "deactivate"
    return f"mark_{stem}" if flag.value == "True" else f"unmark_{stem}"


def _is_bookkeeping(model: type[models.Model]) -> bool:
    meta = model._meta
    if meta.app_label in _BOOKKEEPING_APPS and model.__module__.startswith("django."):
        return True
    return bool(_AUDIT.search(model.__name__))


def _modules_by_file() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            found.setdefault(os.path.abspath(path), module)
    return found


def _view_class(module: ModuleType | None, qualname: str | None) -> type | None:
    if module is None or qualname is None:
        return None
    value: Any = module
    for part in qualname.split("."):
        value = getattr(value, part, None)
    return value if isinstance(value, type) else None


def _services_file(module: ModuleType | None, file: str) -> str:
    app_config = apps.get_containing_app_config(module.__name__) if module else None
    directory = app_config.path if app_config is not None else os.path.dirname(file)
    return display_path(os.path.join(directory, "services.py"))


def _is_test_code(file: str) -> bool:
    parts = file.split(os.sep)
    # Only the package the module is in and its parent: a checkout under ~/tests/ is not tests.
    return bool({"tests", "test"} & set(parts[-3:-1])) or parts[-1].startswith("test")


def _lines(numbers: list[int]) -> str:
    unique = sorted(set(numbers))
    return ("line " if len(unique) == 1 else "lines ") + ", ".join(map(str, unique))


def _multi_model(view: ServedView, writes: list[Write], module: ModuleType | None) -> CheckMessage:
    by_model: dict[type[models.Model], list[int]] = {}
    for write in writes:
        by_model.setdefault(write.model, []).append(write.line)
    written = list(by_model)
    listed = ", ".join(f"{model.__name__} ({_lines(lines)})" for model, lines in by_model.items())
    first = min(write.line for write in writes)
    service = _service_name(view, min(writes, key=lambda write: write.line))
    return ids.I310.message(
        f"View {view.name}() writes {len(written)} models in its own body: {listed}.",
        hint=f"Move this transaction into a service function, {service}() in "
        f"{_services_file(module, view.file)}, run under transaction.atomic(); "
        "the view then calls it and renders.",
        obj=SourceLocation(view.file, first, f"{view.name}()"),
        file=view.file,
        line=first,
    )


def _owner(entry: InstanceChanges) -> str | None:
    if entry.model is not None:
        return entry.model.__name__
    last = entry.receiver.rsplit(".", 1)[-1]
    if last in _GENERIC_RECEIVERS or entry.receiver.startswith("self.") or len(last) < 3:
        return None  # "obj", "t": no name to give the model
    return "".join(word.capitalize() for word in _words(last))


def _state_change(view: ServedView, entry: InstanceChanges) -> CheckMessage:
    first = entry.changes[0].line
    lines = [change.line for change in entry.changes] + [entry.saved_at or first]
    attributes = ", ".join(dict.fromkeys(change.attribute for change in entry.changes))
    owner = _owner(entry)
    method = _method_name(entry)
    where = f"{owner}.{method}()" if owner else f"a model method, {method}(),"
    return ids.I310.message(
        f"View {view.name}() changes the state of {entry.receiver} inline: sets {attributes} "
        f"and saves it ({_lines(lines)}).",
        hint=f"Move these lines into {where} that sets the fields and saves; the view calls "
        f"{entry.receiver}.{method}().",
        obj=SourceLocation(view.file, first, f"{view.name}()"),
        file=view.file,
        line=first,
    )


class _Together(Protocol):
    line: int

    def together(self, other: Any) -> bool: ...


_T = TypeVar("_T", bound=_Together)


def _largest_together(items: list[_T], key: Callable[[_T], object]) -> list[_T]:
    """The largest set of ``items``, counted by distinct ``key``, that one request may run
    together: what stands in two arms of an ``if`` (a view that dispatches on the button
    pressed) is separate, so the same field set in both arms is one field, not two."""
    best: list[_T] = []
    for seed in items:
        together = [seed]
        for item in items:
            if item is not seed and all(item.together(other) for other in together):
                together.append(item)
        together.sort(key=lambda item: item.line)
        if len({key(i) for i in together}) > len({key(i) for i in best}):
            best = together
    return best


def _links(model: type[models.Model], written: set[type[models.Model]]) -> bool:
    """Whether ``model`` is the ``through`` table of a many-to-many relation of a written
    model: a row of it links that row to another, as ``.add()`` would."""
    for other in written:
        if other is model:
            continue
        for field in other._meta.get_fields():
            if not field.many_to_many:
                continue
            # A ManyToManyField keeps it on its remote_field, the reverse ManyToManyRel on itself.
            through = getattr(field, "through", None) or getattr(
                field.remote_field, "through", None
            )
            if through is model:
                return True
    return False


def _finding(scope: CheckScope, view: ServedView, module: ModuleType | None) -> CheckMessage | None:
    node = view_node(scope, view)
    if node is None:
        return None
    reader = ViewReader(node, module, _view_class(module, view.view_class))
    writes = _largest_together(
        [w for w in reader.writes() if not _is_bookkeeping(w.model)], lambda w: w.model
    )
    written = {write.model for write in writes}
    writes = [write for write in writes if not _links(write.model, written)]
    if len({write.model for write in writes}) >= 2:
        return _multi_model(view, writes, module)
    changed = []
    for entry in reader.instance_changes():
        entry.changes = _largest_together(entry.changes, lambda c: c.attribute)
        attributes = {change.attribute for change in entry.changes}
        if len(attributes) >= 2 and any(change.kind != "flag" for change in entry.changes):
            changed.append(entry)
    if changed:
        return _state_change(view, max(changed, key=lambda entry: len(entry.changes)))
    return None


def _may_write(scope: CheckScope, view: ServedView) -> bool:
    """Whether the view's own lines may call a write at all: most views are read by no more
    than a look at their text. From the first line of the body: a ``book_delete(`` on the
    ``def`` line is the view's name, not a write (a one-line function keeps it)."""
    text = "\n".join(scope.source.lines(view.file)[view.body - 1 : view.end])
    if not text.isascii():
        return True
    writes = sum(text.count(name) for name in _WRITES)
    # Two writes for several models; one save and two fields set for a transition.
    return writes >= 2 or (writes == 1 and len(_FIELD_SET.findall(text)) >= 2)


def check_view_logic(scope: CheckScope) -> Iterator[CheckMessage]:
    """I310: a served view whose own body writes several models or a row's derived state."""
    views = served_views(scope)
    modules = _modules_by_file()  # after the URLconfs imported the views
    for view in views:
        if _is_test_code(view.file):
            continue
        if not _may_write(scope, view):
            continue
        found = _finding(scope, view, modules.get(view.file))
        if found is not None:
            yield found
