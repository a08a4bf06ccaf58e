"""Whether the value given to ``mark_safe()``/``SafeString()`` is known to be escaped HTML.

Read with ``ast`` from one module. A value is escaped when it is a literal, the output of an
escaping function (``escape()``, ``format_html()`` with a literal format, ``json_script()``,
``pygments.highlight()``, ``bleach.clean()``...), of a template or widget render, or is built
(f-string, ``%``, ``+``, ``str.format()``, ``"".join()``, ``.replace()``) from escaped parts only.
Variables are followed through their assignments (every branch that may assign them, ``+=``
included). A call to a function of the same module, or to a method of the same class through
``self``, is judged one level deep with its arguments bound; a call to a function imported from
another module becomes a requirement ("module:function") the caller settles with that module's
``escaping_functions``.
"""

from __future__ import annotations

import ast
from typing import Any

from django_guardrails.source.value_flow import (
    Bound,
    Env,
    Function,
    ModuleScope,
    Walker,
    callee,
    definitions,
    method_of,
    parameters,
    target_names,
)

# None: the value may hold unescaped text. A set: the value is escaped provided each named
# function of another module ("module:function", the module as imported) returns escaped HTML;
# the empty set: escaped whatever other modules do.
Verdict = frozenset[str] | None
ESCAPED: frozenset[str] = frozenset()

SAFE_MAKERS = frozenset({"mark_safe", "SafeString"})
_ESCAPERS = frozenset({"escape", "conditional_escape", "escapejs", "json_script", "flatatt"})
# Escape only when asked: linebreaks(value, autoescape=True).
_ESCAPE_ON_REQUEST = frozenset({"linebreaks", "urlize", "urlizetrunc"})
_TRANSLATIONS = frozenset(
    {
        "_",
        "gettext",
        "gettext_lazy",
        "gettext_noop",
        "pgettext",
        "pgettext_lazy",
        "ngettext",
        "ngettext_lazy",
        "npgettext",
        "npgettext_lazy",
    }
)
# Libraries whose output is escaped HTML, by the name they are imported under.
_LIBRARY_ESCAPERS = frozenset(
    {
        "html.escape",
        "markupsafe.escape",
        "markupsafe.Markup.escape",
        "pygments.highlight",  # its HtmlFormatter escapes the code it colours
        "bleach.clean",
        "bleach.linkify",
        "nh3.clean",
    }
)
# URL encoders: their output is letters, digits, "%XX" escapes and "_.-~+=&/" at most, never
# "<", ">", '"' or "'" (unless a ``safe=`` argument lets one through); by the name imported.
_URL_ENCODERS = frozenset(
    {
        "urllib.parse.urlencode",
        "urllib.parse.quote",
        "urllib.parse.quote_plus",
        "django.utils.http.urlencode",
        "django.utils.http.urlsafe_base64_encode",
        "django.template.defaultfilters.urlencode",
    }
)
_NOT_IN_URL_PARTS = frozenset("<>\"'")
_NOT_HTML = frozenset({"re.escape", "shlex.quote", "glob.escape"})
_TEMPLATE_MAKERS = frozenset(
    {"get_template", "select_template", "Template", "from_string", "get_default_renderer"}
)
_FORM_RENDERS = frozenset({"as_p", "as_table", "as_ul", "as_div", "as_widget", "render_to_string"})
_STR_STRIPS = frozenset({"strip", "lstrip", "rstrip"})
_MAX_DEPTH = 100  # nested values followed; Python frames stay well under its limit


def _plain_options(call: ast.Call, values: int) -> bool:
    """Every argument after the ``values`` first is a literal letting no ``<>"'`` through
    (``safe="/"``)."""
    options = [*call.args[values:], *(k.value for k in call.keywords)]
    return all(
        isinstance(o, ast.Constant)
        and not (isinstance(o.value, str | bytes) and _NOT_IN_URL_PARTS & set(str(o.value)))
        for o in options
    )


def _and(*verdicts: Verdict) -> Verdict:
    needs: set[str] = set()
    for verdict in verdicts:
        if verdict is None:
            return None
        needs |= verdict
    return frozenset(needs)


class Judge:
    """Judges expressions of one module."""

    def __init__(self, module: ModuleScope) -> None:
        self.module = module
        # A value's verdict, once per value: branches merged in a loop would otherwise be
        # judged again down every path (2**n of them).
        self._verdicts: dict[tuple[Bound, int, int], Verdict] = {}

    def _bound(
        self, bound: Bound, calls_left: int, cls: ast.ClassDef | None, depth: int
    ) -> Verdict:
        key = (bound, calls_left, id(cls))
        if key not in self._verdicts:
            self._verdicts[key] = self.value(bound.value, bound.env, calls_left, cls, depth + 1)
        return self._verdicts[key]

    def qualified(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.module.imports.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualified(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def value(
        self,
        node: ast.expr | None,
        env: Env,
        calls_left: int,
        cls: ast.ClassDef | None,
        depth: int = 0,
    ) -> Verdict:
        if node is None or depth > _MAX_DEPTH:
            return None

        def judge(child: ast.expr | None, scope: Env = env) -> Verdict:
            return self.value(child, scope, calls_left, cls, depth + 1)

        if isinstance(node, ast.Constant):
            return None if isinstance(node.value, bytes) else ESCAPED
        if isinstance(node, ast.JoinedStr):
            return _and(*(judge(p.value) for p in node.values if isinstance(p, ast.FormattedValue)))
        if isinstance(node, ast.Name):
            bounds = env.get(node.id)
            if not bounds:
                return None
            return _and(
                *(None if b is None else self._bound(b, calls_left, cls, depth) for b in bounds)
            )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            return _and(judge(node.left), judge(node.right))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):  # "&nbsp;" * depth
            sides = (node.left, node.right)
            literal = any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in sides)
            return ESCAPED if literal else None
        if isinstance(node, ast.IfExp):
            return _and(judge(node.body), judge(node.orelse))
        if isinstance(node, ast.BoolOp):
            return _and(*(judge(v) for v in node.values))
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return _and(*(judge(e) for e in node.elts))
        if isinstance(node, ast.Dict):
            return _and(*(judge(v) for v in node.values))
        if isinstance(node, ast.GeneratorExp | ast.ListComp | ast.SetComp):
            inner = dict(env)
            for generator in node.generators:
                inner.update(dict.fromkeys(target_names(generator.target), (None,)))
            return judge(node.elt, inner)
        if isinstance(node, ast.Await):
            return judge(node.value)
        if isinstance(node, ast.Call):
            return self._call(node, env, calls_left, cls, depth)
        return None

    def _call(
        self, call: ast.Call, env: Env, calls_left: int, cls: ast.ClassDef | None, depth: int
    ) -> Verdict:
        def judge(child: ast.expr | None) -> Verdict:
            return self.value(child, env, calls_left, cls, depth + 1)

        name = callee(call)
        qualified = self.qualified(call.func)
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        if qualified in _NOT_HTML or name is None:
            return None
        if name in SAFE_MAKERS or name in _ESCAPERS or qualified in _LIBRARY_ESCAPERS:
            return ESCAPED  # a mark inside is judged where it stands
        if qualified in _URL_ENCODERS:
            return ESCAPED if _plain_options(call, 1) else None
        if name == "urlencode" and receiver is not None:  # QueryDict.urlencode(safe=None)
            return ESCAPED if _plain_options(call, 0) else None
        if name == "format_html":  # escapes its arguments, not its format string
            return judge(call.args[0] if call.args else keywords.get("format_string"))
        if name == "format_html_join":
            return _and(*(judge(a) for a in call.args[:2])) if len(call.args) >= 2 else None
        if name in _ESCAPE_ON_REQUEST:
            flag = keywords.get("autoescape")
            return ESCAPED if isinstance(flag, ast.Constant) and flag.value is True else None
        if name in _TRANSLATIONS:  # the count of ngettext() is no text
            texts = call.args[:-1] if name.startswith(("ngettext", "npgettext")) else call.args
            return _and(*(judge(a) for a in texts))
        if name in _FORM_RENDERS or (
            name == "render" and receiver is not None and self._is_template(receiver, env, depth)
        ):
            return ESCAPED  # rendered by Django, which escaped every value
        if receiver is not None and name in _STR_STRIPS:
            return judge(receiver)
        if receiver is not None and name == "replace":
            return _and(judge(receiver), judge(call.args[1])) if len(call.args) >= 2 else None
        if receiver is not None and name in {"join", "format"}:
            values = [*call.args, *keywords.values()]
            return _and(judge(receiver), *(judge(v) for v in values)) if values else None
        if calls_left > 0:
            return self._project_call(call, name, qualified, env, calls_left, cls, depth)
        return None

    def _is_template(self, node: ast.expr, env: Env, depth: int) -> bool:
        """A Django template, a template node's children, a form renderer (``renderer``,
        ``get_default_renderer()``), or the parent class (``super()``, in a widget)."""
        if depth > _MAX_DEPTH:
            return False
        if isinstance(node, ast.Call):
            return callee(node) in _TEMPLATE_MAKERS or (
                isinstance(node.func, ast.Name) and node.func.id == "super"
            )
        if isinstance(node, ast.Attribute):
            return node.attr.startswith("nodelist") or node.attr == "renderer"
        if isinstance(node, ast.Name):
            bounds = env.get(node.id) or (None,)
            if node.id == "renderer" and all(b is None for b in bounds):
                return True  # the renderer argument of a widget's or form's render()
            return all(
                b is not None and self._is_template(b.value, b.env, depth + 1) for b in bounds
            )
        return False

    def _project_call(
        self,
        call: ast.Call,
        name: str,
        qualified: str | None,
        env: Env,
        calls_left: int,
        cls: ast.ClassDef | None,
        depth: int,
    ) -> Verdict:
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.module.functions and func.id not in env:
            target = self.module.functions[func.id]
            return self.returns(target, self._bind(target, call, env, skip_first=False), 0, None)
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in {"self", "cls"}
            and cls is not None
        ):
            method = method_of(cls, name)
            if method is None:
                return None
            return self.returns(method, self._bind(method, call, env, skip_first=True), 0, cls)
        if qualified is not None:
            rest = qualified.lstrip(".")
            module, _, function = rest.rpartition(".")
            module = qualified[: len(qualified) - len(rest)] + module
            if module and function:
                return frozenset({f"{module}:{function}"})
        return None

    def _bind(self, function: Function, call: ast.Call, env: Env, *, skip_first: bool) -> Env:
        scope = self.module.scope_env(function)
        named = parameters(function)[1 if skip_first else 0 :]
        defaults = function.args.defaults
        for parameter, default in zip(named[len(named) - len(defaults) :], defaults, strict=False):
            scope[parameter.arg] = (Bound(default, self.module.env),)
        for kwonly, kwdefault in zip(
            function.args.kwonlyargs, function.args.kw_defaults, strict=True
        ):
            if kwdefault is not None:
                scope[kwonly.arg] = (Bound(kwdefault, self.module.env),)
        if any(isinstance(a, ast.Starred) for a in call.args):
            return scope  # the positions are unknown
        for parameter, argument in zip(named, call.args, strict=False):
            scope[parameter.arg] = (Bound(argument, env),)
        for keyword in call.keywords:
            if keyword.arg is not None:
                scope[keyword.arg] = (Bound(keyword.value, env),)
        return scope

    def returns(
        self, function: Function, env: Env, calls_left: int, cls: ast.ClassDef | None
    ) -> Verdict:
        """Whether every value ``function`` returns is escaped HTML, its names bound by ``env``."""
        verdicts: list[Verdict] = []

        def on_return(node: ast.Return, scope: Env) -> None:
            verdicts.append(
                self.value(node.value, scope, calls_left, cls) if node.value else ESCAPED
            )

        walker = Walker(on_return=on_return)
        walker.body(function.body, env)
        if walker.yields or not verdicts:
            return None
        return _and(*verdicts)


def unescaped_marks(tree: ast.Module) -> list[list[Any]]:
    """[line, where, label, callee, requirements] per ``mark_safe()``/``SafeString()`` of a
    value not known escaped; ``requirements`` lists the functions of other modules that would
    make it escaped by returning escaped HTML (empty: nothing would)."""
    module = ModuleScope(tree)
    judge = Judge(module)
    found: list[list[Any]] = []

    def scan(
        body: list[ast.stmt], env: Env, where: str, label: str, cls: ast.ClassDef | None
    ) -> None:
        def on_call(call: ast.Call, scope: Env) -> None:
            name = callee(call)
            if name not in SAFE_MAKERS or len(call.args) != 1 or call.keywords:
                return
            verdict = judge.value(call.args[0], scope, 1, cls)
            if verdict != ESCAPED:
                found.append([call.lineno, where, label, name, sorted(verdict or ())])

        Walker(on_call=on_call).body(body, env)
        for node in definitions(body):
            if isinstance(node, ast.ClassDef):
                scan(node.body, module.env, f"in class {node.name}", node.name, node)
            else:
                scan(node.body, module.scope_env(node), f"in {node.name}()", f"{node.name}()", cls)

    scan(tree.body, {}, "at module level", "<module>", None)
    return found


def escaping_functions(tree: ast.Module) -> list[str]:
    """The module-level functions whose every return is escaped HTML whatever their arguments
    (judged one level deep: they may not rely on other modules' functions)."""
    module = ModuleScope(tree)
    judge = Judge(module)
    return sorted(
        name
        for name, function in module.functions.items()
        if judge.returns(function, module.scope_env(function), 0, None) == ESCAPED
    )
