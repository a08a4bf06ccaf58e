"""Per-file facts kept on disk between runs, so a file unchanged since the last run is not parsed.

A fact is what one check reads off one file's tree (the lines of a migration's operations, the
redirects of a views module), computed by an ``Extractor`` from the parsed module alone. Facts
are stored beside the file's bytecode, in ``__pycache__/guardrails-facts.<tag>.json``, keyed by:

* a digest of the file's text: any change of the text, whatever its size and times, is a miss;
* a digest of guardrails' own code and the Python version (see ``code_key``): an extractor that
  changes, in a release or in a working copy, never reads facts written by the old one.

The store follows Python's bytecode switches: nothing is written under ``PYTHONDONTWRITEBYTECODE``
(``sys.dont_write_bytecode``), and ``PYTHONPYCACHEPREFIX`` moves it with the bytecode. A store
that cannot be read (missing, corrupt, from another version) is empty; one that cannot be written
(a read-only directory) is not written. Neither is ever an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import cache_from_source
from pathlib import Path
from typing import Any

from django_guardrails.source.module import ModuleSource

# A fact is JSON: lists, dicts with str keys, str, int, float, bool, None. Never tuples, so a
# fact read back from disk equals the one just computed.
Fact = Any

_STORE_NAME = "guardrails-facts"


@dataclass(frozen=True)
class Extractor:
    """``extract`` reads one fact off a parsed module; ``name`` identifies it in the store, so
    it must be unique (tests/source/test_facts.py checks every one made)."""

    name: str
    extract: Callable[[ModuleSource], Fact]

    def __post_init__(self) -> None:
        EXTRACTORS.append(self)


EXTRACTORS: list[Extractor] = []


def text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@lru_cache(maxsize=1)
def code_key() -> str:
    """Guardrails' own source and the Python version: what facts depend on besides the file."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(sys.version.encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()


def store_path(directory: str, name: str = _STORE_NAME) -> str | None:
    """Where the store ``name`` of the files in ``directory`` is kept, beside their bytecode;
    None where Python keeps no bytecode either."""
    try:
        bytecode = cache_from_source(os.path.join(directory, name + ".py"))
    except (NotImplementedError, ValueError):
        return None
    return os.path.splitext(bytecode)[0] + ".json"


class FactStore:
    """The stored facts of the files of one directory, loaded on first use."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.path = store_path(directory)
        self._files: dict[str, dict[str, Any]] = self._load()
        self._touched: set[str] = set()
        self.dirty = False

    def _load(self) -> dict[str, dict[str, Any]]:
        if self.path is None:
            return {}
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("key") != code_key():
            return {}
        files = data.get("files")
        if not isinstance(files, dict):
            return {}
        return {
            name: entry
            for name, entry in files.items()
            if isinstance(entry, dict)
            and isinstance(entry.get("digest"), str)
            and isinstance(entry.get("facts"), dict)
        }

    def get(self, name: str, digest: str, extractor: str) -> tuple[bool, Fact]:
        """(True, fact) when the file ``name`` with text ``digest`` has it, else (False, None)."""
        self._touched.add(name)
        entry = self._files.get(name)
        if entry is None or entry["digest"] != digest or extractor not in entry["facts"]:
            return False, None
        return True, entry["facts"][extractor]

    def put(self, name: str, digest: str, extractor: str, fact: Fact) -> None:
        self._touched.add(name)
        entry = self._files.get(name)
        if entry is None or entry["digest"] != digest:
            entry = self._files[name] = {"digest": digest, "facts": {}}
        entry["facts"][extractor] = fact
        self.dirty = True

    def save(self) -> None:
        """Write the store if it changed, atomically; a failure leaves the old one (or none)."""
        if not self.dirty or self.path is None or sys.dont_write_bytecode:
            return
        self.dirty = False
        files = {
            name: entry
            for name, entry in self._files.items()
            # Files this process never asked about are kept while they exist: another settings
            # module or app selection may ask about them.
            if name in self._touched or os.path.exists(os.path.join(self.directory, name))
        }
        write_json_atomically(self.path, {"key": code_key(), "files": files}, _STORE_NAME)


def write_json_atomically(path: str, data: Any, prefix: str) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, creating the folder;
    a failure (read-only directory, full disk) leaves the old file, or none."""
    folder = os.path.dirname(path)
    temporary = None
    try:
        os.makedirs(folder, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
        with open(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, separators=(",", ":"))
        os.replace(temporary, path)
    except (OSError, TypeError, ValueError):
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
