"""Queryset chains read off a module's tree: which model they start from and which lookups with
fixed values they filter, exclude or annotate by. Pure: a parsed module in, JSON facts out.

A chain is the whole run of queryset calls on one base, ``Article.objects.filter(a=1)
.exclude(b=2).order_by("x")``, found once (its inner calls are not chains of their own). Its
base is a model's ``objects`` or ``_default_manager``, ``get_object_or_404(Model, ...)``, or in
a class-based view with ``model = X`` or ``queryset = X.objects...``: ``self.get_queryset()``,
``super().get_queryset()``, ``self.queryset`` and ``self.model.objects``. Other bases (a
variable, a related manager) are not followed: their model is not known from the text.

Only lookups whose value is fixed make a chain's shape: constants, constants of a class or
module (``Article.Status.PUBLISHED``, ``MAX_AGE``), and calls of those (``timezone.now()``,
``Count("books")``, ``Q(public=True)``). A value read from a variable (``pk=pk``,
``author=request.user``) is a parameter of the query, not its logic, and is left out.
"""

from __future__ import annotations

import ast
from typing import Any

from django_guardrails.source.module import ModuleSource, name_as_written

# Calls that may stand in a chain between its base and its end; only the first three (and
# ``get``, which filters too) add lookups to its shape.
SHAPING = frozenset({"filter", "exclude", "annotate", "get"})
_PASSING = frozenset(
    {
        "all", "order_by", "select_related", "prefetch_related", "only", "defer", "distinct",
        "values", "values_list", "first", "last", "count", "exists", "reverse", "none",
        "iterator", "aggregate", "update", "delete", "in_bulk", "latest", "earliest", "using",
        "select_for_update", "alias", "dates", "datetimes", "get_or_create", "update_or_create",
        "afirst", "alast", "acount", "aexists", "aget", "aupdate", "adelete", "aaggregate",
    }
)  # fmt: skip
CHAIN_METHODS = SHAPING | _PASSING
# Calls after which the chain is no queryset any more.
_ENDING = frozenset(
    {
        "get", "first", "last", "latest", "earliest", "count", "exists", "aggregate",
        "in_bulk", "get_or_create", "update_or_create", "create", "update", "delete",
        "iterator", "afirst", "alast", "acount", "aexists", "aget", "aaggregate",
    }
)  # fmt: skip
_MANAGERS = frozenset({"objects", "_default_manager"})
_SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404", "aget_object_or_404"})
# Classes whose methods are the fix, not the problem: chains written there are not collected.
_QUERY_CLASS_SUFFIXES = ("Manager", "QuerySet", "Queryset")
# Calls of these are fixed whatever their module: ``timezone.now()`` and ``now()`` are one.
_CLOCK = frozenset({"now", "today", "utcnow"})

_KEYS = frozenset({"pk", "id"})

VARIABLE = None  # the canonical text of a value that is not fixed


def _field(lookup: str) -> str:
    return lookup.split("__", 1)[0]


def _is_constant_name(dotted: str) -> bool:
    """``MAX_AGE``, ``Article.Status.PUBLISHED``, ``settings.PAGE_SIZE``: names of constants,
    not of per-call values (``request.user``, ``self.author``, ``pk``)."""
    parts = dotted.split(".")
    last = parts[-1]
    if last.isupper() and any(c.isalpha() for c in last):
        return True
    # A member of a class (``Status.draft``): a capitalised name before it, not ``self``.
    return len(parts) > 1 and parts[-2][:1].isupper()


def canonical(node: ast.expr | None, known: frozenset[str]) -> str | None:
    """The value as one text when it is fixed (the same every time the line runs), else None.

    ``known`` are the module's own top-level names (imports, functions, classes): a call of
    one of them, or of a class, with fixed arguments is fixed."""
    if node is None:
        return VARIABLE
    if isinstance(node, ast.Constant):
        return repr(node.value)
    if isinstance(node, ast.Name | ast.Attribute):
        dotted = name_as_written(node)
        return dotted if dotted is not None and _is_constant_name(dotted) else VARIABLE
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
        inner = canonical(node.operand, known)
        return None if inner is None else ("-" if isinstance(node.op, ast.USub) else "not ") + inner
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        items = [canonical(item, known) for item in node.elts]
        if any(item is None for item in items):
            return VARIABLE
        return "[" + ", ".join(sorted(str(item) for item in items)) + "]"
    if isinstance(node, ast.BinOp | ast.BoolOp):
        operands = [node.left, node.right] if isinstance(node, ast.BinOp) else node.values
        texts = [canonical(operand, known) for operand in operands]
        if any(text is None for text in texts):
            return VARIABLE
        operator = type(node.op).__name__
        if isinstance(node.op, ast.BitOr | ast.BitAnd | ast.And | ast.Or):
            texts.sort()  # Q(a) | Q(b) is Q(b) | Q(a)
        return f"{operator}({', '.join(str(text) for text in texts)})"
    if isinstance(node, ast.Call):
        return _canonical_call(node, known)
    return VARIABLE


def _canonical_call(node: ast.Call, known: frozenset[str]) -> str | None:
    name = name_as_written(node.func)
    if name is None:
        return VARIABLE
    root, last = name.split(".")[0], name.rsplit(".", 1)[-1]
    # A function or class of a module (``timezone.now``, ``Count``, ``models.F``) may give a
    # fixed value; a method of a per-call object (``user.get_groups()``) never does.
    if root not in known and not root[:1].isupper():
        return VARIABLE
    if last in _CLOCK and not node.args and not node.keywords:
        return f"{last}()"
    arguments = [canonical(argument, known) for argument in node.args]
    keywords = [(k.arg, canonical(k.value, known)) for k in node.keywords]
    if any(a is None for a in arguments) or any(k is None or v is None for k, v in keywords):
        return VARIABLE
    inside = [str(a) for a in arguments] + sorted(f"{k}={v}" for k, v in keywords)
    return f"{last}({', '.join(inside)})"


def lookups(method: str, call: ast.Call, known: frozenset[str], skip: int = 0) -> list[list[str]]:
    """[method, lookup, value] per fixed lookup of one filter/exclude/annotate/get call.

    A positional ``Q`` object counts with its whole text as the lookup; ``exclude`` keeps its
    keywords together, as ``exclude(a=1, b=2)`` is not ``exclude(a=1).exclude(b=2)``.
    """
    method = "filter" if method == "get" else method
    found: list[list[str]] = []
    if method == "exclude":
        keywords = [
            (k.arg, canonical(k.value, known))
            for k in call.keywords
            if k.arg is not None and _field(k.arg) not in _KEYS
        ]
        fixed = sorted(f"{k}={v}" for k, v in keywords if v is not None)
        if fixed and len(fixed) == len(keywords):
            found.append(["exclude", ", ".join(fixed), ""])
    else:
        for keyword in call.keywords:
            value = canonical(keyword.value, known)
            # A row picked by its key is data, not logic: ``pk=1`` names no rule.
            if keyword.arg is None or _field(keyword.arg) in _KEYS:
                continue
            if value is not None:
                found.append([method, keyword.arg, value])
    for argument in call.args[skip:]:
        if isinstance(argument, ast.Constant):
            continue  # no lookup: ``dict.get("key")`` and the like, not a queryset
        text = canonical(argument, known)
        if text is not None:
            found.append([method, text, ""])
    return found


def _by_line(spans: list[tuple[int, int, Any]], size: int) -> list[Any]:
    """Per line (1-based), the value of the innermost span holding it: spans sorted by first
    line, an inner one starts after its outer one and so is written over it."""
    lines: list[Any] = [None] * (size + 2)
    for first, last, value in sorted(spans, key=lambda span: span[0]):
        lines[first : last + 1] = [value] * (last + 1 - first)
    return lines


class _Views:
    """The model of each class-based view (``model = X``, ``queryset = X.objects...``), and
    the lines inside manager and queryset classes."""

    def __init__(self, source: ModuleSource) -> None:
        views: list[tuple[int, int, Any]] = []
        queries: list[tuple[int, int, Any]] = []
        for definition in source.definitions.values():
            node = definition.node
            if not isinstance(node, ast.ClassDef):
                continue
            span = (node.lineno, node.end_lineno or node.lineno)
            views.append((*span, _class_model(node)))
            bases = [name_as_written(base) or "" for base in node.bases]
            if node.name.endswith(_QUERY_CLASS_SUFFIXES) or any(
                base.endswith(_QUERY_CLASS_SUFFIXES) for base in bases
            ):
                queries.append((*span, True))
        self.models = _by_line(views, len(source.lines))
        self.queries = _by_line(queries, len(source.lines))

    def model_at(self, line: int) -> str | None:
        """The model of the innermost class around ``line``."""
        return self.models[line] if line < len(self.models) else None

    def in_query_class(self, line: int) -> bool:
        return line < len(self.queries) and bool(self.queries[line])


def _class_model(node: ast.ClassDef) -> str | None:
    for statement in node.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name) and target.id == "model":
                return name_as_written(statement.value)
            if isinstance(target, ast.Name) and target.id == "queryset":
                base = _chain(statement.value)[0]
                model = _manager_model(base)
                if model is not None:
                    return model
    return None


def _manager_model(base: ast.expr) -> str | None:
    if isinstance(base, ast.Attribute) and base.attr in _MANAGERS:
        dotted = name_as_written(base.value)
        if dotted is not None and dotted.rsplit(".", 1)[-1][:1].isupper():
            return dotted
    return None


def _is_self(node: ast.expr) -> bool:
    if isinstance(node, ast.Name) and node.id == "self":
        return True
    # super().get_queryset(), super(View, self).get_queryset()
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def _view_base(base: ast.expr) -> bool:
    """``self.get_queryset()``, ``super().get_queryset()``, ``self.queryset``,
    ``self.model.objects``: the view's own model."""
    if isinstance(base, ast.Call) and isinstance(base.func, ast.Attribute):
        return base.func.attr == "get_queryset" and _is_self(base.func.value)
    if isinstance(base, ast.Attribute):
        if base.attr == "queryset":
            return _is_self(base.value)
        if base.attr in _MANAGERS and isinstance(base.value, ast.Attribute):
            return base.value.attr == "model" and _is_self(base.value.value)
    return False


def _chain(node: ast.expr) -> tuple[ast.expr, list[ast.Call]]:
    """The base of a run of method calls and the calls, outermost first. Custom queryset
    methods pass (``Article.objects.published().filter(...)``); a call that ends a queryset
    (``get()``, ``first()``) below another call gives no base: what follows is on a row."""
    calls: list[ast.Call] = []
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "get_queryset":
            break  # a view's or manager's queryset: the base itself
        if calls and node.func.attr in _ENDING:
            return node, []
        calls.append(node)
        node = node.func.value
    return node, calls


def _shortcut(node: ast.Call) -> bool:
    name = name_as_written(node.func)
    return name is not None and name.rsplit(".", 1)[-1] in _SHORTCUTS and bool(node.args)


def _imports(tree: ast.Module) -> dict[str, str]:
    """Imported name -> the module it is imported from (``..models`` for relative ones)."""
    found: dict[str, str] = {}
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom):
            module = "." * statement.level + (statement.module or "")
            for alias in statement.names:
                found[alias.asname or alias.name] = f"{module}.{alias.name}"
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                found[alias.asname or alias.name.split(".")[0]] = alias.name
    return found


class _Module:
    """What a chain's base stands for in one module: the models its names and views use, and
    the local variables its functions assign a chain on a known model to."""

    def __init__(self, source: ModuleSource, tree: ast.Module) -> None:
        self.source = source
        self.views = _Views(source)
        self.imports = _imports(tree)
        self.known = (
            frozenset(self.imports) | frozenset(source.assignments) | frozenset(source.definitions)
        )
        functions = [
            (d.line, d.node.end_lineno or d.line, d.qualname)
            for d in source.definitions.values()
            if d.kind == "function"
        ]
        self.functions: list[str | None] = _by_line(functions, len(source.lines))
        self._variables: dict[tuple[str, str], str | None] | None = None

    def function_at(self, line: int) -> str:
        return (self.functions[line] if line < len(self.functions) else None) or ""

    def variable(self, function: str, name: str) -> str | None:
        """The model of the chain a function's local variable is given, if one alone."""
        if self._variables is None:
            self._variables = {}
            assigned = [
                statement
                for statement in self.source.statements()
                if isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and isinstance(statement.value, ast.Call)
            ]
            for statement in sorted(assigned, key=lambda s: s.lineno):
                where = self.function_at(statement.lineno)
                if where:
                    target = statement.targets[0].id  # type: ignore[attr-defined]
                    model = self.model(_chain(statement.value)[0], statement.lineno, where)
                    key = (where, target)
                    # A name given chains on two models, or once something else, is not followed.
                    if key in self._variables and self._variables[key] != model:
                        model = None
                    self._variables[key] = model
        return self._variables.get((function, name))

    def model(self, base: ast.expr, line: int, function: str) -> str | None:
        """The model a chain's base is a manager or queryset of, as written; a related
        manager as ``related:<accessor>``; None when unknown."""
        manager = _manager_model(base)
        if manager is not None:
            return manager
        if _view_base(base):
            return self.views.model_at(line)
        if isinstance(base, ast.Name):
            return self.variable(function, base.id)
        if isinstance(base, ast.Attribute) and not (
            isinstance(base.value, ast.Name) and base.value.id in self.known
        ):
            # ``author.book_set``, ``self.owner.checks``: resolved against the models.
            return f"{RELATED}{base.attr}"
        return None

    def origin(self, model: str) -> str:
        root = model.split(".")[0]
        return self.imports.get(root, "." if root in self.source.definitions else "")


RELATED = "related:"


def query_chains(source: ModuleSource) -> list[list[Any]]:
    """[line, model as written, where it is imported from, enclosing function, lookups] per
    chain with at least one fixed lookup; none inside a manager or queryset class."""
    if source.tree is None:
        return []
    module = _Module(source, source.tree)
    seen: set[int] = set()
    found: list[list[Any]] = []
    for node in source.nodes():  # breadth first: a chain's outer call comes before its inner
        if type(node) is not ast.Call or id(node) in seen:
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in CHAIN_METHODS:
            shortcut = False
        elif _shortcut(node):
            shortcut = True
        else:
            continue
        base, calls = _chain(node.args[0] if shortcut else node)
        seen.update(id(call) for call in calls)
        # The lookups first: most chains have no fixed one, and then their base is not looked
        # into at all.
        shape: list[list[str]] = []
        for call in reversed(calls):
            method = call.func.attr  # type: ignore[attr-defined]
            if method in SHAPING:
                shape += lookups(method, call, module.known)
        if shortcut:
            shape += lookups("filter", node, module.known, skip=1)
        if not shape or module.views.in_query_class(node.lineno):
            continue  # inside a manager or queryset: where such logic belongs
        function = module.function_at(node.lineno)
        model = None
        if shortcut and not calls and isinstance(base, ast.Attribute | ast.Name):
            written = name_as_written(base)
            model = written if written and written.rsplit(".", 1)[-1][:1].isupper() else None
        model = model or module.model(base, node.lineno, function)
        if model is not None:
            found.append([node.lineno, model, module.origin(model), function, shape])
    return sorted(found, key=lambda chain: chain[0])  # stable: one line's in walk order
