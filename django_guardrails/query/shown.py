"""A request as findings show it: its path with each segment that may be a credential
(``/reset/<token>/``, a UUID that works as a key, ``/ping/<uuid>``) shown as ``…``, in every
message, log line, header, span and file that names it."""

from __future__ import annotations

import re
from typing import Any

# URL parameter names that carry a credential whatever their value's shape: as the whole
# name, or (the first set) as a word of it, ``activation_key``, ``reset_token``. ``code`` and
# ``state`` only whole: ``country_code`` and ``state_slug`` carry none.
_CREDENTIAL_WORDS = frozenset({"key", "token", "sig", "signature", "jwt", "otp", "hash", "secret"})
_CREDENTIAL_NAMES = _CREDENTIAL_WORDS | {"code", "state", "sid", "uidb64"}


def _credential_name(name: object) -> bool:
    """``token``, ``code``, ``reset_key``, ``activation_key``: a URL parameter whose name, or
    a word of it, says it carries a credential."""
    from django_guardrails.secret_values import secret_name

    text = str(name)
    if secret_name(text.upper()) or text.lower() in _CREDENTIAL_NAMES:
        return True
    words = text.lower().split("_")
    if words[-1] == "code" and _CODE_OF.intersection(words[:-1]):
        return True  # confirmation_code, reset_code; not country_code
    return bool(set(words) & _CREDENTIAL_WORDS)


_CODE_OF = frozenset(
    {"confirmation", "confirm", "verification", "verify", "activation", "activate", "reset"}
    | {"auth", "invite", "invitation", "access", "security", "recovery", "login", "unlock"}
)


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
        spanning = value.strip("/")
        if "/" in spanning:  # a <path:token> spans segments: hidden where it stands whole
            path = re.sub(rf"(?<=/){re.escape(spanning)}(?=/|$)", "…", path)
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
