"""The loaded subclasses of a class, all generations deep: the project's serializers and
authentication classes are found among DRF's classes' subclasses, once imported."""

from __future__ import annotations

from collections.abc import Iterator


def subclasses(cls: type) -> Iterator[type]:
    seen: set[type] = set()
    stack: list[type] = list(cls.__subclasses__())
    while stack:
        klass = stack.pop()
        if klass not in seen:
            seen.add(klass)
            yield klass
            stack.extend(klass.__subclasses__())
