"""What a function does beyond its return value, read from its ``ast``: the business logic
that does not belong in a signal receiver.

Found: database writes (``save()``, ``delete()``, ``create()``, ``update()`` on a queryset,
``bulk_*``, ``get_or_create``...), mail (``send_mail``, ``EmailMessage(...).send()``...) and
network calls (``requests``, ``httpx``, ``urlopen``...). Left alone: what receivers are for,
cache invalidation (``cache.delete``), logging, audit and notification records (a model or
function named for them), and handing the work to a task (``.delay()``, ``.apply_async()``).

Calls are followed one level down: to functions of the same module, read from the source, and
to whatever a ``resolve`` callback finds for a call (the project function or the custom manager
method it reaches; ``audit.callees`` resolves them through the live module). In a method of a
manager or queryset, ``self`` and ``super()`` are querysets: ``self.update()`` writes.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django_guardrails.source.index import ModuleSource

_WRITES = frozenset(
    {
        "save",
        "delete",
        "create",
        "get_or_create",
        "update_or_create",
        "bulk_create",
        "bulk_update",
        "add",
        "remove",
        "clear",
        "set",
    }
)
# Words that, in a name along the call, make a write one of the accepted uses of a receiver.
_ACCEPTED_WORDS = frozenset(
    {
        "cache",
        "caches",
        "log",
        "logs",
        "logger",
        "logging",
        "audit",
        "history",
        "activity",
        "notification",
        "notifications",
        "notify",
        "metric",
        "metrics",
    }
)
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _accepted(name: str) -> bool:
    """``cache``, ``AuditLog``, ``audit_entry``, ``LogEntry``: not ``blog`` or ``catalog``."""
    return any(word.lower() in _ACCEPTED_WORDS for word in _WORDS.findall(name))


_MAIL_FUNCTIONS = frozenset({"send_mail", "send_mass_mail", "mail_admins", "mail_managers"})
_MAIL_CLASSES = frozenset({"EmailMessage", "EmailMultiAlternatives"})
_NETWORK_MODULES = frozenset({"requests", "httpx", "urllib3", "aiohttp", "http"})
_NETWORK_FUNCTIONS = frozenset({"urlopen"})
_QUERYSET_STEPS = frozenset({"objects", "filter", "exclude", "all", "select_for_update"})
_MANAGER_WRITES = frozenset(
    {"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}
)
# Related managers write with add/remove/clear/set: only on something that looks like one.
_RELATED_WRITES = frozenset({"add", "remove", "clear", "set"})


@dataclass(frozen=True)
class SideEffect:
    kind: str  # "database write", "mail", "network call"
    call: str  # "order.save()", "send_mail()", "self.update() in Invoice.objects.settle()"
    line: int  # in the function read: for a write made by a callee, the line calling it


@dataclass(frozen=True)
class Callee:
    """A function that a call reaches, to be read one level down."""

    module: ModuleSource
    node: ast.AST
    on_queryset: bool  # a method of a manager or queryset class: ``self`` is a queryset


# What a call reaches, from the names along it (``["Invoice", "objects", "settle"]``).
Resolver = Callable[[list[str]], "Callee | None"]


def _chain(node: ast.expr) -> list[str]:
    """``a.b().c`` -> ["a", "b", "c"]: the names along an attribute and call chain."""
    names: list[str] = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            break
        else:
            break
    return names[::-1]


def _effect(call: ast.Call, on_queryset: bool = False) -> SideEffect | None:
    func = call.func
    if isinstance(func, ast.Name):
        if func.id in _MAIL_FUNCTIONS:
            return SideEffect("mail", f"{func.id}()", call.lineno)
        if func.id in _NETWORK_FUNCTIONS:
            return SideEffect("network call", f"{func.id}()", call.lineno)
        return None
    if not isinstance(func, ast.Attribute):
        return None
    chain = _chain(func)
    method, receiver = chain[-1], chain[:-1]
    text = ".".join(chain)
    steps = set(receiver)
    if on_queryset and receiver[:1] in (["self"], ["super"]):
        steps.add("objects")  # self.update(), super().create() in a manager or queryset
    if any(_accepted(name) for name in receiver):
        return None  # cache.delete(), AuditLog.objects.create(), logger.info()...
    if receiver and receiver[0] in _NETWORK_MODULES:
        return SideEffect("network call", f"{text}()", call.lineno)
    if (
        method == "send"
        and isinstance(func.value, ast.Call)
        and _chain(func.value)[-1:] in ([name] for name in _MAIL_CLASSES)
    ):
        return SideEffect("mail", f"{_chain(func.value)[-1]}(...).send()", call.lineno)
    if method in _MAIL_FUNCTIONS:
        return SideEffect("mail", f"{text}()", call.lineno)
    if method == "update" and _QUERYSET_STEPS & steps:
        return SideEffect("database write", f"{text}()", call.lineno)
    if method in _WRITES and receiver:
        if method in _RELATED_WRITES and not (
            receiver[-1].endswith("_set")
            or _QUERYSET_STEPS & steps
            or (len(receiver) >= 2 and receiver[0] == "instance")  # instance.tags.add()
        ):
            return None  # a set's add(), a dict's clear()
        if method in _MANAGER_WRITES and not (
            _QUERYSET_STEPS & steps or receiver[-1].endswith("_set")
        ):
            return None  # create() on something that is not a manager
        return SideEffect("database write", f"{text}()", call.lineno)
    return None


def _calls(node: ast.AST) -> Iterator[ast.Call]:
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            yield child


def _local_names(function: ast.AST) -> set[str]:
    """Parameters and names assigned in ``function``: not the module's globals."""
    names: set[str] = set()
    arguments = getattr(function, "args", None)
    if isinstance(arguments, ast.arguments):
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        names.update(argument.arg for argument in every)
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def _callee(
    module: ModuleSource,
    function: ast.AST,
    call: ast.Call,
    local_names: set[str],
    resolve: Resolver | None,
) -> Callee | None:
    """What ``call`` reaches, to read one level down: through ``resolve``, or a function of
    the same module called by its name."""
    chain = _chain(call.func)
    if not chain or any(_accepted(name) for name in chain):
        return None  # notify_followers(), AuditLog.objects.record(): accepted by name
    head = chain[0]
    if resolve is not None and (head not in local_names or head == "self"):
        found = resolve(chain)
        if found is not None:
            return found if found.node is not function else None
    if isinstance(call.func, ast.Name) and head not in local_names:
        helper = module.definitions.get(head)
        if helper is not None and helper.kind == "function" and helper.node is not function:
            return Callee(module, helper.node, on_queryset=False)
    return None


def side_effects(
    module: ModuleSource, function: ast.AST, resolve: Resolver | None = None
) -> list[SideEffect]:
    """The business-logic calls in ``function``, by line, then those of the functions it
    calls, one level down: each named with the call that reaches it, at that call's line."""
    own: list[SideEffect] = []
    followed: list[SideEffect] = []
    read: set[int] = set()
    local_names = _local_names(function)
    for call in sorted(_calls(function), key=lambda call: (call.lineno, call.col_offset)):
        effect = _effect(call)
        if effect is not None:
            own.append(effect)
            continue
        callee = _callee(module, function, call, local_names, resolve)
        if callee is None or id(callee.node) in read:
            continue
        read.add(id(callee.node))
        label = ".".join(_chain(call.func)) + "()"
        inner = sorted(
            (e for c in _calls(callee.node) if (e := _effect(c, callee.on_queryset)) is not None),
            key=lambda effect: effect.line,
        )
        followed += [SideEffect(e.kind, f"{e.call} in {label}", call.lineno) for e in inner]
    return list(dict.fromkeys([*own, *followed]))
