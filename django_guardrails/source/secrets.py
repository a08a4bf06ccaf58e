"""Secrets written into settings source: literals, and literal fallbacks of reads.

Pure functions over a parsed settings module; a finding carries the setting's name, the line and
a hash of the value, never the value itself. What a value is (a token format, a placeholder, an
import path...) lives in ``secret_values``; which reads fall back to a literal, in
``secret_reads``.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django_guardrails.secret_values import (
    FORMAT_LABELS,
    cannot_be_secret,
    credential_shape,
    is_placeholder,
    name_shape,
    secret_name,
)
from django_guardrails.source.module import child_bodies
from django_guardrails.source.secret_reads import (
    FallbackRead,
    Helpers,
    fallback_read,
    module_helpers,
)

__all__ = [
    "SecretFinding",
    "credential_shape",
    "is_placeholder",
    "scan",
    "secret_name",
]


@dataclass(frozen=True)
class SecretFinding:
    name: str  # "SECRET_KEY", "DATABASES['default']['PASSWORD']"
    line: int
    kind: str  # "literal" or "env_default"
    reason: str  # why it looks like a secret, never the value
    digest: str  # sha256 of the value, to find the same secret elsewhere
    read: str = ""  # env_default: the read without its fallback, os.environ['KEY']
    placeholder: bool = False  # env_default: "changeme", "admin"... (still a working value)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _literal(name: str, value: str, line: int, development: bool) -> SecretFinding | None:
    if is_placeholder(value, development=development):
        return None
    shape = name_shape(value, name)
    if development:
        # Development and test keys are local by nature; a real third-party token is not.
        if shape in FORMAT_LABELS:
            return SecretFinding(name, line, "literal", shape or "", _digest(value))
        return None
    if shape is not None:
        return SecretFinding(name, line, "literal", shape, _digest(value))
    if (
        secret_name(name)
        and len(value) >= 6
        and " " not in value
        and cannot_be_secret(value, name) is None
    ):
        return SecretFinding(
            name, line, "literal", "a literal under a secret's name", _digest(value)
        )
    return None


def _fallback(name: str, read: FallbackRead, development: bool) -> SecretFinding | None:
    """A read whose literal fallback is a credential: any non-empty fallback of a secret
    (placeholders too: "changeme" is the password wherever the variable is missing), or a
    fallback shaped like a credential whatever the names."""
    value = read.default
    if not value.strip():
        return None  # no credential at all: the service refuses, nothing works by accident
    shape = name_shape(value, name, read.key)
    secret = secret_name(name) or (read.key is not None and secret_name(read.key))
    if shape is None and (not secret or cannot_be_secret(value, name, read.key) is not None):
        return None
    placeholder = is_placeholder(value, development=development)
    if shape is not None:
        reason = shape
    elif placeholder:
        reason = "a placeholder under a secret's name"
    else:
        reason = "a literal under a secret's name"
    return SecretFinding(
        name, read.line, "env_default", reason, _digest(value), read.required, placeholder
    )


def _values(node: ast.expr, name: str) -> Iterator[tuple[str, ast.expr]]:
    """(setting name, value node) for a value and the values nested in its dicts and lists."""
    yield name, node
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str) and value is not None:
                yield from _values(value, f"{name}['{key.value}']")
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        for element in node.elts:
            yield from _values(element, name)
    elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict":
        for keyword in node.keywords:
            if keyword.arg:
                yield from _values(keyword.value, f"{name}['{keyword.arg}']")


def scan(tree: ast.Module, *, development: bool = False) -> Iterator[SecretFinding]:
    """Every literal secret and every literal fallback of a read, with its setting.

    ``development``: the module is a development or test one, whose ``django-insecure-`` keys
    are no secrets.
    """
    helpers = module_helpers(tree)
    statements: list[ast.stmt] = list(tree.body)
    while statements:
        statement = statements.pop(0)
        for body in child_bodies(statement):
            statements.extend(body)
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        elif isinstance(statement, ast.Expr):
            # os.environ.setdefault("DJANGO_SECRET_KEY", "..."): named by the key it sets.
            read = fallback_read(statement.value, helpers)
            if read is not None and read.key is not None:
                found = _fallback(read.key, read, development)
                if found is not None:
                    yield found
            continue
        else:
            continue
        for target in targets:
            name = _target_name(target)
            if name is not None:
                yield from _scan_value(name, value, development, helpers)


def _target_name(target: ast.expr) -> str | None:
    """``SECRET_KEY``, or ``DATABASES['default']`` for a subscript assignment."""
    if isinstance(target, ast.Name):
        return target.id
    if (
        isinstance(target, ast.Subscript)
        and isinstance(target.slice, ast.Constant)
        and isinstance(target.slice.value, str)
    ):
        base = _target_name(target.value)
        return f"{base}['{target.slice.value}']" if base else None
    return None


def _scan_value(
    setting: str, value: ast.expr, development: bool, helpers: Helpers
) -> Iterator[SecretFinding]:
    for name, node in _values(value, setting):
        found: SecretFinding | None = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found = _literal(name, node.value, node.lineno, development)
        elif isinstance(node, ast.Call | ast.BoolOp):
            read = fallback_read(node, helpers)
            found = _fallback(name, read, development) if read is not None else None
        if found is not None:
            yield found
