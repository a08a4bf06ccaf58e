"""The schema of the ``GUARDRAILS`` setting: defaults, types and validation.

Pure functions: ``parse()`` turns a raw value into a frozen ``GuardrailsSettings`` and a list of
problems, never raising; a bad value falls back to its default. ``conf`` reads and caches it.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeGuard, get_args

SETTING_NAME = "GUARDRAILS"
Mode = Literal["off", "log", "warn", "raise"]
MODES: tuple[Mode, ...] = get_args(Mode)
THIRD_PARTY_CHOICES = ("count", "show", "off")
ALLOWLIST_KEYS = ("relation", "sql", "callsite", "url")


@dataclass(frozen=True)
class AllowRule:
    """One ``ALLOWLIST`` entry; every field that is set must match for the rule to apply."""

    relation: str | None = None
    sql: str | None = None
    callsite: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Sampling:
    """Which requests the middleware watches, when not every one: ``GuardrailsSettings`` makes
    it from ``SAMPLE_RATE``, ``SAMPLE_PATHS`` and ``SAMPLE_HEADER`` once, never per request."""

    rate: float
    paths: tuple[tuple[str, float], ...]  # (prefix, rate), the longest prefix first
    header: str | None  # the request.META key of SAMPLE_HEADER: "HTTP_X_GUARDRAILS_SAMPLE"
    by_rate_alone: bool  # no path rule and no header: a draw against ``rate`` decides


# In production the same finding is logged once per process per this many seconds.
PRODUCTION_LOG_INTERVAL = 300.0


@dataclass(frozen=True)
class GuardrailsSettings:
    apps: tuple[str, ...] | None = None
    baseline: Path | None = None
    mode: Mode | None = None
    n_plus_one_threshold: int = 3
    query_budget: int | None = None
    slow_ms: float | None = 500.0
    allowlist: tuple[AllowRule, ...] = ()
    migrations_since: Mapping[str, str] = field(default_factory=dict)
    cache_version_field: str = "updated_at"
    # Findings that no line or template of the project ran, and that the project has no place
    # to fix: counted (default), shown, or dropped.
    third_party: str = "count"
    sample_rate: float = 1.0
    sample_paths: Mapping[str, float] = field(default_factory=dict)
    sample_header: str | None = None
    log_interval: float | None = None
    # Made from the three above: None when every request is watched (the default).
    sampling: Sampling | None = field(init=False, compare=False, repr=False, default=None)

    def __post_init__(self) -> None:
        if self.sample_rate < 1.0 or self.sample_paths or self.sample_header:
            header = self.sample_header
            meta = "HTTP_" + header.upper().replace("-", "_") if header else None
            paths = sorted(self.sample_paths.items(), key=lambda item: -len(item[0]))
            alone = not paths and meta is None
            sampling = Sampling(self.sample_rate, tuple(paths), meta, alone)
            object.__setattr__(self, "sampling", sampling)

    @property
    def effective_log_interval(self) -> float:
        """``LOG_INTERVAL`` as it applies now: by default every finding is logged under
        ``DEBUG`` and in a test run, and each finding once per 300 s otherwise."""
        if self.log_interval is not None:
            return self.log_interval
        from django_guardrails.conf import debug, in_test_run  # conf imports this module

        return 0.0 if debug() or in_test_run() else PRODUCTION_LOG_INTERVAL

    @property
    def effective_mode(self) -> Mode:
        """``MODE`` as it applies now: by default log while ``DEBUG`` and off otherwise;
        ``"raise"`` only under ``DEBUG`` or in a test run (else it logs)."""
        mode = self.mode
        if mode is not None and mode != "raise":
            return mode
        from django_guardrails.conf import debug, safe_mode  # conf imports this module

        if mode is None:
            return "log" if debug() else "off"
        return safe_mode(mode)


@dataclass(frozen=True)
class ConfigProblem:
    """An invalid part of ``GUARDRAILS``: ``key`` names it, e.g. ``ALLOWLIST[2]``."""

    key: str
    message: str
    hint: str


class _Invalid(Exception):
    def __init__(self, expected: str, hint: str = "") -> None:
        super().__init__(expected)
        self.expected = expected
        self.hint = hint


def redacted(value: object) -> str:
    """Name what was found without printing a value that could be a secret."""
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    article = "an" if type(value).__name__[0] in "aeiou" else "a"
    return f"{article} {type(value).__name__}"


_MAX_SHOWN = 60


def _strings_in(value: object, depth: int = 0) -> list[str] | None:
    """Every string inside a plain value, or None when it holds anything else."""
    if isinstance(value, str):
        return [value]
    if value is None or isinstance(value, bool | int | float | Path):
        return [str(value)]
    if depth < 3 and isinstance(value, list | tuple | dict):
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else list(value)
        found: list[str] = []
        for item in items:
            inner = _strings_in(item, depth + 1)
            if inner is None:
                return None
            found += inner
        return found
    return None


def shown(value: object) -> str:
    """The value of a known key as written (``"strict"``, ``[1, 2]``) when it is short and
    nothing in it looks like a credential; else only its type, as ``redacted()``."""
    from django_guardrails.secret_values import credential_shape

    strings = _strings_in(value)
    text = repr(value)
    if strings is None or len(text) > _MAX_SHOWN or any(map(credential_shape, strings)):
        return redacted(value)
    return text


def _suggest(word: str, choices: tuple[str, ...]) -> str | None:
    for choice in choices:
        if choice.lower() == word.lower():
            return choice
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(word.upper(), choices, n=1, cutoff=0.6)
    return close[0] if close else None


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_apps(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise _Invalid("a list of app labels or dotted app names, or None")
    if not all(isinstance(item, str) and item for item in value):
        raise _Invalid("a list of non-empty strings (app labels or dotted app names), or None")
    return tuple(value)


def _parse_baseline(value: object) -> Path | None:
    if value is None:
        return None
    if isinstance(value, str | os.PathLike) and os.fspath(value):
        return Path(os.fspath(value))
    raise _Invalid("a file path (str or pathlib.Path), or None")


def _is_mode(value: object) -> TypeGuard[Mode]:
    return isinstance(value, str) and value in MODES


def _parse_mode(value: object) -> Mode | None:
    if value is None or _is_mode(value):
        return value
    choices = ", ".join(f'"{mode}"' for mode in MODES)
    expected = f"one of {choices} or None"
    hint = f"Use one of {choices}, or None for log under DEBUG and off otherwise."
    if isinstance(value, str) and value.strip().lower() in MODES:
        hint = f'Write it in lower case: "{value.strip().lower()}".'
    elif isinstance(value, str) and (close := _suggest(value.strip(), MODES)):
        hint = f'Did you mean "{close}"? {hint}'
    raise _Invalid(expected, hint)


def _parse_threshold(value: object) -> int:
    if _is_int(value) and value >= 2:
        return value
    raise _Invalid("an int >= 2 (a single repeat is not an N+1)")


def _parse_budget(value: object) -> int | None:
    if value is None or (_is_int(value) and value >= 1):
        return value
    raise _Invalid("an int >= 1, or None to turn the budget off")


def _parse_slow_ms(value: object) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    ):
        return float(value)
    raise _Invalid("a number of milliseconds > 0, or None to turn it off")


def _parse_relation(value: object) -> str:
    if isinstance(value, str) and value.count(".") == 2 and all(value.split(".")):
        return value
    raise _Invalid('a relation written "app_label.Model.field"')


def _parse_allow_rule(
    value: object, path: tuple[str | int, ...], problems: list[ConfigProblem]
) -> AllowRule | None:
    if isinstance(value, str):
        try:
            return AllowRule(relation=_parse_relation(value))
        except _Invalid as invalid:
            problems.append(_problem(path, invalid, value))
            return None
    if not isinstance(value, Mapping) or not value:
        expected = 'a relation string or a dict with any of the keys "' + '", "'.join(
            ALLOWLIST_KEYS
        )
        problems.append(_problem(path, _Invalid(expected + '"'), value))
        return None
    fields: dict[str, str] = {}
    valid = True
    for name, pattern in value.items():
        entry_path = (*path, str(name))
        if name not in ALLOWLIST_KEYS:
            problems.append(_unknown_key_problem(path, name, ALLOWLIST_KEYS))
            valid = False
        elif name == "relation":
            try:
                fields[name] = _parse_relation(pattern)
            except _Invalid as invalid:
                problems.append(_problem(entry_path, invalid, pattern))
                valid = False
        elif isinstance(pattern, str) and pattern:
            fields[name] = pattern
        else:
            not_a_pattern = _Invalid("a non-empty string pattern")
            problems.append(_problem(entry_path, not_a_pattern, pattern))
            valid = False
    return AllowRule(**fields) if valid else None


def _parse_migrations_since(value: object) -> Mapping[str, str]:
    if isinstance(value, Mapping) and all(
        isinstance(label, str) and isinstance(name, str) and label and name
        for label, name in value.items()
    ):
        return dict(value)
    raise _Invalid('a dict mapping app labels to migration names, e.g. {"shop": "0042_x"}')


def _parse_third_party(value: object) -> str:
    if isinstance(value, str) and value in THIRD_PARTY_CHOICES:
        return value
    choices = ", ".join(f'"{choice}"' for choice in THIRD_PARTY_CHOICES)
    raise _Invalid(f"one of {choices}", f'Use one of {choices}; the default is "count".')


def _parse_cache_version_field(value: object) -> str:
    if isinstance(value, str) and value.isidentifier():
        return value
    raise _Invalid('the name of a model field, e.g. "modified_at"')


def _is_rate(value: object) -> TypeGuard[float]:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0.0 <= value <= 1.0
    )


def _parse_sample_rate(value: object) -> float:
    if _is_rate(value):
        return float(value)
    hint = "Use a number from 0.0 (no request) to 1.0 (every request), e.g. 0.01 in production."
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 < value <= 100:
        hint = f"A fraction, not a percentage: {value} % is {value / 100:g}."
    raise _Invalid("a number from 0.0 to 1.0", hint)


def _parse_sample_paths(value: object) -> Mapping[str, float]:
    if isinstance(value, Mapping) and all(
        isinstance(prefix, str) and prefix.startswith("/") and _is_rate(rate)
        for prefix, rate in value.items()
    ):
        return {prefix: float(rate) for prefix, rate in value.items()}
    raise _Invalid(
        'a dict mapping path prefixes to rates from 0.0 to 1.0, e.g. {"/api/": 0.1}',
        'Each key is the start of a request path ("/api/"), each value a rate from 0.0 to 1.0.',
    )


# A header name as clients send it: letters, digits and hyphens (servers drop names with "_").
_HEADER_NAME = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


def _parse_sample_header(value: object) -> str | None:
    if value is None or (isinstance(value, str) and _HEADER_NAME.fullmatch(value)):
        return value
    hint = 'Name the header as clients send it, e.g. "X-Guardrails-Sample", or use None.'
    if isinstance(value, str) and value.upper().startswith("HTTP_"):
        name = "-".join(part.capitalize() for part in value[5:].split("_") if part)
        hint = f'Write the header name, not its request.META key: "{name}".'
    raise _Invalid("an HTTP header name (letters, digits and hyphens), or None", hint)


def _parse_log_interval(value: object) -> float | None:
    if value is None or (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    ):
        return None if value is None else float(value)
    raise _Invalid(
        "a number of seconds >= 0, or None",
        "0 logs every finding; None logs every one under DEBUG and each once per 300 s otherwise.",
    )


_SIMPLE_PARSERS: dict[str, Callable[[object], Any]] = {
    "APPS": _parse_apps,
    "BASELINE": _parse_baseline,
    "MODE": _parse_mode,
    "N_PLUS_ONE_THRESHOLD": _parse_threshold,
    "QUERY_BUDGET": _parse_budget,
    "SLOW_MS": _parse_slow_ms,
    "MIGRATIONS_SINCE": _parse_migrations_since,
    "CACHE_VERSION_FIELD": _parse_cache_version_field,
    "THIRD_PARTY": _parse_third_party,
    "SAMPLE_RATE": _parse_sample_rate,
    "SAMPLE_PATHS": _parse_sample_paths,
    "SAMPLE_HEADER": _parse_sample_header,
    "LOG_INTERVAL": _parse_log_interval,
}
KEYS: tuple[str, ...] = tuple(sorted((*_SIMPLE_PARSERS, "ALLOWLIST")))
_FIELD_NAMES = {key: key.lower() for key in KEYS}


def _display(path: tuple[str | int, ...]) -> str:
    """``("ALLOWLIST", 1, "sql")`` -> ``GUARDRAILS["ALLOWLIST"][1]["sql"]``."""
    return SETTING_NAME + "".join(
        f"[{part}]" if isinstance(part, int) else f'["{part}"]' for part in path
    )


def _key(path: tuple[str | int, ...]) -> str:
    """``("ALLOWLIST", 1, "sql")`` -> ``ALLOWLIST[1].sql``, the key a problem is filed under."""
    text = str(path[0])
    for part in path[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _problem(path: tuple[str | int, ...], invalid: _Invalid, value: object) -> ConfigProblem:
    hint = invalid.hint or f"Fix {_display(path)} or remove it to use the default."
    return ConfigProblem(
        key=_key(path),
        message=f"{_display(path)} must be {invalid.expected}; found {shown(value)}.",
        hint=hint,
    )


def _unknown_key_problem(
    parent: tuple[str | int, ...], name: object, valid: tuple[str, ...]
) -> ConfigProblem:
    shown = name if isinstance(name, str) and name else repr(name) if name == "" else redacted(name)
    suggestion = _suggest(name, valid) if isinstance(name, str) else None
    did_you_mean = f"Did you mean '{suggestion}'? " if suggestion else ""
    owner = _display(parent) if parent else SETTING_NAME
    return ConfigProblem(
        key=_key((*parent, shown)),
        message=f"{owner} has an unknown key '{shown}'.",
        hint=f"{did_you_mean}Valid keys: {', '.join(valid)}.",
    )


def parse(raw: object) -> tuple[GuardrailsSettings, list[ConfigProblem]]:
    """Validate a raw ``GUARDRAILS`` value; invalid parts fall back to their defaults."""
    problems: list[ConfigProblem] = []
    if raw is None:
        return GuardrailsSettings(), problems
    if not isinstance(raw, Mapping):
        problems.append(
            ConfigProblem(
                key=SETTING_NAME,
                message=f"{SETTING_NAME} must be a dict; found {redacted(raw)}.",
                hint=f"Write {SETTING_NAME} = {{...}} with keys among {', '.join(KEYS)}.",
            )
        )
        return GuardrailsSettings(), problems
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "ALLOWLIST":
            values["allowlist"] = _parse_allowlist(value, problems)
        elif key in _SIMPLE_PARSERS:
            try:
                values[_FIELD_NAMES[key]] = _SIMPLE_PARSERS[key](value)
            except _Invalid as invalid:
                problems.append(_problem((key,), invalid, value))
        else:
            problems.append(_unknown_key_problem((), key, KEYS))
    return GuardrailsSettings(**values), problems


def _parse_allowlist(value: object, problems: list[ConfigProblem]) -> tuple[AllowRule, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        problems.append(
            _problem(("ALLOWLIST",), _Invalid("a list of relation strings or dicts"), value)
        )
        return ()
    rules = (
        _parse_allow_rule(entry, ("ALLOWLIST", index), problems)
        for index, entry in enumerate(value)
    )
    return tuple(rule for rule in rules if rule is not None)
