"""What a function does beyond its return value, read from its ``ast``: the business logic
that does not belong in a signal receiver.

Found: database writes (``save()``, ``delete()``, ``create()``, ``update()`` on a queryset,
``bulk_*``, ``get_or_create``...), mail (``send_mail``, ``EmailMessage(...).send()``...) and
network calls (``requests``, ``httpx``, ``urlopen``...). Left alone: what receivers are for,
cache invalidation (``cache.delete``), logging, audit and notification records (a model or
function named for them), and handing the work to a task (``.delay()``, ``.apply_async()``).
Calls to functions of the same module are followed one level down.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
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
    call: str  # "order.save()", "send_mail()"
    line: int


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


def _effect(call: ast.Call) -> SideEffect | None:
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
    if method == "update" and _QUERYSET_STEPS & set(receiver):
        return SideEffect("database write", f"{text}()", call.lineno)
    if method in _WRITES and receiver:
        if method in _RELATED_WRITES and not (
            receiver[-1].endswith("_set")
            or _QUERYSET_STEPS & set(receiver)
            or (len(receiver) >= 2 and receiver[0] == "instance")  # instance.tags.add()
        ):
            return None  # a set's add(), a dict's clear()
        if method in _MANAGER_WRITES and not (
            _QUERYSET_STEPS & set(receiver) or receiver[-1].endswith("_set")
        ):
            return None  # create() on something that is not a manager
        return SideEffect("database write", f"{text}()", call.lineno)
    return None


def _calls(node: ast.AST) -> Iterator[ast.Call]:
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            yield child


def side_effects(module: ModuleSource, function: ast.AST) -> list[SideEffect]:
    """The business-logic calls in ``function``, by line, then those of same-module functions
    it calls."""
    own: list[SideEffect] = []
    helpers: list[SideEffect] = []
    followed: set[str] = set()
    for call in sorted(_calls(function), key=lambda call: (call.lineno, call.col_offset)):
        effect = _effect(call)
        if effect is not None:
            own.append(effect)
        elif isinstance(call.func, ast.Name) and call.func.id not in followed:
            helper = module.definitions.get(call.func.id)
            if helper is not None and helper.kind == "function" and helper.node is not function:
                followed.add(call.func.id)
                helpers += sorted(
                    (e for c in _calls(helper.node) if (e := _effect(c)) is not None),
                    key=lambda effect: effect.line,
                )
    return list(dict.fromkeys([*own, *helpers]))
