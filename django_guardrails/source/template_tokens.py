"""A template's text as tokens, read with its engine's own lexer: Django's ``Lexer`` for the
Django template language, the environment's ``lex()`` for Jinja2 (so custom delimiters hold).

Both become the same ``Token``s: text, variables (``{{ }}``) and tags (``{% %}``), with the
filters each applies. Comments (``{# #}``, ``{% comment %}``) are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.template.base import Lexer, TokenType

from django_guardrails.source.template_dirs import JINJA2

TEXT, VAR, BLOCK = "text", "var", "block"


@dataclass(frozen=True)
class Filter:
    name: str  # "safe"
    subject: str  # what it applies to, as written before the first filter: "comment.body"
    literal: bool  # applied to a quoted literal ({{ "&copy;"|safe }})


@dataclass(frozen=True)
class Token:
    kind: str  # TEXT, VAR or BLOCK
    contents: str  # the text, or the inside of the tag without its delimiters, stripped
    line: int
    filters: tuple[Filter, ...] = ()

    @property
    def tag(self) -> str:
        """The tag's name (``csrf_token``, ``include``), "" for text and variables."""
        words = self.contents.split() if self.kind == BLOCK else []
        return words[0] if words else ""


def split_unquoted(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside quotes."""
    parts: list[str] = []
    current: list[str] = []
    quote = ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == separator:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


_QUOTED = re.compile(r"""^(?:"[^"]*"|'[^']*')$""")


def is_literal(value: str) -> bool:
    """A quoted string, also translated (``_("...")``), or a number."""
    text = value.strip()
    if text.startswith("_(") and text.endswith(")"):
        text = text[2:-1].strip()
    if _QUOTED.match(text):
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def _django_filters(expression: str) -> Iterator[Filter]:
    subject, *filters = split_unquoted(expression, "|")
    for item in filters:
        name = split_unquoted(item, ":")[0].strip()
        yield Filter(name, subject.strip(), is_literal(subject))


def _django_tag_filters(contents: str) -> Iterator[Filter]:
    """The filters in a tag's arguments: ``{% with body=entry.body|safe %}``."""
    for bit in split_unquoted(contents, " ")[1:]:
        if "|" not in bit:
            continue
        name, equals, value = bit.partition("=")
        if equals and name.isidentifier():
            bit = value
        yield from _django_filters(bit)


def django_tokens(text: str) -> list[Token]:
    tokens: list[Token] = []
    commented = False
    for token in Lexer(text).tokenize():
        line = token.lineno or 1
        kind = token.token_type
        if kind == TokenType.BLOCK and token.contents.split()[:1] == ["comment"]:
            commented = True
        elif kind == TokenType.BLOCK and token.contents.strip() == "endcomment":
            commented = False
        elif commented or kind == TokenType.COMMENT:
            continue
        elif kind == TokenType.TEXT:
            tokens.append(Token(TEXT, token.contents, line))
        elif kind == TokenType.VAR:
            filters = tuple(_django_filters(token.contents))
            tokens.append(Token(VAR, token.contents.strip(), line, filters))
        else:
            filters = tuple(_django_tag_filters(token.contents))
            tokens.append(Token(BLOCK, token.contents.strip(), line, filters))
    return tokens


_JINJA_OPEN = {"variable_begin": VAR, "block_begin": BLOCK, "linestatement_begin": BLOCK}
_JINJA_CLOSE = frozenset({"variable_end", "block_end", "linestatement_end"})


def _jinja_filters(parts: list[tuple[str, str]]) -> Iterator[Filter]:
    words = [(kind, value) for kind, value in parts if kind != "whitespace"]
    source = "".join(value for _, value in parts)
    subject = split_unquoted(source, "|")[0].strip()
    for index, (kind, value) in enumerate(words):
        if kind == "operator" and value == "|" and index + 1 < len(words):
            before = words[index - 1] if index else ("", "")
            name = words[index + 1][1]
            yield Filter(name, subject, before[0] in {"string", "integer", "float"})


def jinja_tokens(text: str, environment: Any) -> list[Token]:
    """Tokens from ``environment.lex()``; none when the template does not lex."""
    tokens: list[Token] = []
    open_kind = ""
    open_line = 1
    parts: list[tuple[str, str]] = []
    try:
        for line, kind, value in environment.lex(text):
            if kind in _JINJA_OPEN:
                open_kind, open_line, parts = _JINJA_OPEN[kind], line, []
            elif kind in _JINJA_CLOSE:
                contents = "".join(v for _, v in parts).strip()
                filters = tuple(_jinja_filters(parts))
                tokens.append(Token(open_kind or BLOCK, contents, open_line, filters))
                open_kind = ""
            elif open_kind:
                parts.append((kind, value))
            elif kind == "data":  # also the inside of {% raw %}: output as written
                tokens.append(Token(TEXT, value, line))
    except Exception:  # jinja2.TemplateSyntaxError and whatever a custom lexer raises
        return []
    return tokens


def template_tokens(text: str, syntax: str, environment: Any = None) -> list[Token]:
    if syntax == JINJA2 and environment is not None:
        return jinja_tokens(text, environment)
    return django_tokens(text)
