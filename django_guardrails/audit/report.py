"""The inventory shown: ``manage.py guardrails signals`` (text, JSON) and runserver's start line."""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.checks import CheckMessage

from django_guardrails.audit.receivers import Receiver, inventory, project_path


def findings_by_receiver(messages: Iterable[CheckMessage]) -> dict[str, list[str]]:
    """Check codes per receiver name, from the 4xx messages (whose ``obj`` is the name)."""
    found: dict[str, list[str]] = defaultdict(list)
    for message in messages:
        code = str(message.id).removeprefix("guardrails.")
        if code.startswith(("W40", "I40")) and code not in found[str(message.obj)]:
            found[str(message.obj)].append(code)
    return dict(found)


def _path(path: str | None, line: int | None) -> str:
    if path is None:
        return "unknown"
    return f"{project_path(path)}:{line}" if line else project_path(path)


def as_json(receivers: Sequence[Receiver], findings: dict[str, list[str]]) -> list[dict[str, Any]]:
    return [
        {
            "signal": receiver.signal,
            "receiver": receiver.qualname,
            "kind": receiver.kind,
            "project": receiver.project,
            "app": receiver.app_label,
            "defined_at": _path(receiver.file, receiver.line) if receiver.file else None,
            "connected_at": (
                _path(receiver.connected_file, receiver.connected_line)
                if receiver.connected_file
                else None
            ),
            "connected_in": receiver.connected_in,
            "sender": receiver.sender,
            "dispatch_uid": receiver.dispatch_uid,
            "weak": receiver.weak,
            "alive": receiver.alive,
            "async": receiver.is_async,
            "findings": findings.get(receiver.qualname, []) if receiver.project else [],
        }
        for receiver in receivers
    ]


def as_text(receivers: Sequence[Receiver], findings: dict[str, list[str]]) -> str:
    """Grouped by signal, the project's receivers first, third-party ones marked."""
    by_signal: dict[str, list[Receiver]] = defaultdict(list)
    for receiver in receivers:
        by_signal[receiver.signal].append(receiver)
    order = sorted(by_signal, key=lambda s: (not any(r.project for r in by_signal[s]), s))
    lines: list[str] = []
    for signal in order:
        group = sorted(by_signal[signal], key=lambda r: (not r.project, r.qualname))
        count = f"{len(group)} receiver{'s' if len(group) != 1 else ''}"
        lines.append(f"{signal} ({count})")
        for receiver in group:
            mark = "" if receiver.project else "[third-party] "
            lines.append(f"  {mark}{receiver.qualname}")
            traits = [
                f"sender {receiver.sender}",
                "weak" if receiver.weak else "strong",
                "alive" if receiver.alive else "DEAD (garbage-collected)",
                f"dispatch_uid {receiver.dispatch_uid!r}" if receiver.dispatch_uid else "no uid",
            ]
            if receiver.is_async:
                traits.append("async")
            lines.append(f"      {', '.join(traits)}")
            lines.append(f"      defined   {_path(receiver.file, receiver.line)}")
            connected = _path(receiver.connected_file, receiver.connected_line)
            if receiver.connected_file:
                connected += f" (in {receiver.connected_in})"
            lines.append(f"      connected {connected}")
            codes = findings.get(receiver.qualname) if receiver.project else None
            if codes:
                lines.append(f"      needs attention: {', '.join(codes)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def summary_line(receivers: Sequence[Receiver], findings: dict[str, list[str]]) -> str:
    apps = {receiver.app_label for receiver in receivers if receiver.app_label}
    attention = len({r.qualname for r in receivers if r.project and findings.get(r.qualname)})
    plural = "s" if len(receivers) != 1 else ""
    return (
        f"guardrails: {len(receivers)} signal receiver{plural} in {len(apps)} apps, "
        f"{attention} need{'s' if attention == 1 else ''} attention "
        "(manage.py guardrails signals)"
    )


_printed = False


def print_startup_line(messages: Iterable[CheckMessage]) -> None:
    """The runserver line, once per process."""
    global _printed
    if _printed:
        return
    _printed = True
    line = summary_line(inventory(), findings_by_receiver(messages))
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
