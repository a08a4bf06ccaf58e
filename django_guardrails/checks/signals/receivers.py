"""The judgments of one receiver, from the inventory's entries of it (one per signal and
sender it is connected to): W401, W402, W405 and I406 once per receiver, W404 per entry."""

from __future__ import annotations

import ast
import io
import tokenize

from django.apps import apps
from django.apps.config import MODELS_MODULE_NAME
from django.core.checks import CheckMessage

from django_guardrails.audit.callees import resolver_for
from django_guardrails.audit.connections import ModuleRun
from django_guardrails.audit.receivers import Receiver, signal_label
from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.source.index import ModuleSource, SourceIndex
from django_guardrails.source.side_effects import side_effects


def _function(receiver: Receiver) -> object:
    target = receiver.target
    return getattr(target, "__func__", target)


def _definition_node(
    source: SourceIndex, receiver: Receiver
) -> tuple[ModuleSource, ast.AST] | None:
    function = _function(receiver)
    qualname = getattr(function, "__qualname__", None)
    if receiver.file is None or not isinstance(qualname, str):
        return None
    module = source.module(receiver.file)
    if module is None:
        return None
    definition = module.definitions.get(qualname)
    return (module, definition.node) if definition is not None else None


def where(receiver: Receiver) -> tuple[str | None, int | None]:
    """Where to point: the connection (the ``@receiver`` line or ``connect()``), if noted."""
    if receiver.connected_file:
        return receiver.connected_file, receiver.connected_line
    return receiver.file, receiver.line


def _comment_on(text: str) -> bool:
    """A comment that says something: not a guardrails ignore directive."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return False
    return any(
        token.type == tokenize.COMMENT and not token.string.lstrip("# ").startswith("guardrails")
        for token in tokens
    )


def _comment_above(module: ModuleSource, line: int | None) -> bool:
    """A comment on ``line`` or on the lines just above it (decorators in between allowed)."""
    if line is None:
        return False
    if _comment_on(module.line_text(line)):
        return True
    number = line - 1
    while number >= 1:
        text = module.line_text(number).strip()
        if text.startswith("#"):
            if _comment_on(text):
                return True
        elif not text.startswith("@"):
            return False
        number -= 1
    return False


def _documented(source: SourceIndex, receiver: Receiver) -> bool:
    if getattr(_function(receiver), "__doc__", None):
        return True
    found = _definition_node(source, receiver)
    if found is not None:
        module, node = found
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])  # type: ignore[attr-defined]
        if _comment_above(module, first):
            return True
    if receiver.connected_file:
        connecting = source.module(receiver.connected_file)
        if connecting is not None and _comment_above(connecting, receiver.connected_line):
            return True
    return False


def _first(entries: list[Receiver]) -> Receiver:
    """The entry to point at: the first connection (the top ``@receiver`` of a stack)."""
    return min(entries, key=lambda r: (where(r)[0] or "", where(r)[1] or 0))


def _signals(entries: list[Receiver]) -> str:
    """``post_save, pre_delete``: the signals of a receiver's entries, each once."""
    ordered = sorted(entries, key=lambda r: (where(r)[0] or "", where(r)[1] or 0))
    return ", ".join(dict.fromkeys(signal_label(entry.signal) for entry in ordered))


def undocumented(scope: CheckScope, entries: list[Receiver]) -> CheckMessage | None:
    if any(_documented(scope.source, entry) for entry in entries):
        return None
    first = _first(entries)
    file, line = where(first)
    return ids.W401.message(
        f"Signal receiver {first.qualname} ({_signals(entries)}) is not documented: "
        "nothing says why this code runs behind the caller's back.",
        hint="Add a docstring to the receiver, or a comment above its connection, saying why "
        "it is a signal and not a call made where the event happens.",
        obj=first.qualname,
        file=file,
        line=line,
    )


def any_sender(entries: list[Receiver]) -> CheckMessage | None:
    unfiltered = [entry for entry in entries if entry.model_signal and entry.sender == "any"]
    if not unfiltered:
        return None
    first = _first(unfiltered)
    file, line = where(first)
    signals = _signals(unfiltered)
    listed = f"[{signals}]" if "," in signals else signals
    return ids.W402.message(
        f"Signal receiver {first.qualname} listens to {signals} from every model: it runs on "
        "every save, delete or init in the project, Django's and third-party models' "
        "included.",
        hint=f"Connect it with sender=<the model>: @receiver({listed}, sender=MyModel).",
        obj=first.qualname,
        file=file,
        line=line,
    )


def business_logic(scope: CheckScope, entries: list[Receiver]) -> CheckMessage | None:
    first = _first(entries)
    found = _definition_node(scope.source, first)
    if found is None:
        return None
    effects = side_effects(*found, resolve=resolver_for(first.target))
    if not effects:
        return None
    effect = effects[0]
    kinds = ", ".join(sorted({effect.kind for effect in effects}))
    return ids.W405.message(
        f"Signal receiver {first.qualname} carries business logic ({kinds}: "
        f"{effect.call} at line {effect.line}) that callers of {_signals(entries)} "
        "cannot see.",
        hint="Call a service function explicitly from the code that causes the event; keep "
        "receivers for cache invalidation, audit logging and notifications.",
        obj=first.qualname,
        file=first.file,
        line=effect.line,
    )


def _models_import(receiver: Receiver) -> tuple[ModuleRun, ModuleRun | None] | None:
    """(the models module being imported, the module it was importing) when ``receiver`` was
    connected during the import of an app's models module; None when it was not (or when its
    connection was not noted)."""
    models = {f"{app_config.name}.{MODELS_MODULE_NAME}" for app_config in apps.get_app_configs()}
    runs = receiver.importing
    for index in range(len(runs) - 1, -1, -1):  # the innermost models module
        module = runs[index].module
        if module in models or module.rsplit(".", 1)[0] in models:
            return runs[index], runs[index + 1] if index + 1 < len(runs) else None
    return None


def at_import(entries: list[Receiver]) -> CheckMessage | None:
    found = [(entry, run) for entry in entries if (run := _models_import(entry)) is not None]
    if not found:
        return None
    first = _first([entry for entry, _ in found])
    models, inner = next(run for entry, run in found if entry is first)
    where = models.module
    hint = (
        "Move the receivers to a signals module and import it in your AppConfig.ready(): "
        "def ready(self): from . import signals"
    )
    if inner is not None:
        where += f" (its line {models.line} imports {inner.module})"
        hint = (
            f"Import {inner.module} in your AppConfig.ready(), not in {models.module}: "
            f"def ready(self): import {inner.module}"
        )
    return ids.I406.message(
        f"Signal receiver {first.qualname} is connected while {where} is imported, not in "
        "AppConfig.ready().",
        hint=hint,
        obj=first.qualname,
        file=first.connected_file,
        line=first.connected_line,
    )


def connected_again(receiver: Receiver) -> CheckMessage | None:
    if receiver.dispatch_uid is not None or receiver.distinct_connections < 2:
        return None
    return ids.W404.message(
        f"Signal receiver {receiver.qualname} was connected {receiver.distinct_connections} "
        f"times to {signal_label(receiver.signal)} from code that runs more than once "
        f"({receiver.connected_in}).",
        hint="Connect it once, in AppConfig.ready(), or pass dispatch_uid=... so that a "
        "second connect() replaces the first.",
        obj=receiver.qualname,
        file=receiver.connected_file,
        line=receiver.connected_line,
    )
