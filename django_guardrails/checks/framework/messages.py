"""The check message guardrails emits: Django's CheckMessage plus the offending file and line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.checks import CheckMessage
from django.db import models

from django_guardrails.project import display_path

__all__ = ["GuardrailsMessage", "SourceLocation", "display_path"]


class GuardrailsMessage(CheckMessage):
    """A check message that knows where the offending code is.

    Equality stays Django's (level, msg, hint, obj, id), so tests can compare whole messages;
    ``file`` and ``line`` travel alongside and show up in ``str()``. ``items`` is the complete
    list a message names only the first of ("A, B, C and 4 more"), for the JSON and SARIF
    output.
    """

    def __init__(
        self,
        level: int,
        msg: str,
        hint: str | None = None,
        obj: Any = None,
        id: str | None = None,
        *,
        file: str | None = None,
        line: int | None = None,
        items: Sequence[str] = (),
    ) -> None:
        super().__init__(level, msg, hint=hint, obj=obj, id=id)
        self.file = file
        self.line = line
        self.items = tuple(items)

    @property
    def location(self) -> str | None:
        if self.file is None:
            return None
        path = display_path(self.file)
        return f"{path}:{self.line}" if self.line else path

    def obj_label(self) -> str:
        if self.obj is None:
            return "?"
        if isinstance(self.obj, models.base.ModelBase):
            return str(self.obj._meta.label)  # type: ignore[attr-defined]
        return str(self.obj)

    def __str__(self) -> str:
        label = self.obj_label()
        location = self.location
        if location and location not in label:
            label = f"{label} ({location})"
        hint = f"\n\tHINT: {self.hint}" if self.hint else ""
        return f"{label}: ({self.id}) {self.msg}{hint}"


class SourceLocation:
    """An ``obj`` for findings that no model or field fits; prints as ``path:line name``."""

    def __init__(self, file: str, line: int | None, name: str) -> None:
        self.file = file
        self.line = line
        self.name = name

    def __str__(self) -> str:
        path = display_path(self.file)
        where = f"{path}:{self.line}" if self.line else path
        return f"{where} {self.name}"

    def __repr__(self) -> str:
        return f"SourceLocation({self.file!r}, {self.line!r}, {self.name!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceLocation):
            return NotImplemented
        return (self.file, self.line, self.name) == (other.file, other.line, other.name)

    def __hash__(self) -> int:
        return hash((self.file, self.line, self.name))
