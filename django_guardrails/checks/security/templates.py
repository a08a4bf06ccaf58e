"""The project's templates: W603 autoescaping off, W606 a POST form without a token.

Every directory the template engines search is read, kept to the project's own
(``source.template_dirs``); each template is tokenized by its engine's own lexer
(``source.template_tokens``), and only the HTML between the tokens is matched by pattern.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage
from django.http.request import split_domain_port, validate_host

from django_guardrails.checks import ids
from django_guardrails.checks.engine import CheckScope
from django_guardrails.checks.messages import SourceLocation
from django_guardrails.source.html_forms import Form, forms, leaves_site, posts
from django_guardrails.source.settings_modules import setting_location
from django_guardrails.source.template_dirs import (
    DJANGO,
    JINJA2,
    TemplateFile,
    project_templates,
    template_directories,
)
from django_guardrails.source.template_tokens import BLOCK, VAR, Token, template_tokens

_UNSAFE_FILTERS = frozenset({"safe", "safeseq"})
# Tags whose arguments are never output: a |safe there escapes nothing.
_NO_OUTPUT_TAGS = frozenset(
    {"if", "elif", "ifchanged", "url", "static", "load", "extends", "widthratio", "now"}
    | {"regroup", "block", "autoescape", "macro", "import", "from"}
)
# Inside a form, these may bring the token from elsewhere: give them the benefit of the doubt.
_TOKEN_MAY_COME_FROM = {
    DJANGO: frozenset({"csrf_token", "include", "block"}),
    JINJA2: frozenset({"include", "block", "call"}),
}


def template_files(scope: CheckScope) -> Iterator[str]:
    """The path of every own template (see ``source.template_dirs``); W304 reads them too."""
    for template in project_templates(scope.app_configs, scope.whole_project):
        yield template.path


def _tokens(scope: CheckScope, template: TemplateFile) -> list[Token]:
    text = scope.source.text(template.path)
    if text is None:
        return []
    return template_tokens(text, template.syntax, template.jinja_env)


def _escaping_off(token: Token, syntax: str) -> bool:
    if token.kind != BLOCK or token.tag != "autoescape":
        return False
    argument = token.contents.split()[1:2]
    if syntax == JINJA2:  # an expression: false, False, 0, an undefined name...
        return argument not in (["true"], ["True"])
    return argument == ["off"]


def _findings(
    text: str, syntax: str = DJANGO, environment: Any = None
) -> Iterator[tuple[int, str]]:
    """(line, what) per place the template turns escaping off."""
    for token in template_tokens(text, syntax, environment):
        if _escaping_off(token, syntax):
            yield token.line, "{% " + token.contents + " %}"
            continue
        if token.kind == BLOCK and token.tag in _NO_OUTPUT_TAGS:
            continue
        for used in token.filters:
            if used.name in _UNSAFE_FILTERS and not used.literal:
                if token.kind == VAR:
                    yield token.line, f"|{used.name} on {{{{ {used.subject} }}}}"
                else:
                    shown = token.contents if len(token.contents) <= 60 else token.tag + " ..."
                    yield token.line, f"|{used.name} in {{% {shown} %}}"
                break


def _may_bring_token(token: Token, syntax: str, macros: set[str]) -> bool:
    if token.kind == BLOCK:
        return token.tag in _TOKEN_MAY_COME_FROM[syntax]
    if token.kind != VAR:
        return False
    if "csrf_token" in token.contents or "csrf_input" in token.contents:
        return True
    # Jinja2: a macro of this template or an imported one may render the token.
    called = token.contents.split("(", 1)[0].strip() if "(" in token.contents else ""
    return bool(called) and (called in macros or called.split(".", 1)[0] in macros)


def _macros(tokens: list[Token]) -> set[str]:
    """Jinja2 names that are macros: ``{% macro name() %}``, ``{% from x import a, b as c %}``,
    ``{% import x as forms %}``."""
    names: set[str] = set()
    for token in tokens:
        if token.kind != BLOCK:
            continue
        words = token.contents.replace("(", " ").split()
        if token.tag == "macro" and len(words) > 1:
            names.add(words[1])
        elif token.tag == "import" and "as" in words[:-1]:
            names.add(words[words.index("as") + 1])
        elif token.tag == "from" and " import " in token.contents:
            imported = token.contents.split(" import ", 1)[1]
            for context in (" with context", " without context"):
                imported = imported.removesuffix(context)
            names.update(item.split()[-1] for item in imported.split(",") if item.split())
    return names


def _own_host_test() -> Callable[[str], bool]:
    """Whether a host is one of the site's own: named in ALLOWED_HOSTS ("*" names none)."""
    allowed = [h for h in getattr(settings, "ALLOWED_HOSTS", []) if isinstance(h, str) and h != "*"]

    def is_own(host: str) -> bool:
        domain, _ = split_domain_port(host.lower())
        return bool(domain) and validate_host(domain, allowed)

    return is_own


def unprotected_forms(
    tokens: list[Token], syntax: str, is_own_host: Callable[[str], bool]
) -> Iterator[Form]:
    """Each POST form to this site that closes with nothing that may bring a CSRF token."""
    macros = _macros(tokens) if syntax == JINJA2 else set()
    for form in forms(tokens):
        if not posts(form) or leaves_site(form, is_own_host):
            continue
        if "csrfmiddlewaretoken" in form.body_text:
            continue  # the hidden input written out
        if not any(_may_bring_token(t, syntax, macros) for t in form.body):
            yield form


def post_forms_without_token(
    text: str, syntax: str = DJANGO, environment: Any = None
) -> Iterator[int]:
    """The line of each POST form of ``text`` without a CSRF token."""
    tokens = template_tokens(text, syntax, environment)
    for form in unprotected_forms(tokens, syntax, _own_host_test()):
        yield form.line


def check_post_forms_have_tokens(scope: CheckScope) -> Iterator[CheckMessage]:
    """W606: a ``<form method="post">`` to this site without a CSRF token."""
    is_own_host = _own_host_test()
    for template in project_templates(scope.app_configs, scope.whole_project):
        tokens = _tokens(scope, template)
        for form in unprotected_forms(tokens, template.syntax, is_own_host):
            token = "{{ csrf_input }}" if template.syntax == JINJA2 else "{% csrf_token %}"
            yield ids.W606.message(
                f"This form posts to the site without {token}: Django will reject it "
                "with 403, or someone will csrf_exempt the view.",
                hint=f"Add {token} inside the <form>.",
                obj=SourceLocation(template.path, form.line, "form"),
                file=template.path,
                line=form.line,
            )


def _jinja_engines_without_escaping(scope: CheckScope) -> Iterator[str]:
    """The aliases of Jinja2 engines whose environment does not escape HTML templates."""
    seen: set[str] = set()
    for searched in template_directories(scope.app_configs, scope.whole_project):
        environment = searched.jinja_env
        if environment is None or searched.engine in seen:
            continue
        seen.add(searched.engine)
        autoescape = getattr(environment, "autoescape", True)
        try:
            on = autoescape("template.html") if callable(autoescape) else autoescape
        except Exception:
            continue
        if not on:
            yield searched.engine


def check_template_autoescape(scope: CheckScope) -> Iterator[CheckMessage]:
    """W603: autoescaping switched off in an own template, or for a whole Jinja2 engine."""
    if scope.whole_project:
        for alias in _jinja_engines_without_escaping(scope):
            path, line = setting_location("TEMPLATES")
            yield ids.W603.message(
                f"The Jinja2 engine {alias!r} renders HTML templates without escaping: "
                "every variable is an XSS risk.",
                hint='Drop OPTIONS["autoescape"] from its TEMPLATES entry (Django turns it on) '
                "or set it to True.",
                obj=SourceLocation(path or "settings", line, f"TEMPLATES {alias}"),
                file=path,
                line=line,
            )
    for template in project_templates(scope.app_configs, scope.whole_project):
        text = scope.source.text(template.path)
        if text is None:
            continue
        for line, what in _findings(text, template.syntax, template.jinja_env):
            yield ids.W603.message(
                f"This template turns escaping off ({what}): an XSS risk if the value "
                "holds user input.",
                hint="Let Django escape it; build trusted markup in Python with format_html() "
                "(which escapes its arguments) and render that.",
                obj=SourceLocation(template.path, line, "template"),
                file=template.path,
                line=line,
            )
