"""The baseline: findings accepted today, so that later runs report only new ones.

A finding is keyed by check ID, file (relative to the baseline file), object and the text of the
offending line: not by line number, so inserting lines above a finding does not bring it back.
Each key carries a count, so a second identical finding is new.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.checks import CheckMessage
from django.db import models

from django_guardrails import __version__
from django_guardrails.checks.messages import GuardrailsMessage, SourceLocation
from django_guardrails.conf import get_config
from django_guardrails.source.index import SOURCE

FORMAT_VERSION = 1

_disabled: ContextVar[bool] = ContextVar("guardrails_baseline_disabled", default=False)


class BaselineError(Exception):
    """The baseline file exists but cannot be used; the message says why."""


@dataclass(frozen=True, order=True)
class FindingKey:
    id: str
    file: str
    obj: str
    context: str


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
    file = context = ""
    if isinstance(message, GuardrailsMessage) and message.file:
        try:
            file = Path(os.path.relpath(message.file, root)).as_posix()
        except ValueError:
            file = Path(message.file).as_posix()
        context = " ".join(SOURCE.line_text(message.file, message.line).split())
    return FindingKey(str(message.id), file, _obj_key(message.obj), context)


def _parse(data: object) -> Counter[FindingKey]:
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        raise BaselineError(f"it is not a version {FORMAT_VERSION} guardrails baseline")
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise BaselineError('it has no "findings" list')
    counts: Counter[FindingKey] = Counter()
    for number, entry in enumerate(entries):
        try:
            key = FindingKey(*(str(entry[name]) for name in ("id", "file", "obj", "context")))
            count = int(entry.get("count", 1))
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            raise BaselineError(f"finding {number} lacks id, file, obj or context") from None
        counts[key] += max(count, 1)
    return counts


_cache: dict[Path, tuple[tuple[int, int], Counter[FindingKey]]] = {}


def load(path: Path) -> Counter[FindingKey] | None:
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
        counts = _parse(data)
    except BaselineError:
        raise
    except Exception as error:  # any content at all must end as E004, never as a crash
        raise BaselineError(f"it cannot be read as JSON ({type(error).__name__})") from None
    _cache[path] = (stamp, counts)
    return counts


def accepts(message: CheckMessage) -> bool:
    """Whether a message may be baselined: never the app's own 0xx errors (a typo in
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
        return messages  # guardrails.E004 reports the broken file
    if not accepted:
        return messages
    remaining = Counter(accepted)
    new: list[CheckMessage] = []
    for message in messages:
        key = finding_key(message, path.parent)
        if remaining[key] > 0 and accepts(message):
            remaining[key] -= 1
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


def write(path: Path, messages: Iterable[CheckMessage]) -> int:
    """Write the baseline for ``messages``; returns how many findings it records."""
    counts = Counter(finding_key(m, path.parent) for m in messages if accepts(m))
    findings = [
        {"id": k.id, "file": k.file, "obj": k.obj, "context": k.context, "count": counts[k]}
        for k in sorted(counts)
    ]
    document = {
        "version": FORMAT_VERSION,
        "generated_by": f"django-guardrails {__version__}",
        "findings": findings,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    _cache.pop(path, None)
    return sum(counts.values())
