"""Sets of code objects that a frame walk tests every frame against, kept as sets of ids.

``code in {...}`` hashes the frame's code object, and a code object's hash covers its bytecode,
names and constants, computed anew on every lookup: about half a microsecond for a large
function, on each frame of a walk. An id is the object's address: the codes stay referenced
here, so while the process lives no other object can have one of these ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import CodeType

_kept: list[tuple[CodeType, ...]] = []


def code_ids(codes: Iterable[CodeType]) -> frozenset[int]:
    """The ids of ``codes``, which are kept alive; test a frame with ``id(code) in ids``."""
    kept = tuple(codes)
    _kept.append(kept)
    return frozenset(map(id, kept))
