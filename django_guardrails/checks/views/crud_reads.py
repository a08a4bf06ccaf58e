"""The expressions a hand-written generic view is made of, read off its ``ast``: the model a
queryset or a lookup is on, the URL arguments, the decorators. Pure functions of nodes, for
``crud_shapes``; ``Shape`` is what a recognised view is described by.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from django_guardrails.source.module import name_as_written

_METHOD_DECORATORS = frozenset({"require_GET", "require_POST", "require_safe"})
_QUERYSET_METHODS = frozenset(
    {"all", "filter", "exclude", "order_by", "select_related", "prefetch_related", "only", "defer"}
)


@dataclass(frozen=True)
class Shape:
    kind: str  # "detail", "list", "create", "update" or "delete"
    line: int  # the ``def`` line
    template: str
    model: str | None = None  # the model as written: "Book", "models.Book"
    queryset: str | None = None  # a queryset expression, when more than ``Model.objects.all()``
    ordering: tuple[str, ...] = ()
    form: str | None = None  # the form class as written
    object_key: str | None = None  # the context key of the object (or of the list)
    page_key: str | None = None  # the context key of the page (lists)
    lookup_field: str | None = None  # the field the object is looked up by: "pk", "slug"...
    url_kwarg: str | None = None  # the URL argument it is looked up with
    paginate_by: int | None = None
    page_kwarg: str | None = None
    success_url: str | None = None  # a URL name or a path, None: the object's URL
    success_is_name: bool = False
    success_message: str | None = None
    mixins: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()  # others, for method_decorator(..., name="dispatch")
    owner: str | None = None  # the field a lookup also filters on with request.user


def is_name(node: ast.AST | None, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def is_attr(node: ast.AST | None, base: str, attr: str) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == attr and is_name(node.value, base)


def callee(node: ast.AST | None) -> str | None:
    """``f`` for a call of ``f(...)`` or ``module.f(...)``."""
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Name):
        return node.func.id
    return node.func.attr if isinstance(node.func, ast.Attribute) else None


def literal_string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def is_literal(node: ast.AST) -> bool:
    """A constant, or a list/tuple of constants: no value from the request or the user."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.List | ast.Tuple):
        return all(is_literal(item) for item in node.elts)
    return False


@dataclass
class Queryset:
    model: str
    plain: bool  # ``Model.objects.all()`` or ``Model.objects.order_by(<literals>)``
    ordering: tuple[str, ...]
    source: str


def read_queryset(node: ast.AST) -> Queryset | None:
    """``Model.objects.<chain of queryset methods with literal arguments>``."""
    chain: list[ast.Call] = []
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr not in _QUERYSET_METHODS:
            return None
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if any(k.arg is None for k in node.keywords) or not all(map(is_literal, arguments)):
            return None
        chain.append(node)
        node = node.func.value
    if not (chain and isinstance(node, ast.Attribute) and node.attr == "objects"):
        return None
    model = name_as_written(node.value)
    if model is None:
        return None
    methods = [call.func.attr for call in reversed(chain)]  # type: ignore[attr-defined]
    ordering: tuple[str, ...] = ()
    if methods[-1] == "order_by" and not chain[0].keywords:
        ordering = tuple(str(getattr(a, "value", "")) for a in chain[0].args)
        methods = methods[:-1]
    plain = set(methods) <= {"all"} and all(isinstance(o, str) and o for o in ordering)
    return Queryset(model, plain, ordering if plain else (), ast.unparse(chain[0]))


@dataclass
class Lookup:
    model: str | None
    queryset: str | None
    field: str
    url_kwarg: str
    owner: str | None


def _constant(node: ast.AST) -> bool:
    """A literal, or a class constant such as ``Entry.PUBLISHED`` or ``Entry.Status.LIVE``."""
    if is_literal(node):
        return True
    dotted = name_as_written(node) if isinstance(node, ast.Attribute) else None
    owners = dotted.split(".")[:-1] if dotted else []
    return any(part[:1].isupper() for part in owners)  # an attribute of a class


def read_lookup(node: ast.AST | None, params: list[str]) -> Lookup | None:
    """``get_object_or_404(Model, field=arg)`` or ``Model.objects.get(field=arg)``: one keyword
    whose value is a URL argument of the view, at most one more whose value is
    ``request.user`` (the rows a user owns: a ``get_queryset()`` of the generic view), and
    any whose values are constants (the generic view's ``queryset`` filters on them)."""
    if not isinstance(node, ast.Call) or any(k.arg is None for k in node.keywords):
        return None
    by_argument = [k for k in node.keywords if isinstance(k.value, ast.Name)]
    by_user = [k for k in node.keywords if is_attr(k.value, "request", "user")]
    constants = [k for k in node.keywords if k not in by_user and _constant(k.value)]
    if len(by_argument) != 1 or len(by_user) > 1:
        return None
    if len(node.keywords) != 1 + len(by_user) + len(constants):
        return None
    keyword, value = by_argument[0], by_argument[0].value
    owner = by_user[0].arg if by_user else None
    if keyword.arg is None or not isinstance(value, ast.Name) or value.id not in params:
        return None
    field_name = "pk" if keyword.arg in ("pk", "id") else keyword.arg
    model: str | None = None
    source: str | None = None
    if callee(node) == "get_object_or_404" and len(node.args) == 1:
        target = node.args[0]
        model = name_as_written(target)
        if model is None:
            queryset = read_queryset(target)
            if queryset is None:
                return None
            model = queryset.model
            if not queryset.plain or queryset.ordering:
                source = queryset.source
    elif isinstance(node.func, ast.Attribute) and node.func.attr == "get" and not node.args:
        manager = node.func.value
        if isinstance(manager, ast.Attribute) and manager.attr == "objects":
            model = name_as_written(manager.value)
    if model is None:
        return None
    if constants:
        filters = ", ".join(f"{k.arg}={ast.unparse(k.value)}" for k in constants)
        source = f"{source or model + '.objects'}.filter({filters})"
    return Lookup(model, source, field_name, value.id, owner)


def url_parameters(function: ast.FunctionDef) -> list[str] | None:
    """The URL arguments of a view taking ``request`` first; None for any other signature."""
    arguments = function.args
    if arguments.vararg or arguments.kwarg or arguments.posonlyargs or arguments.defaults:
        return None
    if arguments.kwonlyargs:
        return None
    names = [a.arg for a in arguments.args]
    return names[1:] if names[:1] == ["request"] else None


def read_decorators(function: ast.FunctionDef) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The mixins the view's decorators become, and the other decorators, which
    ``method_decorator`` puts on ``dispatch()``. ``require_*`` only restrict methods, which
    the generic views do by themselves. ``permission_required`` stays a decorator:
    ``PermissionRequiredMixin`` answers 403 to a signed-in user without the permission, where
    the decorator sends them to the login page."""
    mixins: list[str] = []
    others: list[str] = []
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
        if name in _METHOD_DECORATORS or name == "require_http_methods":
            continue
        if name == "login_required" and decorator is target:
            mixins.insert(0, "LoginRequiredMixin")
        else:
            others.append(ast.unparse(decorator))
    return tuple(mixins), tuple(others)


def is_post(test: ast.AST) -> bool:
    return (
        isinstance(test, ast.Compare)
        and is_attr(test.left, "request", "method")
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and literal_string(test.comparators[0]) == "POST"
    )
