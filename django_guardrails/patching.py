"""What one change to Django, the standard library or an integrated package is: installed,
uninstalled and asked about the same way, whoever owns it. The list of them, and when they are
made, is ``instrumentation``'s."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Patch:
    """One change: ``install()`` and ``uninstall()`` are idempotent."""

    name: str
    why: str

    def install(self) -> None:
        raise NotImplementedError

    def uninstall(self) -> None:
        raise NotImplementedError

    @property
    def installed(self) -> bool:
        raise NotImplementedError


@dataclass(eq=False)
class AttributePatch(Patch):
    """``owner.attribute`` (a class or a module) replaced by ``replacement``."""

    owner: Any
    attribute: str
    replacement: Any
    why: str
    original: Any = field(init=False)

    def __post_init__(self) -> None:
        self.original = vars(self.owner)[self.attribute]

    @property
    def name(self) -> str:  # type: ignore[override]
        owner = self.owner
        qualified = getattr(owner, "__qualname__", None)
        prefix = f"{owner.__module__}.{qualified}" if qualified else owner.__name__
        return f"{prefix}.{self.attribute}"

    def install(self) -> None:
        if vars(self.owner).get(self.attribute) is self.original:
            setattr(self.owner, self.attribute, self.replacement)

    def uninstall(self) -> None:
        if vars(self.owner).get(self.attribute) is self.replacement:
            setattr(self.owner, self.attribute, self.original)

    @property
    def installed(self) -> bool:
        return vars(self.owner).get(self.attribute) is self.replacement


@dataclass(eq=False)
class HookPatch(Patch):
    """A change made by functions of the module that owns it (a receiver connected, a wrapper
    put on each connection, a method wrapped on classes found at run time)."""

    name: str
    why: str
    on: Callable[[], None]
    off: Callable[[], None]
    is_on: Callable[[], bool]

    def install(self) -> None:
        self.on()

    def uninstall(self) -> None:
        self.off()

    @property
    def installed(self) -> bool:
        return self.is_on()
