"""Findings as JSON and as SARIF 2.1.0 (GitHub code scanning and other SARIF viewers)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core import checks

from django_guardrails.checks.framework import baseline, ids
from django_guardrails.checks.framework.messages import GuardrailsMessage, display_path
from django_guardrails.source.settings_modules import settings_sources
from django_guardrails.version import __version__

DOCS_URL = "https://django-guardrails.readthedocs.io/en/latest/checks/"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

_LEVEL_NAMES = {
    checks.CRITICAL: "CRITICAL",
    checks.ERROR: "ERROR",
    checks.WARNING: "WARNING",
    checks.INFO: "INFO",
    checks.DEBUG: "DEBUG",
}
_DOC_PAGES = {0: "app", 1: "settings", 2: "models", 3: "urls", 4: "signals", 5: "migrations"}
_DOC_PAGES |= {6: "security", 7: "celery", 8: "drf", 9: "caching"}
_AREAS = {0: "guardrails", 3: "URLs", 7: "Celery", 8: "DRF"}


def level_name(level: int) -> str:
    return _LEVEL_NAMES.get(level, str(level))


def _json_row(message: GuardrailsMessage) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": message.id,
        "level": level_name(message.level),
        "message": message.msg,
        "hint": message.hint,
        "obj": message.obj_label(),
        "file": display_path(message.file) if message.file else None,
        "line": message.line if message.file else None,
    }
    if message.items:  # the complete list the message names the first of
        row["items"] = list(message.items)
    return row


def as_json(messages: Sequence[GuardrailsMessage]) -> list[dict[str, Any]]:
    return [_json_row(message) for message in messages]


def help_uri(check_id: str) -> str:
    code = check_id.removeprefix(ids.PREFIX)
    page = _DOC_PAGES.get(int(code[1]) if code[1:].isdigit() else 0, "index")
    anchor = check_id.lower().replace(".", "")
    return f"{DOCS_URL}{page}/#{anchor}"


def _sarif_level(level: int) -> str:
    if level >= checks.ERROR:
        return "error"
    return "warning" if level >= checks.WARNING else "note"


def _rule(check_id: str, level: int) -> dict[str, Any]:
    known = ids.lookup(check_id)
    title = known.title if known else check_id
    return {
        "id": check_id,
        "name": check_id.removeprefix(ids.PREFIX),
        "shortDescription": {"text": title},
        "helpUri": help_uri(check_id),
        "defaultConfiguration": {"level": _sarif_level(level)},
    }


def _fallback_file() -> str | None:
    """Findings without a file (a setting left at its default) point at the settings module."""
    sources = settings_sources()
    return sources[0][1].path if sources else None


def as_sarif(messages: Sequence[GuardrailsMessage], root: Path | None = None) -> dict[str, Any]:
    root = root or Path.cwd()
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    results = []
    for message in messages:
        check_id = str(message.id)
        if check_id not in rule_index:
            rule_index[check_id] = len(rules)
            rules.append(_rule(check_id, message.level))
        file, line = message.file or _fallback_file(), message.line if message.file else None
        text = message.msg + (f" Fix: {message.hint}" if message.hint else "")
        key = baseline.finding_key(message, root)
        result: dict[str, Any] = {
            "ruleId": check_id,
            "ruleIndex": rule_index[check_id],
            "level": _sarif_level(message.level),
            "message": {"text": text},
            "partialFingerprints": {
                "guardrailsFinding/v1": hashlib.sha256(repr(key).encode()).hexdigest()
            },
        }
        if message.items:
            result["properties"] = {"items": list(message.items)}
        if file:
            location: dict[str, Any] = {"artifactLocation": _artifact(file, root)}
            if line:
                location["region"] = {"startLine": line}
            result["locations"] = [{"physicalLocation": location}]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "django-guardrails",
                        "version": __version__,
                        "informationUri": DOCS_URL,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
                "results": results,
            }
        ],
    }


def _artifact(file: str, root: Path) -> dict[str, str]:
    """A URI relative to %SRCROOT% for files under it; an absolute one (no base) otherwise."""
    try:
        relative = os.path.relpath(file, root)
    except ValueError:
        relative = os.pardir
    if relative.startswith(os.pardir):
        return {"uri": Path(file).resolve().as_uri()}
    return {"uri": Path(relative).as_posix(), "uriBaseId": "%SRCROOT%"}


def _area(message: GuardrailsMessage) -> int:
    code = str(message.id).removeprefix(ids.PREFIX)
    return int(code[1]) if code[1:].isdigit() else 0


def as_summary(messages: Sequence[GuardrailsMessage]) -> str:
    """The findings grouped by area: how many, and one example each (the most severe first),
    on one line per area; what a first run is better read as than a list of fifty."""
    if not messages:
        return "guardrails found nothing to report."
    levels = dict.fromkeys(("ERROR", "WARNING", "INFO"), 0)
    by_area: dict[int, list[GuardrailsMessage]] = {}
    for message in messages:
        levels[level_name(message.level)] = levels.get(level_name(message.level), 0) + 1
        by_area.setdefault(_area(message), []).append(message)
    counted = ", ".join(
        f"{count} {name.lower()}{'s' if count > 1 else ''}"
        for name, count in levels.items()
        if count
    )
    lines = [
        f"guardrails: {len(messages)} findings ({counted}) in {len(by_area)} areas; one "
        "example of each:"
    ]
    for area in sorted(by_area):
        found = by_area[area]
        example = sorted(found, key=lambda m: (-m.level, str(m.id), m.location or ""))[0]
        name = _AREAS.get(area, _DOC_PAGES.get(area, "other").capitalize())
        where = f"{example.location} " if example.location else ""
        lines.append(
            f"  {name:<10} {len(found):3}  {where}({str(example.id).removeprefix(ids.PREFIX)}) "
            f"{example.msg}"
        )
    return "\n".join(lines)
