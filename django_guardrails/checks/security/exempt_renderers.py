"""Which templates only ``csrf_exempt`` views render: W606 spares their forms that post back.

A form without a CSRF token is rejected with 403 by the view it posts to. A form that posts back
to its own page (no ``action``, an empty one, or only a query or fragment) posts to the view that
rendered it; when every view that renders the template is ``csrf_exempt`` on purpose (a signed
link authenticates it), no 403 comes. This module says when that is known, and nothing more:

* The views are the callbacks of the served URLconfs (``source.urlconf.walk``), exempt as
  Django's ``CsrfViewMiddleware`` judges them, by the callback's ``csrf_exempt`` attribute:
  ``@csrf_exempt``, ``method_decorator(csrf_exempt, name="dispatch")`` (``as_view()`` copies
  ``dispatch``'s attributes), ``csrf_exempt(View.as_view())``, ``view.csrf_exempt = True``;
  never a DRF view, which its ``as_view()`` marks so while SessionAuthentication checks the
  token itself. A generic view without ``template_name`` names the one Django derives
  (``shop/order_form.html``).
* A view names a template by a string in its source: the function of a function view (from its
  first decorator to its end), each class of the project in a class-based view's MRO (its
  ``template_name = ...`` or a ``render()`` in a method); and, read off the live callback, a
  class's ``template_name`` attribute or ``as_view(template_name=...)``.
* Every string of the project's apps, URLconfs and view modules that is the template's name
  (as its engine would load it) must lie in an exempt view, and in no other view; a template
  named by an exempt view alone, named by no other view (a protected one, a library's
  generic view through ``template_name``), and included or extended by no template.

Anything else (a name built at run time, a helper that renders it, a form posting elsewhere) is
"cannot be told", and W606 reports the form as before.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.urls import URLPattern

from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.project import library_roots, own_app_configs, project_module_file
from django_guardrails.source.facts import Extractor, Fact
from django_guardrails.source.files import python_files
from django_guardrails.source.html_forms import Form
from django_guardrails.source.module import ModuleSource
from django_guardrails.source.template_dirs import (
    TemplateFile,
    project_templates,
    template_directories,
)
from django_guardrails.source.template_markup import referenced
from django_guardrails.source.template_tokens import template_tokens
from django_guardrails.source.urlconf import view_class, walk

_SUFFIXES = (".html", ".htm", ".txt", ".xml", ".svg", ".jinja", ".jinja2", ".j2")

Span = tuple[str, int, int]  # file, first line, last line


def _template_strings(source: ModuleSource) -> Fact:
    """[text, line] of each string of the module that may name a template."""
    return [
        [node.value, node.lineno]
        for node in source.nodes()
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.endswith(_SUFFIXES)
        and "\n" not in node.value
    ]


TEMPLATE_STRINGS = Extractor("template-strings", _template_strings)


def posts_back(form: Form) -> bool:
    """The form posts to the page it is on: no ``action``, an empty one, or only a query or a
    fragment, written out."""
    if "action" not in form.attributes:
        return True
    if form.holds_code("action"):
        return False
    written = form.attributes["action"].strip()
    return written == "" or written.startswith(("?", "#"))


def _is_drf_view(cls: type | None) -> bool:
    return any(
        klass.__name__ == "APIView" and klass.__module__.startswith("rest_framework.")
        for klass in getattr(cls, "__mro__", ())
    )


def _derived_template_name(cls: type) -> str | None:
    """The name a generic view renders when it sets no ``template_name``:
    ``<app_label>/<model_name><template_name_suffix>.html`` (``shop/order_form.html``)."""
    mixins = {(klass.__module__, klass.__name__) for klass in getattr(cls, "__mro__", ())}
    generic = {
        ("django.views.generic.detail", "SingleObjectTemplateResponseMixin"),
        ("django.views.generic.list", "MultipleObjectTemplateResponseMixin"),
    }
    if not mixins & generic or any(
        "get_template_names" in vars(klass) and not klass.__module__.startswith("django.")
        for klass in getattr(cls, "__mro__", ())
    ):
        return None  # its own get_template_names(): the strings in it are read as mentions
    suffix = getattr(cls, "template_name_suffix", None)
    model = getattr(cls, "model", None)
    if model is None:
        model = getattr(getattr(cls, "queryset", None), "model", None)
    meta = getattr(model, "_meta", None)
    if not isinstance(suffix, str) or meta is None:
        return None
    return f"{meta.app_label}/{meta.model_name}{suffix}.html"


class ExemptRenderers:
    """Asked per template; the views, strings and references are read once, on first ask."""

    def __init__(self, scope: CheckScope) -> None:
        self._scope = scope
        self._built = False
        self._roots = library_roots()
        self._spans: dict[bool, list[Span]] = {True: [], False: []}  # by exempt
        self._named: dict[bool, set[str]] = {True: set(), False: set()}  # live template_name
        self._files: set[str] = set()  # Python files to read strings from
        self._referenced: set[str] = set()  # names other templates include or extend
        self._directories: list[str] = []

    def only_exempt(self, template: TemplateFile) -> bool:
        """Whether every view that renders ``template`` is known, and each is csrf_exempt."""
        if not self._built:
            self._build()
        names = self._names(template)
        if not names or names & (self._referenced | self._named[False]):
            return False
        mentions = list(self._mentions(names))
        for file, line in mentions:
            if not self._within(True, file, line) or self._within(False, file, line):
                return False
        return bool(mentions) or bool(names & self._named[True])

    def _mentions(self, names: set[str]) -> Iterator[tuple[str, int]]:
        """(file, line) of each string of the project's Python that is one of ``names``; a
        file whose text holds none of them is not parsed."""
        for file in sorted(self._files):
            text = self._scope.source.text(file)
            if text is None or not any(name in text for name in names):
                continue
            for string, line in self._scope.source.facts(file, TEMPLATE_STRINGS) or ():
                if string in names:
                    yield file, line

    def _names(self, template: TemplateFile) -> set[str]:
        """The names the engines load ``template`` by: its path in each directory searched."""
        names = set()
        for directory in self._directories:
            if template.path.startswith(directory + os.sep):
                names.add(os.path.relpath(template.path, directory).replace(os.sep, "/"))
        return names

    def _within(self, exempt: bool, file: str, line: int) -> bool:
        return any(f == file and first <= line <= last for f, first, last in self._spans[exempt])

    def _build(self) -> None:
        self._built = True
        every = list(apps.get_app_configs())
        self._directories = sorted(
            {os.path.realpath(searched.directory) for searched in template_directories(every, True)}
        )
        for route in walk():
            if route.module is not None:  # a URLconf outside the apps may name a template
                self._own_file(route.module.__name__, getattr(route.module, "__file__", None))
            if isinstance(route.entry, URLPattern):
                self._callback(route.entry.callback)
        self._files.update(python_files(own_app_configs()))
        for template in project_templates(every, True):
            text = self._scope.source.text(template.path)
            if text is None:
                continue
            tokens = template_tokens(text, template.syntax, template.jinja_env)
            self._referenced.update(name for _, name in referenced(tokens))

    def _callback(self, callback: Any) -> None:
        cls = view_class(callback)
        # DRF's as_view() marks every API view csrf_exempt, and SessionAuthentication then
        # checks the token itself: a form posting to it gets a 403 all the same.
        exempt = bool(getattr(callback, "csrf_exempt", False)) and not _is_drf_view(cls)
        initkwargs = getattr(callback, "view_initkwargs", None)
        if isinstance(initkwargs, dict) and isinstance(initkwargs.get("template_name"), str):
            self._named[exempt].add(initkwargs["template_name"])
        if cls is not None:
            name = getattr(cls, "template_name", None)
            if isinstance(name, str):
                self._named[exempt].add(name)
            elif (derived := _derived_template_name(cls)) is not None:
                self._named[exempt].add(derived)
            for klass in getattr(cls, "__mro__", ()):
                module = sys.modules.get(klass.__module__)
                self._span(exempt, klass, getattr(module, "__file__", None))
            return
        function = inspect.unwrap(callback) if inspect.isfunction(callback) else callback
        code = getattr(function, "__code__", None)
        if code is not None:
            self._span(exempt, function, code.co_filename)

    def _span(self, exempt: bool, definition: Any, file: Any) -> None:
        """The lines of a function or class of the project's own code, for ``exempt``."""
        file = self._own_file(getattr(definition, "__module__", None), file)
        qualname = getattr(definition, "__qualname__", None)
        source = self._scope.source.module(file) if file is not None else None
        found = source.definitions.get(qualname) if source and isinstance(qualname, str) else None
        if file is not None and found is not None:
            last = found.node.end_lineno or found.line
            self._spans[exempt].append((file, found.first_line, last))

    def _own_file(self, module: Any, file: Any) -> str | None:
        """The real path of a Python file of the project (not a library's, not ours)."""
        found = project_module_file(module, file, self._roots)
        if found is None:
            return None
        path = os.path.realpath(found)
        self._files.add(path)
        return path
