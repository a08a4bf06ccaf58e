"""SQL text -> its shape: literals and placeholders become ``?``, ``IN`` lists collapse.

The same query from SQLite and PostgreSQL gets the same shape, and so does the same query with
other parameters. The parse is paid once per distinct SQL text (a bounded cache).
"""

from __future__ import annotations

import re
from functools import lru_cache

from sqlparse import tokens as T
from sqlparse.lexer import tokenize

_QUOTES = ('"', "`", "[")
_IN_LIST = re.compile(r"\(\s*\?(?:\s*,\s*\?)*\s*\)")
_VALUES_ROWS = re.compile(r"VALUES \(\.\.\.\)(?:\s*,\s*\(\.\.\.\))+")


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] in _QUOTES:
        return name[1:-1]
    return name


@lru_cache(maxsize=4096)
def fingerprint(sql: str) -> str:
    """The shape of ``sql``. Never raises: text sqlparse cannot read is only folded."""
    try:
        parts: list[str] = []
        for ttype, value in tokenize(sql):  # type: ignore[no-untyped-call]
            if ttype in T.Whitespace or ttype in T.Newline or ttype in T.Comment:
                if parts and parts[-1] != " ":
                    parts.append(" ")
            elif (
                ttype in T.Name.Placeholder
                or ttype in T.Literal.Number
                or ttype in T.Literal.String.Single
            ):
                parts.append("?")
            elif ttype in T.Literal.String.Symbol or ttype in T.Name:
                parts.append(_unquote(value))
            elif ttype in T.Keyword:
                parts.append(value.upper())
            else:
                parts.append(value)
        shape = "".join(parts).strip()
    except Exception:  # sqlparse on hostile input; the shape degrades, the request does not
        shape = " ".join(sql.split())
    shape = _IN_LIST.sub("(...)", shape)
    return _VALUES_ROWS.sub("VALUES (...)", shape)
