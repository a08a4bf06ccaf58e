"""W304: a path to one of the project's own named routes written out by hand.

Candidates come from the source (redirects, ``success_url``, ``href``/``action`` in templates);
whether a candidate is a route, and which, is asked of the live resolver, so included
namespaces and converters are exactly what ``reverse()`` would use. Values interpolated into the
path (``{{ book.slug }}``, ``f"/books/{book.slug}/"``) are tried as placeholders.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

from django.core.checks import CheckMessage

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.checks.security.templates import template_files
from django_guardrails.checks.urls.route_finder import NamedRoute, RouteFinder
from django_guardrails.source.facts import Extractor
from django_guardrails.source.files import python_files
from django_guardrails.source.index import ModuleSource, may_mention

_REDIRECTS = frozenset({"redirect", "HttpResponseRedirect", "HttpResponsePermanentRedirect"})
_URL_ATTRIBUTES = frozenset({"success_url", "login_url", "permission_denied_url"})
_TEMPLATE_LINK = re.compile(
    r"""\b(?:href|action|formaction)\s*=\s*(["'])(/(?!/)(?:\{\{[^}]*\}\}|[^"'<>\s{])*)\1""",
    re.IGNORECASE,
)
_TEMPLATE_VARIABLE = re.compile(r"\{\{\s*(.*?)\s*\}\}")


def _path_template(node: ast.expr) -> tuple[str, list[str]] | None:
    """A literal path as a ``str.format`` template plus the source of each interpolation."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text, expressions = node.value.replace("{", "{{").replace("}", "}}"), list[str]()
    elif isinstance(node, ast.JoinedStr):
        parts, expressions = [], []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value.replace("{", "{{").replace("}", "}}"))
            elif isinstance(value, ast.FormattedValue):
                parts.append("{}")
                expressions.append(ast.unparse(value.value))
        text = "".join(parts)
    else:
        return None
    if not text.startswith("/") or text.startswith("//"):
        return None
    return text, expressions


def _python_candidates(source: ModuleSource) -> Iterator[tuple[ast.expr, str]]:
    """Each path-like value in a redirect or URL attribute, with how its fix is written."""
    for node in source.nodes():
        if isinstance(node, ast.Call):
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else None
            callee = node.func.id if isinstance(node.func, ast.Name) else callee
            if callee in _REDIRECTS and node.args:
                yield node.args[0], "redirect" if callee == "redirect" else "reverse"
            for keyword in node.keywords:
                if keyword.arg in _URL_ATTRIBUTES or (callee == "as_view" and keyword.arg == "url"):
                    yield keyword.value, "reverse_lazy"
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id in _URL_ATTRIBUTES for t in statement.targets
                ):
                    yield statement.value, "reverse_lazy"


def _python_fix(style: str, route: NamedRoute) -> str:
    if style == "redirect":
        arguments = [*route.args, *(f"{k}={v}" for k, v in route.kwargs)]
        return "redirect(" + ", ".join([f'"{route.name}"', *arguments]) + ")"
    extra = ""
    if route.kwargs:
        extra = ", kwargs={" + ", ".join(f'"{k}": {v}' for k, v in route.kwargs) + "}"
    elif route.args:
        extra = ", args=[" + ", ".join(route.args) + "]"
    call = f'{style}("{route.name}"{extra})'
    return f"HttpResponseRedirect({call})" if style == "reverse" else call


def _named(route: NamedRoute) -> str:
    return f"'{route.name}' ({route.served_by})" if route.served_by else f"'{route.name}'"


def _template_fix(route: NamedRoute, value: str) -> str:
    """``{% url %}`` for the route, followed by the link's own query or fragment."""
    arguments = [*route.args, *(f"{k}={v}" for k, v in route.kwargs)]
    suffix = value[len(value.split("#", 1)[0].split("?", 1)[0]) :]
    return "{% url " + " ".join([f"'{route.name}'", *arguments]) + " %}" + suffix


def _template_candidates(text: str) -> Iterator[tuple[int, str, str, list[str]]]:
    for match in _TEMPLATE_LINK.finditer(text):
        value = match.group(2)
        if "{%" in value:
            continue  # built by a tag: not a literal path
        pieces = _TEMPLATE_VARIABLE.split(value)
        literals, expressions = pieces[0::2], pieces[1::2]
        template = "{}".join(p.replace("{", "{{").replace("}", "}}") for p in literals)
        yield text.count("\n", 0, match.start()) + 1, value, template, expressions


def check_hardcoded_paths(scope: CheckScope) -> Iterator[CheckMessage]:
    """W304: redirects, URL attributes and template links that spell out an own route."""
    finder = RouteFinder()
    yield from _in_python(scope, finder)
    yield from _in_templates(scope, finder)


# Every candidate is an argument of one of these calls or a value of one of these names.
_CANDIDATE_NAMES = _REDIRECTS | _URL_ATTRIBUTES | {"as_view"}


def _path_candidates(source: ModuleSource) -> list[list[Any]]:
    """[line, path template, interpolated expressions, source as written, fix style], per
    redirect or URL attribute whose value is a literal path."""
    found: list[list[Any]] = []
    for node, style in _python_candidates(source):
        candidate = _path_template(node)
        if candidate is not None:
            template, expressions = candidate
            found.append([node.lineno, template, expressions, ast.unparse(node), style])
    return found


PATH_CANDIDATES = Extractor("hardcoded-path-candidates", _path_candidates)


def _in_python(scope: CheckScope, finder: RouteFinder) -> Iterator[CheckMessage]:
    for path in python_files(scope.app_configs):
        text = scope.source.text(path)
        if text is None or not may_mention(text, _CANDIDATE_NAMES):
            continue
        for line, template, expressions, shown, style in (
            scope.source.facts(path, PATH_CANDIDATES) or []
        ):
            route = finder.named_route(template, expressions)
            if route is None:
                continue
            fix = _python_fix(style, route)
            elsewhere = ""
            if route.urlconf:
                elsewhere = f' Outside its requests, pass urlconf="{route.urlconf}" to reverse().'
            yield ids.W304.message(
                f"The path {shown} is written out by hand; it is the route {_named(route)}.",
                hint=f"Use {fix}: the link follows the route when its path changes.{elsewhere}",
                obj=SourceLocation(path, line, "path"),
                file=path,
                line=line,
            )


def _in_templates(scope: CheckScope, finder: RouteFinder) -> Iterator[CheckMessage]:
    for path in template_files(scope):
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError):
            continue
        for line, value, template, expressions in _template_candidates(text):
            route = finder.named_route(template, expressions)
            if route is None:
                continue
            yield ids.W304.message(
                f"The path {value} is written out by hand; it is the route {_named(route)}.",
                hint=f"Use {_template_fix(route, value)}: the link follows the route when its path "
                "changes.",
                obj=SourceLocation(path, line, "link"),
                file=path,
                line=line,
            )
