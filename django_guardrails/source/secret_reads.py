"""Reads of a setting that fall back to a literal when the value is missing.

``os.environ.get(key, default)``, ``os.getenv(key, default)``, ``.get(key, default)`` and
``.setdefault(key, default)`` on any mapping (a ``SECRETS`` dict loaded from JSON too),
``env(key, default=...)`` and ``env.str(key, default)`` (django-environ),
``config(key, default=...)`` (python-decouple), any ``read(key, default=...)``, and
``read(key) or "default"``; through ``str()``, ``.strip()`` and nested reads.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from django_guardrails.source.secret_values import credential_shape

_MAPPING_METHODS = frozenset({"get", "setdefault"})
_WRAPPERS = frozenset({"str", "bytes"})
_STRING_METHODS = frozenset({"strip", "lstrip", "rstrip", "encode", "decode"})
_MAX_SHOWN = 80


@dataclass(frozen=True)
class FallbackRead:
    key: str | None  # the key read, when it is a literal: "DJANGO_SECRET_KEY"
    default: str  # the literal fallback; never shown
    required: str  # the read without its fallback, for a hint: os.environ['K']; or empty
    line: int


@dataclass(frozen=True)
class _Read:
    call: ast.Call
    key: ast.expr
    default: ast.expr | None
    required: ast.expr


def _unwrap(node: ast.expr) -> ast.expr:
    """``str(read)``, ``read.strip()``: the read itself."""
    while isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id in _WRAPPERS and len(node.args) == 1:
            node = node.args[0]
        elif isinstance(func, ast.Attribute) and func.attr in _STRING_METHODS:
            node = func.value
        else:
            break
    return node


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _without(call: ast.Call, default: ast.expr | None) -> ast.Call:
    return ast.Call(
        func=call.func,
        args=[arg for arg in call.args if arg is not default],
        keywords=[k for k in call.keywords if k.value is not default],
    )


def _is_env(node: ast.expr) -> bool:
    """``env`` or ``self.env``: django-environ's ``environ.Env()`` by its usual name."""
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return name.lower() == "env"


def _read(call: ast.Call) -> _Read | None:
    """A read of one key: what it reads, its default and the read without the default."""
    if not call.args or isinstance(call.args[0], ast.Starred):
        return None
    func, key = call.func, call.args[0]
    second = call.args[1] if len(call.args) >= 2 else None
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if isinstance(func, ast.Attribute) and name in _MAPPING_METHODS and len(call.args) <= 2:
        default = second if second is not None else _keyword(call, "default")
        return _Read(call, key, default, ast.Subscript(value=func.value, slice=key))
    if name == "getenv":
        environ = ast.Attribute(value=ast.Name(id="os"), attr="environ")
        default = second if second is not None else _keyword(call, "default")
        return _Read(call, key, default, ast.Subscript(value=environ, slice=key))
    if isinstance(func, ast.Name) and _is_env(func):
        # env(key, cast, default): the second positional argument is the cast.
        default = _keyword(call, "default")
        return _Read(call, key, default, _without(call, default))
    if (isinstance(func, ast.Attribute) and _is_env(func.value)) or name == "config":
        default = second if second is not None else _keyword(call, "default")
        return _Read(call, key, default, _without(call, default))
    default = _keyword(call, "default")
    if default is not None and isinstance(key, ast.Constant) and isinstance(key.value, str):
        return _Read(call, key, default, _without(call, default))
    return None


def _shown(node: ast.expr) -> str:
    """The read as code for a hint; empty when it is long or holds a literal that looks like a
    credential."""
    for child in ast.walk(node):
        if (
            isinstance(child, ast.Constant)
            and isinstance(child.value, str)
            and credential_shape(child.value)
        ):
            return ""
    text = ast.unparse(node)
    if '"' not in text and "\\" not in text:
        text = text.replace("'", '"')  # os.environ["KEY"], as the other hints write it
    return text if len(text) <= _MAX_SHOWN else ""


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _found(read: _Read, default: str, line: int) -> FallbackRead:
    key = _literal(read.key)
    return FallbackRead(key, default, _shown(read.required), line)


def fallback_read(node: ast.expr) -> FallbackRead | None:
    """The read in ``node`` that falls back to a literal string, if any."""
    node = _unwrap(node)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        *reads, last = node.values
        default = _literal(_unwrap(last))
        for value in reads:
            inner = _unwrap(value)
            read = _read(inner) if isinstance(inner, ast.Call) else None
            if read is not None and default is not None:
                return _found(read, default, node.lineno)
            nested = fallback_read(value)
            if nested is not None:
                return nested
        return fallback_read(last) if default is None else None
    if not isinstance(node, ast.Call):
        return None
    read = _read(node)
    if read is None or read.default is None:
        return None
    default = _literal(read.default)
    if default is not None:
        return _found(read, default, node.lineno)
    # os.environ.get("REDIS_TLS_URL", os.environ.get("REDIS_URL", "...")): the inner read.
    return fallback_read(read.default)
