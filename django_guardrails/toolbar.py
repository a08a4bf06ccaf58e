"""``GuardrailsPanel``: a django-debug-toolbar panel listing the request's findings.

Add ``"django_guardrails.toolbar.GuardrailsPanel"`` to ``DEBUG_TOOLBAR_PANELS``. Importing
this module imports the toolbar; nothing else in django_guardrails imports this module.

The panel watches the request with a unit of work of its own, opened in ``process_request``
around the view, whichever order the middleware are in and whether or not
``QueryGuardMiddleware`` is installed: it only sees the queries of the rest of the middleware
stack and the view (``integrations.toolbar`` resumes it inside the toolbar's ``get_response``,
nested in the request's unit when there is one). Its own work (``generate_stats``, rendering)
runs after the unit has ended, so it is never counted. It never reports (no log, signal or
raise): the request's own unit does that. Only fingerprints are kept, never parameter values.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextvars import Token
from typing import Any, cast

from debug_toolbar.panels import Panel
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponseBase
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from django_guardrails.failures import internal_error
from django_guardrails.project import display_path
from django_guardrails.query.api import Guard, finish, guard
from django_guardrails.query.capture import enter, leave
from django_guardrails.query.types import (
    DUPLICATE,
    N_PLUS_ONE,
    QUERY_BUDGET,
    REPEATED_WRITE,
    SLOW,
    UNUSED_EAGER_LOAD,
    Finding,
)

__all__ = ["GuardrailsPanel"]

_EMPTY = mark_safe("")

# How the nav subtitle counts each kind: (singular, plural).
_NAMES = {
    N_PLUS_ONE: ("N+1", "N+1"),
    DUPLICATE: ("duplicate", "duplicates"),
    REPEATED_WRITE: ("repeated write", "repeated writes"),
    UNUSED_EAGER_LOAD: ("unused eager load", "unused eager loads"),
    QUERY_BUDGET: ("over budget", "over budget"),
    SLOW: ("slow", "slow"),
}


_TITLES = {
    N_PLUS_ONE: "N+1 query",
    DUPLICATE: "Duplicate query",
    REPEATED_WRITE: "Repeated write",
    UNUSED_EAGER_LOAD: "Unused eager load",
    QUERY_BUDGET: "Query budget exceeded",
    SLOW: "Slow request (ms)",
}


class GuardrailsPanel(Panel):
    """The request's N+1s, duplicates, repeated writes and unused eager loads: where each ran,
    the line that built the queryset, the relation and the fix."""

    is_async = True
    title = "Guardrails"
    nav_title = "Guardrails"

    def process_request(self, request: HttpRequest) -> Any:
        unit = _open(request)
        if unit is None:
            return self.get_response(request)
        self._unit = unit
        if isinstance(request, ASGIRequest):
            return self._aprocess(request, unit)
        token = enter(unit)
        try:
            return self.get_response(request)
        finally:
            _close(unit, token)

    async def _aprocess(self, request: HttpRequest, unit: Guard) -> Any:
        token = enter(unit)
        try:
            get_response: Any = self.get_response  # a coroutine function under ASGI
            return await get_response(request)
        finally:
            _close(unit, token)

    # The toolbar's own methods are untyped.
    def _stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = cast(Any, self).get_stats()
        return stats

    def _record(self, stats: dict[str, Any]) -> None:
        cast(Any, self).record_stats(stats)

    def generate_stats(self, request: HttpRequest, response: HttpResponseBase) -> None:
        unit: Guard | None = getattr(self, "_unit", None)
        if unit is None:
            self._record({"watched": False, "queries": 0, "findings": []})
            return
        self._record(
            {
                "watched": True,
                "queries": unit.count,
                "findings": [_row(finding) for finding in unit.findings],
            }
        )

    @property
    def nav_subtitle(self) -> str:
        stats = self._stats()
        if not stats.get("watched"):
            return "not watched"
        return subtitle(stats.get("findings", []))

    @property
    def content(self) -> SafeString:
        stats = self._stats()
        if not stats.get("watched"):
            return mark_safe(  # a constant
                "<p>Guardrails did not watch this request (its query guard failed to start; "
                "see the log).</p>"
            )
        findings: list[dict[str, Any]] = stats.get("findings", [])
        count = stats.get("queries", 0)
        queries = format_html(
            "<p>{} {} ran in the view.</p>", count, "query" if count == 1 else "queries"
        )
        if not findings:
            return format_html("{}<p>No problems found.</p>", queries)
        rows = format_html_join("\n", "{}", ((_render(row),) for row in findings))
        return format_html(
            "{}<table><thead><tr><th>Problem</th><th>Where</th><th>Queryset built at</th>"
            "<th>Relation</th><th>Fix</th></tr></thead><tbody>{}</tbody></table>",
            queries,
            rows,
        )


def subtitle(findings: Sequence[dict[str, Any]]) -> str:
    """``"2 N+1, 1 duplicate"``: the count of each kind, in the order of ``_NAMES``."""
    counts: dict[str, int] = {}
    for row in findings:
        counts[row["kind"]] = counts.get(row["kind"], 0) + 1
    parts = []
    for kind, (one, many) in _NAMES.items():
        number = counts.pop(kind, 0)
        if number:
            parts.append(f"{number} {one if number == 1 else many}")
    parts += [f"{number} {kind}" for kind, number in counts.items()]
    return ", ".join(parts) if parts else "no problems"


def _open(request: HttpRequest) -> Guard | None:
    try:
        name = f"{request.method} {request.path}"
        unit = guard(name, path=request.path, mode="log", report_findings=False)
        unit.request = request  # its hints show the path as the middleware's do
        return unit
    except Exception:
        internal_error("the toolbar panel, opening its unit")
        return None


def _close(unit: Guard, token: Token[Any]) -> None:
    try:
        leave(unit, token)
        finish(unit, report_now=False)
    except Exception:
        internal_error("the toolbar panel, closing its unit")


def _row(finding: Finding) -> dict[str, Any]:
    """What the panel keeps of a finding: strings and numbers (the toolbar's store is JSON),
    the query's fingerprint, never its parameters."""
    path = display_path(finding.file) if finding.file else None
    return {
        "kind": finding.kind,
        "title": _TITLES.get(finding.kind, finding.kind),
        "count": finding.count,
        "template": finding.template,
        "path": path,
        "line": finding.line,
        "function": finding.function,
        "package": finding.package,
        "built_at": finding.built_at,
        "relation": finding.relation,
        "fix": finding.fix,
        "hint": finding.hint,
        "sql": finding.sql,
    }


def _place(path: str | None, line: Any, function: Any) -> SafeString:
    """A file and line the way the toolbar's SQL panel shows a stack frame."""
    if not path:
        return _EMPTY
    directory, _, filename = path.rpartition(os.sep)
    return format_html(
        '<span class="djdt-path">{}</span><span class="djdt-file">{}</span>'
        '{}(<span class="djdt-lineno">{}</span>)',
        f"{directory}{os.sep}" if directory else "",
        filename,
        format_html(' in <span class="djdt-func">{}</span>', function) if function else "",
        line,
    )


def _render(row: dict[str, Any]) -> SafeString:
    if row["template"]:  # "app/templates/app/list.html:12": the template's line
        path, _, line = row["template"].rpartition(":")
        where = _place(path, line, row["function"])
    elif row["path"]:
        where = _place(row["path"], row["line"], row["function"])
    else:
        where = format_html("{}", f"{row['package'] or 'a library'}'s code")
    fix = format_html("<code>{}</code><br>", row["fix"]) if row["fix"] else _EMPTY
    return format_html(
        "<tr><td>{} ({}&times;)<br><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}{}</td></tr>",
        row["title"],
        row["count"],
        row["sql"],
        where,
        row["built_at"] or "",
        row["relation"] or "",
        fix,
        row["hint"],
    )
