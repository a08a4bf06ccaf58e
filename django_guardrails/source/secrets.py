"""Secrets written into settings source: literals, and literal defaults of environment reads.

Pure functions over a parsed settings module; a finding carries the setting's name, the line and
a hash of the value, never the value itself.
"""

from __future__ import annotations

import ast
import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

_SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|"
    r"AUTH_?KEY|SIGNING_?KEY|CLIENT_?KEY|\bDSN\b|_DSN$",
    re.IGNORECASE,
)
_HARMLESS_NAME = re.compile(
    r"(_NAME|_HEADER|_TIMEOUT|_AGE|_LENGTH|_VALIDATORS|_HASHERS|_BACKEND|_FIELD|_PATH|_URL_NAME)$",
    re.IGNORECASE,
)
_KNOWN_FORMATS = (
    ("an AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("a GitLab token", re.compile(r"\bglpat-[\w-]{20,}")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[\w-]{10,}")),
    ("a Stripe key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{16,}")),
    ("a Google API key", re.compile(r"\bAIza[\w-]{35}\b")),
    ("a SendGrid key", re.compile(r"\bSG\.[\w-]{16,}\.[\w-]{16,}")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    ("a JSON web token", re.compile(r"\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}")),
    ("a Mailgun key", re.compile(r"\bkey-[0-9a-f]{32}\b")),
)
_URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^:/@\s]*:([^@/\s]+)@", re.IGNORECASE)
_PLACEHOLDERS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "secret",
        "password",
        "passwd",
        "pass",
        "xxx",
        "dummy",
        "test",
        "testing",
        "example",
        "todo",
        "none",
        "null",
        "default",
        "placeholder",
        "your-secret-key",
        "your_secret_key",
        "secret-key",
        "secretkey",
        "admin",
        "postgres",
        "root",
        "guest",
        "fake",
        "notasecret",
        "not-a-secret",
        "insecure",
    }
)
_PLACEHOLDER_SHAPES = re.compile(
    r"^(x+|\*+|\.+|<[^>]*>|\$\{[^}]*\}|\$[A-Z_]+|%\([^)]*\)s|\{\{[^}]*\}\}|\{[a-z_]*\})$",
    re.IGNORECASE,
)
_ENV_FUNCTIONS = frozenset({"getenv", "get", "env", "str", "config", "Env"})


@dataclass(frozen=True)
class SecretFinding:
    name: str  # "SECRET_KEY", "DATABASES['default']['PASSWORD']"
    line: int
    kind: str  # "literal" or "env_default"
    reason: str  # why it looks like a secret, never the value
    digest: str  # sha256 of the value, to find the same secret elsewhere


def is_placeholder(value: str, *, development: bool = False) -> bool:
    """A value that is no secret: empty, a dummy, a template; in development Django's own
    ``django-insecure-`` keys too."""
    folded = value.strip().lower()
    if development and folded.startswith("django-insecure-"):
        return True
    if folded in _PLACEHOLDERS or _PLACEHOLDER_SHAPES.match(value.strip()):
        return True
    tail = re.split(r"[_.-]", folded)[-1]
    if len(tail) >= 4 and len(set(tail)) == 1:  # "sk_test_xxxxxxxx": a format with no key
        return True
    return folded.startswith(("change", "replace", "your-", "your_", "todo", "fixme", "dummy"))


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _high_entropy(value: str) -> bool:
    if len(value) < 24 or any(c.isspace() for c in value) or "/" in value or "." in value:
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
        )
    )
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        return len(value) >= 32 and _entropy(value) >= 3.0
    return classes >= 2 and _entropy(value) >= 4.0


def credential_shape(value: str) -> str | None:
    """Why ``value`` looks like a credential whatever its name, or None."""
    for label, pattern in _KNOWN_FORMATS:
        if pattern.search(value):
            return label
    match = _URL_PASSWORD.match(value)
    if match and not is_placeholder(match.group(1)):
        return "a URL with a password"
    if _high_entropy(value):
        return "a high-entropy string"
    return None


def secret_name(name: str) -> bool:
    last = name.rsplit("'", 2)[-2] if name.endswith("']") else name
    return bool(_SECRET_NAME.search(last)) and not _HARMLESS_NAME.search(last)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


_FORMAT_LABELS = frozenset(label for label, _ in _KNOWN_FORMATS)


def _literal(name: str, value: str, line: int, development: bool) -> SecretFinding | None:
    if is_placeholder(value, development=development):
        return None
    shape = credential_shape(value)
    if development:
        # Development and test keys are local by nature; a real third-party token is not.
        if shape in _FORMAT_LABELS:
            return SecretFinding(name, line, "literal", shape or "", _digest(value))
        return None
    if shape is not None:
        return SecretFinding(name, line, "literal", shape, _digest(value))
    if (
        secret_name(name)
        and len(value) >= 6
        and not value.startswith("django.")
        and " " not in value
    ):
        return SecretFinding(
            name, line, "literal", "a literal under a secret's name", _digest(value)
        )
    return None


def _env_default(call: ast.Call) -> ast.expr | None:
    """The literal default of ``os.environ.get``/``os.getenv``/``env(...)``/``config(...)``."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in _ENV_FUNCTIONS:
        return None
    if name == "get" and not (
        isinstance(func, ast.Attribute)
        and (
            getattr(func.value, "attr", None) == "environ"
            or getattr(func.value, "id", None) == "environ"
        )
    ):
        return None
    for keyword in call.keywords:
        if keyword.arg == "default":
            return keyword.value
    if name in {"get", "getenv"} and len(call.args) >= 2:
        return call.args[1]
    return None


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
    """Every literal secret and every literal default of an environment read, with its setting.

    ``development``: the module is a development or test one, whose ``django-insecure-`` keys
    are no secrets.
    """
    statements: list[ast.stmt] = list(tree.body)
    while statements:
        statement = statements.pop(0)
        for attribute in ("body", "orelse", "finalbody"):
            statements.extend(getattr(statement, attribute, []) or [])
        for handler in getattr(statement, "handlers", []) or []:
            statements.extend(handler.body)
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            continue
        for target in targets:
            name = _target_name(target)
            if name is not None:
                yield from _scan_value(name, value, development)


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


def _scan_value(setting: str, value: ast.expr, development: bool) -> Iterator[SecretFinding]:
    for name, node in _values(value, setting):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found = _literal(name, node.value, node.lineno, development)
            if found is not None:
                yield found
        elif isinstance(node, ast.Call):
            default = _env_default(node)
            if (
                isinstance(default, ast.Constant)
                and isinstance(default.value, str)
                and not is_placeholder(default.value, development=development)
                and (secret_name(name) or credential_shape(default.value))
            ):
                reason = credential_shape(default.value) or "a default under a secret's name"
                yield SecretFinding(
                    name, node.lineno, "env_default", reason, _digest(default.value)
                )
