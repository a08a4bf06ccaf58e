"""What a template's output is, read from its tokens (``source.template_tokens``).

* ``has_markup()``: whether the text between the template code holds a tag (``<p>``, ``</td>``,
  ``<br/>``, ``<!-- -->``, ``<!DOCTYPE``, ``<?xml``): HTML or XML, where escaping matters. A
  template without one is plain text (an e-mail subject, an SMS, a JSON payload) unless a
  template it is rendered within is markup.
* ``referenced()``: the templates a template names literally in ``{% include %}``,
  ``{% extends %}`` (Jinja2 also ``{% import %}``/``{% from %}``), as (tag, name).
* ``literal_names()``: per token, the names that can only hold a literal there, bound in the
  same template by ``{% with x="<br>" %}``, ``{% cycle 'a' 'b' as x %}``,
  ``{% firstof "a" "b" as x %}`` (Jinja2: ``{% set x = "a" %}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django_guardrails.source.template_tokens import (
    BLOCK,
    TEXT,
    Token,
    is_literal,
    split_unquoted,
)

_TAG = re.compile(
    r"<(?:[A-Za-z][\w:.-]*(?:\s|/?>|$)|/[A-Za-z][\w:.-]*\s*>|!--|!doctype|\?xml)", re.I
)
_REFERENCING = frozenset({"include", "extends", "import", "from"})
_QUOTED = re.compile(r"""^(?:"[^"]*"|'[^']*')$""")


def has_markup(tokens: list[Token]) -> bool:
    """Whether the template's own text (template code, comments removed) holds an HTML/XML tag.

    The text of consecutive text tokens is joined with a placeholder, so ``<a href="{{ u }}">``
    counts as the tag it is."""
    text = "".join(t.contents if t.kind == TEXT else "x" for t in tokens if t.kind != BLOCK)
    return bool(_TAG.search(text))

    try:
        float(text)
    except ValueError:
        return False
    return True


def referenced(tokens: list[Token]) -> Iterator[tuple[str, str]]:
    """(tag, template name) per ``include``/``extends``/``import``/``from`` of a quoted name."""
    for token in tokens:
        if token.kind != BLOCK or token.tag not in _REFERENCING:
            continue
        words = split_unquoted(token.contents, " ")
        argument = next((w for w in words[1:] if w), "")
        if _QUOTED.match(argument):
            yield token.tag, argument[1:-1]


def _bindings(token: Token) -> list[tuple[str, bool]]:
    """(name, bound to a literal) per name the tag binds."""
    words = [w for w in split_unquoted(token.contents, " ") if w]
    tag = token.tag
    if tag in {"cycle", "firstof"} and "as" in words[1:-1]:
        at = len(words) - 1 - words[::-1].index("as")
        values = words[1:at]
        return [(words[at + 1], bool(values) and all(is_literal(v) for v in values))]
    if tag == "with":
        found: list[tuple[str, bool]] = []
        rest = words[1:]
        if len(rest) == 3 and rest[1] == "as":  # the legacy {% with value as name %}
            return [(rest[2], is_literal(rest[0]))]
        for word in rest:
            name, equals, value = word.partition("=")
            if equals and name.isidentifier():
                found.append((name, is_literal(value)))
        return found
    if tag == "set":  # Jinja2: {% set x = "a" %}; {% set x %}...{% endset %} is a block
        name, equals, value = token.contents[3:].partition("=")
        if equals and name.strip().isidentifier():
            return [(name.strip(), is_literal(value))]
        if name.strip().isidentifier():
            return [(name.strip(), False)]
    return []


def literal_names(tokens: list[Token]) -> list[frozenset[str]]:
    """Per token, the names that can only hold a literal at that point of the template.

    A ``{% with %}`` binds its names up to ``{% endwith %}``; ``cycle``/``firstof ... as`` and
    Jinja2's ``set`` bind theirs from there on. A name is literal when every binding of it in the
    whole template is literal (a name bound once to a variable is never counted literal)."""
    not_literal: set[str] = set()
    for token in tokens:
        if token.kind == BLOCK:
            not_literal.update(name for name, literal in _bindings(token) if not literal)
    result: list[frozenset[str]] = []
    frames: list[set[str]] = [set()]  # the names bound by each open {% with %}
    lasting: set[str] = set()
    for token in tokens:
        result.append(frozenset(lasting.union(*frames) - not_literal))
        if token.kind != BLOCK:
            continue
        if token.tag == "with":
            frames.append({name for name, _ in _bindings(token)})
        elif token.tag == "endwith" and len(frames) > 1:
            frames.pop()
        else:
            lasting.update(name for name, _ in _bindings(token))
    return result
