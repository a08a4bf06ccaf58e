"""A route as a person reads it: ``/api/persons/<pk>/``, not ``api/^persons/(?P<pk>[^/.]+)/$``.

``path()`` routes are shown as written. Regular expressions (``re_path()``, and the routes DRF's
and Wagtail's routers build) are read token by token, as ``re`` would: a named group shows as
``<name>``, an unnamed one as ``<var>`` (Django's admindocs does the same), a part of the route
left to a character class or a wildcard as ``*``, an optional non-capturing group as
``[...]``; anchors, quantifiers, lookarounds and escapes are dropped. The pieces of a route are
joined as Django joins them, with runs of ``/`` shown as one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.urls.resolvers import RegexPattern

_ANCHORS = frozenset("AbBZz")
_CHARACTER_SETS = frozenset("dDwWsS")
_COUNT = re.compile(r"\{(\d*)(?:,(\d*))?\}")
_SLASHES = re.compile(r"/{2,}")


def _quantifier(regex: str, at: int) -> tuple[int, bool]:
    """The index after a quantifier starting at ``at`` (``at`` itself when there is none), and
    whether it allows zero repetitions."""
    optional = False
    if at < len(regex) and regex[at] in "?*+":
        optional = regex[at] != "+"
        at += 1
    elif (count := _COUNT.match(regex, at)) is not None:
        optional = count.group(1) in ("", "0")
        at = count.end()
    else:
        return at, False
    if at < len(regex) and regex[at] in "?+":  # lazy or possessive
        at += 1
    return at, optional


def _class_end(regex: str, at: int) -> int:
    """The index of the ``]`` closing the character class opened at ``at``."""
    index = at + 1
    if regex[index : index + 1] == "^":
        index += 1
    if regex[index : index + 1] == "]":  # a literal ] first in the class
        index += 1
    while index < len(regex) and regex[index] != "]":
        index += 2 if regex[index] == "\\" else 1
    return min(index, len(regex) - 1)


def _group_end(regex: str, at: int) -> int:
    """The index of the ``)`` closing the group opened at ``at``."""
    depth, index = 0, at
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = _class_end(regex, index)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return len(regex) - 1


def _group(body: str, optional: bool) -> str:
    if body.startswith("?P<") and ">" in body:
        return "<" + body[3 : body.index(">")] + ">"
    if not body.startswith("?"):
        return "<var>"  # an unnamed group: a positional argument of the view
    if body.startswith("?:") or re.match(r"\?[aiLmsux-]+:", body):
        inner = regex_text(body[body.index(":") + 1 :])
        if "|" in inner:
            inner = f"({inner})"
        return f"[{inner}]" if optional and inner else inner
    return ""  # a lookaround, a back reference, inline flags or a comment: no text


def regex_text(regex: str) -> str:
    """The readable text of a route's regular expression (see the module docstring)."""
    out: list[str] = []
    index = 0
    while index < len(regex):
        char = regex[index]
        if char == "\\" and index + 1 < len(regex):
            escaped = regex[index + 1]
            index += 2
            if escaped in _CHARACTER_SETS:
                out.append("*")
                index, _ = _quantifier(regex, index)
            elif escaped not in _ANCHORS:
                out.append(escaped)
        elif char == "(":
            end = _group_end(regex, index)
            body = regex[index + 1 : end]
            index, optional = _quantifier(regex, end + 1)
            out.append(_group(body, optional))
        elif char == "[" or char == ".":
            end = _class_end(regex, index) if char == "[" else index
            out.append("*")
            index, _ = _quantifier(regex, end + 1)
        elif char in "^$":
            index += 1
        elif char in "?*+" or (char == "{" and _COUNT.match(regex, index)):
            index, _ = _quantifier(regex, index)  # repeats the literal before it: keep that
        else:
            out.append(char)
            index += 1
    return "".join(out)


def pattern_text(pattern: Any) -> str:
    """One piece of a route: a ``path()`` route as written, a regex made readable."""
    if isinstance(pattern, RegexPattern):
        return regex_text(str(pattern))
    return str(pattern)


def route_text(patterns: Iterable[Any]) -> str:
    """The whole route from the root: ``/`` followed by the joined pieces."""
    joined = "".join(pattern_text(pattern) for pattern in patterns)
    return "/" + _SLASHES.sub("/", joined).lstrip("/")
