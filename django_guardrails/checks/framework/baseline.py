"""The baseline: findings accepted today, so that later runs report only new ones.

A finding is keyed by check ID, file (relative to the baseline file), object and a digest of
the offending line: not by line number, so inserting lines above a finding does not bring it
back. The digest is taken over the line's text with every string and number literal blanked
out, so the file holds no source text and nothing a secret could be recovered from (a weak
password hashed on its own is guessed in seconds; a blanked one was never hashed). Each key
carries a count, so a second identical finding is new.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.checks import CheckMessage
from django.db import models

from django_guardrails.checks.framework.messages import GuardrailsMessage, SourceLocation
from django_guardrails.conf import get_config
from django_guardrails.source.index import SOURCE
from django_guardrails.version import __version__

FORMAT_VERSION = 2
# Version 1 kept the offending line's text: still read, so adopting 2 brings nothing back,
# and rewritten by the next `guardrails baseline`.
_READABLE_VERSIONS = (1, 2)

_disabled: ContextVar[bool] = ContextVar("guardrails_baseline_disabled", default=False)


class BaselineError(Exception):
    """The baseline file exists but cannot be used; the message says why."""


@dataclass(frozen=True, order=True)
class FindingKey:
    id: str
    file: str
    obj: str
    digest: str  # of the offending line, literals blanked: see line_digest()


@dataclass
class Accepted:
    """What a baseline file holds: the accepted findings, and whether it keeps source text."""

    counts: Counter[FindingKey]
    holds_source_text: bool = False


@dataclass
class Tally:
    """What the baseline did in one run of the checks."""

    hidden: int = 0
    matched: Counter[FindingKey] = field(default_factory=Counter)


_tally: ContextVar[Tally | None] = ContextVar("guardrails_baseline_tally", default=None)

# A string literal with an optional prefix (f, r, b, u in any mix), its quotes and escapes;
# then numbers. Only the key is made from this: no check reads source through it.
_STRING = re.compile(
    r"""(?i:[rbuf]{0,2})("{3}|'{3}|"|')(?:\\.|(?!\1).)*(?:\1|$)""",
    re.DOTALL,
)
_NUMBER = re.compile(r"(?<![\w.])\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?[jJ]?")


def blank_literals(text: str) -> str:
    """``KEY = "sk_live_x"  # 42`` -> ``KEY = "" # 0``: the line's shape, whitespace folded."""
    shape = _STRING.sub('""', text)
    shape = _NUMBER.sub("0", shape)
    return " ".join(shape.split())


def line_digest(text: str) -> str:
    return hashlib.sha256(blank_literals(text).encode("utf-8")).hexdigest()[:20]


def resolve(path: Path) -> Path:
    """A relative path is taken from ``settings.BASE_DIR`` when set, else the current directory."""
    if path.is_absolute():
        return path
    base_dir = getattr(settings, "BASE_DIR", None)
    return Path(os.fspath(base_dir)) / path if base_dir else Path.cwd() / path


def configured_path() -> Path | None:
    path = get_config().baseline
    return resolve(path) if path is not None else None


def _obj_key(obj: object) -> str:
    if isinstance(obj, SourceLocation):
        return obj.name
    if isinstance(obj, models.base.ModelBase):
        return str(obj._meta.label)  # type: ignore[attr-defined]
    return "" if obj is None else str(obj)


def finding_key(message: CheckMessage, root: Path) -> FindingKey:
    file = text = ""
    if isinstance(message, GuardrailsMessage) and message.file:
        try:
            file = Path(os.path.relpath(message.file, root)).as_posix()
        except ValueError:
            file = Path(message.file).as_posix()
        text = SOURCE.line_text(message.file, message.line)
    return FindingKey(str(message.id), file, _obj_key(message.obj), line_digest(text))


def _entry_key(entry: object, version: int) -> FindingKey:
    if not isinstance(entry, dict):
        raise TypeError(entry)
    ident, file, obj = (str(entry[name]) for name in ("id", "file", "obj"))
    if version == 1:
        return FindingKey(ident, file, obj, line_digest(str(entry["context"])))
    digest = entry["line"]
    if not isinstance(digest, str):
        raise TypeError(digest)
    return FindingKey(ident, file, obj, digest)


def _parse(data: object) -> Accepted:
    if not isinstance(data, dict) or data.get("version") not in _READABLE_VERSIONS:
        raise BaselineError(f"it is not a version {FORMAT_VERSION} guardrails baseline")
    version = int(data["version"])
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise BaselineError('it has no "findings" list')
    counts: Counter[FindingKey] = Counter()
    for number, entry in enumerate(entries):
        try:
            key = _entry_key(entry, version)
            count = int(entry.get("count", 1))
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            fields = "id, file, obj or line" if version > 1 else "id, file, obj or context"
            raise BaselineError(f"finding {number} lacks {fields}") from None
        counts[key] += max(count, 1)
    return Accepted(counts, holds_source_text=version == 1 and bool(entries))


_cache: dict[Path, tuple[tuple[int, int], Accepted]] = {}


def load(path: Path) -> Accepted | None:
    """The accepted findings in ``path``; None when there is no file there."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise BaselineError(f"it cannot be read ({type(error).__name__})") from None
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        accepted = _parse(data)
    except BaselineError:
        raise
    except Exception as error:  # any content at all must end as W004, never as a crash
        raise BaselineError(f"it cannot be read as JSON ({type(error).__name__})") from None
    _cache[path] = (stamp, accepted)
    return accepted


def accepts(message: CheckMessage) -> bool:
    """Whether a message may be baselined: never the app's own 0xx findings (a typo in
    ``GUARDRAILS``, a crashed check, a broken baseline) - those must always be seen."""
    code = str(message.id).removeprefix("guardrails.")
    return not code[1:].startswith("0")


def without_baselined(messages: list[CheckMessage]) -> list[CheckMessage]:
    """Drop the messages the baseline accepts; an unusable baseline hides nothing."""
    path = configured_path()
    if path is None or _disabled.get():
        return messages
    try:
        accepted = load(path)
    except Exception:
        return messages  # guardrails.W004 reports the broken file
    if accepted is None or not accepted.counts:
        return messages
    tally = _tally.get()
    remaining = Counter(accepted.counts)
    if tally is not None:
        remaining.subtract(tally.matched)  # what earlier checks of this run matched
    new: list[CheckMessage] = []
    for message in messages:
        key = finding_key(message, path.parent)
        if remaining[key] > 0 and accepts(message):
            remaining[key] -= 1
            if tally is not None:
                tally.hidden += 1
                tally.matched[key] += 1
        else:
            new.append(message)
    return new


@contextmanager
def disabled() -> Iterator[None]:
    """Run checks without the baseline, to record every current finding."""
    token = _disabled.set(True)
    try:
        yield
    finally:
        _disabled.reset(token)


@contextmanager
def counting() -> Iterator[Tally]:
    """Count what the baseline hides in the checks run inside the block."""
    tally = Tally()
    token = _tally.set(tally)
    try:
        yield tally
    finally:
        _tally.reset(token)


@dataclass(frozen=True)
class Written:
    recorded: int  # findings in the new file
    dropped: int  # accepted findings of the old file that no longer occur (fixed)
    rewritten: bool  # the old file kept source text, which is now gone


def write(path: Path, messages: Iterable[CheckMessage]) -> Written:
    """Write the baseline for ``messages``, replacing the file at ``path``."""
    counts = Counter(finding_key(m, path.parent) for m in messages if accepts(m))
    try:
        before = load(path)
    except BaselineError:
        before = None
    findings = [
        {"id": k.id, "file": k.file, "obj": k.obj, "line": k.digest, "count": counts[k]}
        for k in sorted(counts)
    ]
    document = {
        "version": FORMAT_VERSION,
        "generated_by": f"django-guardrails {__version__}",
        "findings": findings,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    _cache.pop(path, None)
    dropped = sum((before.counts - counts).values()) if before is not None else 0
    return Written(
        recorded=sum(counts.values()),
        dropped=dropped,
        rewritten=before is not None and before.holds_source_text,
    )
