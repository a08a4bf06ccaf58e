"""What values a name may hold at a point of a module, read with ``ast``.

``Walker`` walks a body's statements in order and keeps, for each name, every expression that
may have been assigned to it there (``Env``): a plain assignment replaces the name's values, each
branch of an ``if``/``try``/``match`` or loop that may run keeps its own, ``+=`` and
``.append()``/``.extend()``/``.insert()``/``.add()`` add to them; a name bound by ``for``, ``with``
or tuple unpacking holds an unknown value (``None``). Each value keeps the names it saw when it
was assigned, so ``x = x + y`` reads the earlier ``x``. What a value means is for the caller to
judge (``source.escaping``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import cast

_GROWERS = frozenset({"append", "extend", "insert", "add"})

Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(eq=False)
class Bound:
    """An expression assigned to a name, with the names it saw when it was assigned."""

    value: ast.expr
    env: Env


Env = dict[str, tuple[Bound | None, ...]]  # None: a value nothing is known about


def callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def imports_of(tree: ast.Module) -> dict[str, str]:
    """Local name -> what it names: ``pygments.highlight``, ``.utils.badge``, ``bleach``."""
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    first = alias.name.split(".")[0]
                    names[first] = first
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for alias in node.names:
                joiner = "" if base.endswith(".") or not base else "."
                names[alias.asname or alias.name] = f"{base}{joiner}{alias.name}"
    return names


def parameters(function: Function) -> list[ast.arg]:
    arguments = function.args
    return [*arguments.posonlyargs, *arguments.args]


def target_names(target: ast.expr) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


def merge(first: Env, second: Env) -> Env:
    """The bindings after one of two paths: a name bound differently keeps both."""
    merged = dict(first)
    for name, bounds in second.items():
        mine = merged.get(name)
        if mine is None:
            merged[name] = bounds
        elif mine != bounds:
            merged[name] = mine + tuple(b for b in bounds if b not in mine)
    return merged


OnCall = Callable[[ast.Call, Env], None]
OnReturn = Callable[[ast.Return, Env], None]


@dataclass
class Walker:
    """Walks statements in order, binding names, calling back on each call and return."""

    on_call: OnCall | None = None
    on_return: OnReturn | None = None
    yields: bool = False

    def expression(self, node: ast.AST | None, env: Env) -> None:
        if node is None:
            return
        for part in ast.walk(node):
            if isinstance(part, ast.Yield | ast.YieldFrom):
                self.yields = True
            elif isinstance(part, ast.Call) and self.on_call is not None:
                self.on_call(part, env)

    def body(self, statements: list[ast.stmt], env: Env) -> Env:
        for statement in statements:
            env = self.statement(statement, env)
        return env

    def _bind(self, target: ast.expr, value: ast.expr | None, env: Env) -> Env:
        # An env is never changed once made, so the value keeps the one it was assigned in.
        bound = env.copy()
        if isinstance(target, ast.Name) and value is not None:
            bound[target.id] = (Bound(value, env),)
        else:
            for name in target_names(target):
                bound[name] = (None,)
        return bound

    def statement(self, node: ast.stmt, env: Env) -> Env:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return env  # a scope of its own
        if isinstance(node, ast.Assign):
            self.expression(node.value, env)
            for target in node.targets:
                env = self._bind(target, node.value, env)
            return env
        if isinstance(node, ast.AnnAssign):
            self.expression(node.value, env)
            return self._bind(node.target, node.value, env) if node.value else env
        if isinstance(node, ast.AugAssign):
            self.expression(node.value, env)
            if isinstance(node.target, ast.Name) and isinstance(node.op, ast.Add):
                before = env.get(node.target.id, (None,))
                return {**env, node.target.id: (*before, Bound(node.value, env))}
            return self._bind(node.target, None, env)
        if isinstance(node, ast.Return):
            self.expression(node.value, env)
            if self.on_return is not None:
                self.on_return(node, env)
            return env
        if isinstance(node, ast.If | ast.While):
            self.expression(node.test, env)
            return merge(self.body(node.body, env), self.body(node.orelse, env))
        if isinstance(node, ast.For | ast.AsyncFor):
            self.expression(node.iter, env)
            looped = self.body(node.body, self._bind(node.target, None, env))
            return self.body(node.orelse, merge(env, looped))
        if isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                self.expression(item.context_expr, env)
                if item.optional_vars is not None:
                    env = self._bind(item.optional_vars, None, env)
            return self.body(node.body, env)
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":  # 3.11's except*
            node = cast(ast.Try, node)
            tried = self.body(node.body, env)
            paths = [self.body(node.orelse, tried)]
            for handler in node.handlers:
                caught = merge(env, tried)
                if handler.name:
                    caught = {**caught, handler.name: (None,)}
                paths.append(self.body(handler.body, caught))
            merged = paths[0]
            for path in paths[1:]:
                merged = merge(merged, path)
            return self.body(node.finalbody, merged)
        if isinstance(node, ast.Match):
            self.expression(node.subject, env)
            merged = env
            for case in node.cases:
                merged = merge(merged, self.body(case.body, env))
            return merged
        for child in ast.iter_child_nodes(node):
            self.expression(child, env)
        return self._grown(node, env)

    def _grown(self, node: ast.stmt, env: Env) -> Env:
        """``parts.append(value)``, ``.extend()``, ``.insert()``, ``.add()``: the name's value
        now holds that value too."""
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            return env
        call = node.value
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.attr in _GROWERS
            and call.args
        ):
            before = env.get(func.value.id, (None,))
            return {**env, func.value.id: (*before, Bound(call.args[-1], env))}
        return env


@dataclass
class ModuleScope:
    """What the judge needs to know of a module: its functions, classes and imports."""

    tree: ast.Module
    imports: dict[str, str] = field(init=False)
    functions: dict[str, Function] = field(init=False)
    env: Env = field(init=False)

    def __post_init__(self) -> None:
        self.imports = imports_of(self.tree)
        self.functions = {
            n.name: n
            for n in self.tree.body
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        self.env = Walker().body(self.tree.body, {})

    def scope_env(self, function: Function) -> Env:
        """A function's names on entry: the module's, its parameters unknown."""
        env = dict(self.env)
        arguments = function.args
        for parameter in [*parameters(function), *arguments.kwonlyargs]:
            env[parameter.arg] = (None,)
        for extra in (arguments.vararg, arguments.kwarg):
            if extra is not None:
                env[extra.arg] = (None,)
        return env


def method_of(cls: ast.ClassDef, name: str) -> Function | None:
    for node in cls.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node
    return None


def definitions(
    body: Iterable[ast.stmt],
) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """The functions and classes defined directly in ``body`` (also under if/try...)."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node
        else:
            for name in ("body", "orelse", "finalbody"):
                yield from definitions(getattr(node, name, None) or [])
            for handler in getattr(node, "handlers", None) or []:
                yield from definitions(handler.body)
