"""A request as findings show it: its path with each segment that may be a credential
(``/reset/<token>/``, a UUID that works as a key, ``/ping/<uuid>``) shown as ``…``, in every
message, log line, header, span and file that names it."""

from __future__ import annotations

from typing import Any

# Query-string and URL parameter names that carry a credential whatever their value's shape.
_CREDENTIAL_NAMES = frozenset(
    {"key", "code", "state", "sig", "signature", "jwt", "sid", "uidb64", "otp", "token", "hash"}
)


def _credential_name(name: object) -> bool:
    """``token``, ``reset_key``, ``activation_key``, ``confirmation_code``: a URL parameter
    whose name, or a word of it, says it carries a credential."""
    from django_guardrails.secret_values import secret_name

    text = str(name)
    words = set(text.lower().split("_"))
    return secret_name(text.upper()) or bool(words & _CREDENTIAL_NAMES)


def shown_path(request: Any) -> str:
    """The request's path with each segment that a URL parameter named like a secret
    captured (``<token>``), or that looks like a credential, shown as ``…``."""
    from django_guardrails.secret_values import credential_shape

    path: str = request.path
    match = request.resolver_match
    hidden = set()
    if match is not None:
        hidden = {str(value) for name, value in match.kwargs.items() if _credential_name(name)}
    for value in hidden:
        if "/" in value.strip("/") and len(value) >= 4:  # a <path:token> spans segments
            path = path.replace(value.strip("/"), "…")
    segments = path.split("/")
    shown = ["…" if s and (s in hidden or credential_shape(s)) else s for s in segments]
    return "/".join(shown)


def shown_name(unit: Any) -> str:
    """The unit's name for a message: a request's method and shown path (read once the view
    has run, so that its URL parameters are known), else the name it was given."""
    request = getattr(unit, "request", None)
    if request is None:
        return str(unit.name)
    return f"{request.method} {shown_path(request)}"
