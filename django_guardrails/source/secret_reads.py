"""Reads of a setting that fall back to a literal when the value is missing.

``os.environ.get(key, default)``, ``os.getenv(key, default)``, ``.get(key, default)`` and
``.setdefault(key, default)`` on any mapping (a ``SECRETS`` dict loaded from JSON too),
``env(key, default=...)`` and ``env.str(key, default)`` (django-environ),
``config(key, default=...)`` (python-decouple), any ``read(key, default=...)``, and
``read(key) or "default"``; through ``str()``, ``.strip()`` and nested reads.

A call of a function defined in the settings module itself (``def envsecret(name,
default=None): ... return os.getenv(name, default)``) is a read too when what it returns is
one, directly or through one more such function, with its parameters bound to the call's
arguments: ``envsecret("SECRET_KEY", "---")`` falls back to ``"---"``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

from django_guardrails.secret_values import credential_shape

_MAPPING_METHODS = frozenset({"get", "setdefault"})
_WRAPPERS = frozenset({"str", "bytes"})
_STRING_METHODS = frozenset({"strip", "lstrip", "rstrip", "encode", "decode"})
_MAX_SHOWN = 80
_HELPER_DEPTH = 2  # a helper, and one helper it calls

Helpers = Mapping[str, ast.FunctionDef]  # the functions a settings module defines, by name
_NO_HELPERS: Helpers = {}


def module_helpers(tree: ast.Module) -> Helpers:
    """The functions defined at the top level of a settings module."""
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


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


def _bind(function: ast.FunctionDef, call: ast.Call) -> dict[str, ast.expr] | None:
    """The function's parameters bound to the call's arguments (or their own defaults); None
    for a call that cannot be bound without running it (``*args``, ``**kwargs``)."""
    arguments = function.args
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        return None
    positional = [*arguments.posonlyargs, *arguments.args]
    bound: dict[str, ast.expr] = {}
    for parameter, default in zip(
        positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True
    ):
        bound[parameter.arg] = default
    for parameter, kw_default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
        if kw_default is not None:
            bound[parameter.arg] = kw_default
    if len(call.args) > len(positional):
        return None
    for parameter, argument in zip(positional, call.args, strict=False):
        bound[parameter.arg] = argument
    for keyword in call.keywords:
        bound[str(keyword.arg)] = keyword.value
    return bound


def _substitute(node: ast.expr, bound: dict[str, ast.expr], params: set[str]) -> ast.expr | None:
    """``node`` with a parameter replaced by the argument bound to it; None for a parameter
    left unbound."""
    if isinstance(node, ast.Name) and node.id in params:
        return bound.get(node.id)
    return node


def _helper_read(call: ast.Call, helpers: Helpers, depth: int) -> _Read | None:
    """``envsecret("SECRET_KEY", "---")`` where ``envsecret`` is defined in the module and
    returns ``os.getenv(name, default)``: the read it makes, in the caller's terms."""
    function = helpers.get(call.func.id) if isinstance(call.func, ast.Name) else None
    bound = _bind(function, call) if function is not None else None
    if function is None or bound is None:
        return None
    params = {a.arg for a in (*function.args.posonlyargs, *function.args.args)}
    params |= {a.arg for a in function.args.kwonlyargs}
    for node in ast.walk(function):
        value = _unwrap(node.value) if isinstance(node, ast.Return) and node.value else None
        if not isinstance(value, ast.Call):
            continue
        inner = _read(value, helpers, depth - 1) if depth > 1 else _read(value)
        if inner is None or inner.default is None:
            continue
        key = _substitute(inner.key, bound, params)
        default = _substitute(inner.default, bound, params)
        if key is None or default is None:
            continue
        passed = (
            default
            if any(default is a for a in call.args)
            or any(default is k.value for k in call.keywords)
            else None
        )
        return _Read(call, key, default, _without(call, passed))
    return None


def _read(
    call: ast.Call, helpers: Helpers = _NO_HELPERS, depth: int = _HELPER_DEPTH
) -> _Read | None:
    """A read of one key: what it reads, its default and the read without the default."""
    if isinstance(call.func, ast.Name) and call.func.id in helpers and depth > 0:
        return _helper_read(call, helpers, depth)
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


def fallback_read(node: ast.expr, helpers: Helpers = _NO_HELPERS) -> FallbackRead | None:
    """The read in ``node`` that falls back to a literal string, if any; ``helpers``: the
    functions the settings module defines, whose calls may be reads."""
    node = _unwrap(node)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        *reads, last = node.values
        default = _literal(_unwrap(last))
        for value in reads:
            inner = _unwrap(value)
            read = _read(inner, helpers) if isinstance(inner, ast.Call) else None
            if read is not None and default is not None:
                return _found(read, default, node.lineno)
            nested = fallback_read(value, helpers)
            if nested is not None:
                return nested
        return fallback_read(last, helpers) if default is None else None
    if not isinstance(node, ast.Call):
        return None
    read = _read(node, helpers)
    if read is None or read.default is None:
        return None
    default = _literal(read.default)
    if default is not None:
        return _found(read, default, node.lineno)
    # os.environ.get("REDIS_TLS_URL", os.environ.get("REDIS_URL", "...")): the inner read.
    return fallback_read(read.default, helpers)
