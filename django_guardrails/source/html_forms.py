"""The ``<form>`` elements of a template, read from its tokens.

The template's text is joined with each tag and variable replaced by a placeholder, so a start
tag holding template code (``action="{% url 'checkout' %}"``, ``method="{{ method }}"``,
``{% if x %}class="a"{% endif %}``) is still one tag whose attributes can be read. Then, as a
browser would: HTML comments and the bodies of ``<script>``/``<style>`` hold no form, and a
form runs to its ``</form>``. A ``<form>`` opened inside an open one, which a browser would
ignore, is taken for another branch of the template (``{% if %}...{% else %}``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django_guardrails.source.template_tokens import TEXT, Token

_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)|<(script|style)\b.*?(?:</\1\s*>|\Z)|<form\b|</form\s*>",
    re.IGNORECASE | re.DOTALL,
)
_ATTRIBUTE = re.compile(
    "\\s*(?:\ue000\\d+\ue001|([^\\s\"'>/=\ue000]+)"
    "(?:\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)'|([^\\s>]+)))?|/)"
)
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")


@dataclass(frozen=True)
class Form:
    line: int
    attributes: dict[str, str]  # lower-cased names; template code as placeholders
    body: list[Token]  # the tags and variables between <form ...> and </form>
    body_text: str  # the HTML between them, template code left out

    def literal(self, name: str) -> list[str]:
        """The pieces of attribute ``name`` written out in the template, around its code."""
        return _PLACEHOLDER.split(self.attributes.get(name, ""))[0::2]

    def holds_code(self, name: str) -> bool:
        return bool(_PLACEHOLDER.search(self.attributes.get(name, "")))


class _Joined:
    """The template's text with a placeholder for each tag and variable."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        pieces: list[str] = []
        self.starts: list[int] = []
        offset = 0
        for index, token in enumerate(tokens):
            piece = token.contents if token.kind == TEXT else f"\ue000{index}\ue001"
            self.starts.append(offset)
            pieces.append(piece)
            offset += len(piece)
        self.text = "".join(pieces)

    def line(self, offset: int) -> int:
        index = max(bisect_right(self.starts, offset) - 1, 0)
        token = self.tokens[index]
        if token.kind != TEXT:
            return token.line
        return token.line + token.contents.count("\n", 0, offset - self.starts[index])

    def code(self, text: str) -> list[Token]:
        return [self.tokens[int(n)] for n in _PLACEHOLDER.findall(text)]


def _start_tag(text: str, position: int) -> tuple[dict[str, str], int]:
    """The attributes of the start tag whose name ends at ``position``, and where it ends."""
    attributes: dict[str, str] = {}
    while position < len(text):
        if text[position] == ">":
            return attributes, position + 1
        match = _ATTRIBUTE.match(text, position)
        if match is None or match.end() == position:
            position += 1
            continue
        name = match.group(1)
        if name:
            value = next((v for v in match.group(2, 3, 4) if v is not None), "")
            attributes.setdefault(name.lower(), value)
        position = match.end()
    return attributes, position


def forms(tokens: list[Token]) -> Iterator[Form]:
    """Each form closed in this template (one closed elsewhere cannot be judged here).

    Start tags met while a form is open are its alternatives (``{% if %}<form method="get">
    {% else %}<form method="post">{% endif %}``): one ``Form`` each, sharing the body.
    """
    joined = _Joined(tokens)
    text = joined.text
    opened: list[tuple[int, dict[str, str]]] = []  # line and attributes of each start tag
    start = 0  # where the body begins: after the last start tag
    position = 0
    while (match := _MARKUP.search(text, position)) is not None:
        tag = match.group(0).lower()
        position = match.end()
        if tag.startswith("<form"):
            attributes, position = _start_tag(text, position)
            opened.append((joined.line(match.start()), attributes))
            start = position
        elif tag.startswith("</form"):
            body = text[start : match.start()]
            for line, attributes in opened:
                yield Form(line, attributes, joined.code(body), _PLACEHOLDER.sub("", body))
            opened = []


def posts(form: Form) -> bool:
    """``method="post"`` written out; a method held in a variable is not taken for POST."""
    return any(piece.strip().lower() == "post" for piece in form.literal("method"))


def leaves_site(form: Form, is_own_host: Callable[[str], bool]) -> bool:
    """Whether the form posts to another site: an absolute URL (``https://``, ``//``) whose
    host is not one of the site's own, or another scheme (``mailto:``). An action built by
    template code (``{% url %}``, ``{{ next }}``) is this site's."""
    written = form.literal("action")[0].strip()
    scheme = _SCHEME.match(written)
    if scheme and scheme.group(1).lower() not in {"http", "https"}:
        return True
    if not (scheme or written.startswith("//")):
        return False
    rest = written[scheme.end() :] if scheme else written
    if not rest.startswith("//"):
        return False  # "https:/path" is a path on this host, as browsers read it
    authority = re.split(r"[/?#]", rest[2:], maxsplit=1)
    host = authority[0].rpartition("@")[2]
    complete = len(authority) > 1 or not form.holds_code("action")
    if not host or not complete:
        return True  # the host comes from template code: taken for another site
    return not is_own_host(host)
