"""The project's templates: W603 autoescaping off, W606 a POST form without a token.

Every directory the template engines search is read, kept to the project's own
(``source.template_dirs``); each template is tokenized by its engine's own lexer
(``source.template_tokens``), and only the HTML between the tokens is matched by pattern.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage
from django.http.request import split_domain_port, validate_host

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.checks.security.exempt_renderers import ExemptRenderers, posts_back
from django_guardrails.project import display_path
from django_guardrails.source.html_forms import Form, forms, leaves_site, posts
from django_guardrails.source.settings_modules import setting_location
from django_guardrails.source.template_dirs import (
    DJANGO,
    JINJA2,
    TemplateFile,
    project_templates,
    template_directories,
)
from django_guardrails.source.template_markup import has_markup, literal_names, referenced
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
    yield from _token_findings(template_tokens(text, syntax, environment), syntax)


def _token_findings(tokens: list[Token], syntax: str) -> Iterator[tuple[int, str]]:
    literal = literal_names(tokens)
    for index, token in enumerate(tokens):
        if _escaping_off(token, syntax):
            yield token.line, "{% " + token.contents + " %}"
            continue
        if token.kind == BLOCK and token.tag in _NO_OUTPUT_TAGS:
            continue
        for used in token.filters:
            if used.name not in _UNSAFE_FILTERS or used.literal:
                continue
            if used.subject in literal[index]:
                continue  # {% cycle '' '</tr><tr>' as row %}{{ row|safe }}: only literals
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
    """W606: a ``<form method="post">`` to this site without a CSRF token, unless it posts back
    to its page and only csrf_exempt views render its template (``exempt_renderers``)."""
    is_own_host = _own_host_test()
    exempt = ExemptRenderers(scope)
    for template in project_templates(scope.app_configs, scope.whole_project):
        tokens = _tokens(scope, template)
        for form in unprotected_forms(tokens, template.syntax, is_own_host):
            if posts_back(form) and exempt.only_exempt(template):
                continue  # its views are csrf_exempt on purpose: no 403 comes (W604's concern)
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


class _MarkupContext:
    """Which templates are markup (HTML/XML), and through which template a plain-text one is
    rendered within markup: included by it, extending it or extended by it (followed through
    any chain), or named as a syndication feed's ``title_template``/``description_template``
    (feed readers read those as HTML). Every own template of the project is read for this,
    also under ``check <app_label>``."""

    def __init__(self, scope: CheckScope) -> None:
        self._scope = scope
        self._tokens: dict[str, list[Token]] = {}
        self._markup: dict[str, bool] = {}
        self._within: dict[str, list[tuple[str, str]]] = {}  # path -> (around, how)
        self._built = False

    def tokens(self, template: TemplateFile) -> list[Token]:
        if template.path not in self._tokens:
            self._tokens[template.path] = _tokens(self._scope, template)
        return self._tokens[template.path]

    def _is_markup(self, path: str) -> bool:
        if path not in self._markup:
            self._markup[path] = has_markup(self._tokens.get(path, []))
        return self._markup[path]

    def _build(self) -> None:
        self._built = True
        every = list(apps.get_app_configs())
        directories = template_directories(every, True)
        templates = project_templates(every, True)
        known = {t.path for t in templates}

        def resolve(name: str) -> str | None:
            for searched in directories:
                path = os.path.realpath(os.path.join(searched.directory, name))
                if path in known:
                    return path
            return None

        for template in templates:
            for tag, name in referenced(self.tokens(template)):
                other = resolve(name)
                if other is None or other == template.path:
                    continue
                if tag == "extends":
                    self._within.setdefault(other, []).append((template.path, "extended by"))
                    self._within.setdefault(template.path, []).append((other, "extending"))
                else:
                    self._within.setdefault(other, []).append((template.path, f"{tag}d by"))
        for feed, attribute, name in _feed_templates():
            path = resolve(name)
            if path is not None:
                self._within.setdefault(path, []).append((f"feed:{feed}", attribute))

    def markup_around(self, path: str) -> str | None:
        """None for plain text; "" for markup; else how the template reaches markup."""
        if self._is_markup(path):
            return ""
        if not self._built:
            self._build()
        seen = {path}
        pending = [(path, "")]
        while pending:
            current, chain = pending.pop(0)
            for around, how in self._within.get(current, ()):
                if around.startswith("feed:"):
                    return f", rendered as the HTML {how} of the feed {around[5:]}{chain}"
                if around in seen:
                    continue
                seen.add(around)
                step = f" {how} {display_path(around)}"
                if self._is_markup(around):
                    return f", and reaches HTML:{chain}{step}"
                pending.append((around, f"{chain}{step},"))
        return None


def _feed_templates() -> Iterator[tuple[str, str, str]]:
    """(feed class, attribute, template name) per loaded syndication feed naming a template."""
    try:
        from django.contrib.syndication.views import Feed
    except Exception:
        return
    pending: list[type] = list(Feed.__subclasses__())
    seen: set[type] = set()
    while pending:
        feed = pending.pop()
        if feed in seen:
            continue
        seen.add(feed)
        pending.extend(feed.__subclasses__())
        for attribute in ("title_template", "description_template"):
            name = getattr(feed, attribute, None)
            if isinstance(name, str) and name:
                yield feed.__qualname__, attribute.replace("_", " "), name


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
    context = _MarkupContext(scope)
    for template in project_templates(scope.app_configs, scope.whole_project):
        tokens = context.tokens(template)
        findings = list(_token_findings(tokens, template.syntax))
        if not findings:
            continue
        within = context.markup_around(template.path)
        if within is None:
            continue  # plain text (a subject, an SMS, a JSON payload): escaping would garble it
        for line, what in findings:
            yield ids.W603.message(
                f"This template turns escaping off ({what}){within}: an XSS risk if the value "
                "holds user input.",
                hint="Let Django escape it; build trusted markup in Python with format_html() "
                "(which escapes its arguments) and render that.",
                obj=SourceLocation(template.path, line, "template"),
                file=template.path,
                line=line,
            )
