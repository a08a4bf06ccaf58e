"""A request as findings show it: its path with each segment that may be a credential
(``/reset/<token>/``, a UUID that works as a key, ``/ping/<uuid>``) shown as ``…``, in every
message, log line, header, span and file that names it; and its query string as the console
shows it. One judgement of which parameter names carry a credential serves both."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, quote_plus

# Parameter names (of a URL pattern, of a query string) that carry a credential whatever
# their value's shape: as the whole name, or (the first set) as a word of it,
# ``activation_key``, ``reset_token``. OAuth's ``code`` and ``state`` only whole:
# ``country_code`` and ``state_slug`` carry none.
_CREDENTIAL_WORDS = frozenset({"key", "token", "sig", "signature", "jwt", "otp", "hash", "secret"})
_CREDENTIAL_NAMES = _CREDENTIAL_WORDS | {
    "code",
    "state",
    "sid",
    "uidb64",
    "csrftoken",
    "csrfmiddlewaretoken",
}
_CODE_OF = frozenset(
    {"confirmation", "confirm", "verification", "verify", "activation", "activate", "reset"}
    | {"auth", "invite", "invitation", "access", "security", "recovery", "login", "unlock"}
)


def credential_name(name: object) -> bool:
    """``token``, ``code``, ``sessionid``, ``activation_key``, ``confirmation_code``: a
    parameter whose name, or a word of it, says it carries a credential."""
    from django_guardrails.secret_values import secret_name

    text = str(name)
    lowered = text.lower()
    if secret_name(text.upper()) or lowered in _CREDENTIAL_NAMES or "session" in lowered:
        return True
    words = lowered.split("_")
    if words[-1] == "code" and _CODE_OF.intersection(words[:-1]):
        return True  # confirmation_code, reset_code; not country_code
    return bool(set(words) & _CREDENTIAL_WORDS)


def shown_query_string(query_string: str) -> str:
    """``?page=2&token=…``: the query string as the console shows it, a value whose name says
    it is a credential, or whose shape looks like one, left out."""
    if not query_string:
        return ""
    from django_guardrails.secret_values import credential_shape

    pairs = []
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        hidden = credential_name(name) or credential_shape(value) is not None
        shown = "…" if hidden else quote_plus(value, safe="/:,")
        pairs.append(f"{quote_plus(name)}={shown}")
    return "?" + "&".join(pairs)


def shown_path(request: Any) -> str:
    """The request's path with each segment that a URL parameter named like a secret
    captured (``<token>``), or that looks like a credential, shown as ``…``."""
    from django_guardrails.secret_values import credential_shape

    path: str = request.path
    match = request.resolver_match
    hidden = set()
    if match is not None:
        hidden = {str(value) for name, value in match.kwargs.items() if credential_name(name)}
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
