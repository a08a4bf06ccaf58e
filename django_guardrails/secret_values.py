"""What a string in settings is: a credential by its shape, a placeholder, or a value that cannot
be a secret (an import path, an app label, a URL without credentials, a file path).

Pure functions over one value; none of them returns or logs the value.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from importlib.util import find_spec
from urllib.parse import parse_qsl, urlsplit

_SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|"
    r"AUTH_?KEY|SIGNING_?KEY|CLIENT_?KEY|\bDSN\b|_DSN$|(?:^|_)(?:PASS|PWD)(?:$|_)",
    re.IGNORECASE,
)
# Keys made to be public: served to browsers or published (Stripe's publishable key, a
# reCAPTCHA site key, a VAPID public key).
_PUBLIC_NAME = re.compile(r"PUBLIC|PUBLISHABLE|SITE_?KEY", re.IGNORECASE)
# Settings about a secret that hold no secret: its name, lifetime, algorithm, class or file.
_HARMLESS_NAME = re.compile(
    r"(_NAME|_HEADER|_TIMEOUT|_AGE|_LENGTH|_VALIDATORS|_HASHERS|_BACKEND|_FIELD|_PATH|_URL_NAME|"
    r"_TTL|_LIFETIME|_EXPIRY|_EXPIRATION|_SECONDS|_ALGORITHMS?|_CLASS|_CLASSES|_MODEL|_ENABLED|"
    r"_FILE|_DIR|_ROOT|_RATES?|_LIMITS?|_CLAIM|_TYPE|_PREFIX|_SCOPES?|_COUNT|_SIZE|_INTERVAL|"
    r"_RETRIES|_VERSION|_MODE)$",
    re.IGNORECASE,
)
KNOWN_FORMATS = (
    ("an AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("a GitLab token", re.compile(r"\bglpat-[\w-]{20,}")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[\w-]{10,}")),
    ("a Stripe key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{16,}")),
    ("a Google API key", re.compile(r"\bAIza[\w-]{35}\b")),
    ("a SendGrid key", re.compile(r"\bSG\.[\w-]{16,}\.[\w-]{16,}")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    ("a JSON web token", re.compile(r"\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}")),
    ("a Mailgun key", re.compile(r"\bkey-[0-9a-f]{32}\b")),
)
HIGH_ENTROPY = "a high-entropy string"
FORMAT_LABELS = frozenset(label for label, _ in KNOWN_FORMATS)
_URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^:/@\s]*:([^@/\s]+)@", re.IGNORECASE)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)
_PLACEHOLDERS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "secret",
        "password",
        "passwd",
        "pass",
        "xxx",
        "dummy",
        "test",
        "testing",
        "example",
        "todo",
        "none",
        "null",
        "default",
        "placeholder",
        "your-secret-key",
        "your_secret_key",
        "secret-key",
        "secretkey",
        "admin",
        "postgres",
        "root",
        "guest",
        "fake",
        "notasecret",
        "not-a-secret",
        "insecure",
    }
)
_PLACEHOLDER_SHAPES = re.compile(
    r"^(x+|\*+|\.+|<[^>]*>|\$\{[^}]*\}|\$[A-Z_]+|%\([^)]*\)s|\{\{[^}]*\}\}|\{[a-z_]*\})$",
    re.IGNORECASE,
)
# One part of an identifier or slug that is a word, not noise: "sphinx", "13448",
# "Password", "oauth2", "MD"; never "93jd8s7d" or "kJhGf".
_WORD = re.compile(
    r"\d+|[a-z]{3,}\d{0,2}|[a-z]{1,2}|(?:[A-Z]{1,3}[a-z]{2,})+[A-Z]{0,3}\d{0,2}|[A-Z]+\d{0,2}"
)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MODULE_SEGMENT = re.compile(r"_*[a-z][a-z0-9_]*")
_CLASS_SEGMENT = re.compile(r"_*[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*")
_PATH_PREFIX = re.compile(r"^(?:/|~/|\./|\.\./|[A-Za-z]:[\\/])")
_PATH_SEGMENT = re.compile(r"[\w.@~+-]*")


def is_placeholder(value: str, *, development: bool = False) -> bool:
    """A value that is no secret: empty, a dummy, a template; in development Django's own
    ``django-insecure-`` keys too."""
    folded = value.strip().lower()
    if development and folded.startswith("django-insecure-"):
        return True
    if folded in _PLACEHOLDERS or _PLACEHOLDER_SHAPES.match(value.strip()):
        return True
    tail = re.split(r"[_.-]", folded)[-1]
    if len(tail) >= 4 and len(set(tail)) == 1:  # "sk_test_xxxxxxxx": a format with no key
        return True
    return folded.startswith(("change", "replace", "your-", "your_", "todo", "fixme", "dummy"))


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _wordy(value: str) -> bool:
    """Words and numbers joined by ``_`` or ``-``: an app label, a slug, a class name."""
    parts = [part for part in re.split(r"[_-]+", value) if part]
    return bool(parts) and all(_WORD.fullmatch(part) for part in parts)


def _high_entropy(value: str) -> bool:
    if len(value) < 24 or any(c.isspace() for c in value) or "/" in value or "." in value:
        return False
    if _wordy(value):  # "_sphinx_13448_workaround": long and varied, yet words
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
        )
    )
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        return len(value) >= 32 and _entropy(value) >= 3.0
    return classes >= 2 and _entropy(value) >= 4.0


def credential_shape(value: str) -> str | None:
    """Why ``value`` looks like a credential whatever its name, or None."""
    for label, pattern in KNOWN_FORMATS:
        if pattern.search(value):
            return label
    match = _URL_PASSWORD.match(value)
    if match and not is_placeholder(match.group(1)):
        return "a URL with a password"
    if _high_entropy(value):
        return HIGH_ENTROPY
    return None


def secret_name(name: str) -> bool:
    """``EMAIL_HOST_PASSWORD``, ``DATABASES['default']['PASSWORD']``, ``stripe_secret_key``;
    never ``CSRF_COOKIE_NAME``, ``PASSWORD_HASHERS`` or a key of a setting named for no secret
    (``ACCOUNT_RATE_LIMITS['reset_password']``)."""
    last = name.rsplit("'", 2)[-2] if name.endswith("']") else name
    top = name.split("[", 1)[0]
    if top != name and _HARMLESS_NAME.search(top):
        return False
    return bool(_SECRET_NAME.search(last)) and not _HARMLESS_NAME.search(last)


def public_name(name: str) -> bool:
    """``STRIPE_PUBLISHABLE_KEY``, ``RECAPTCHA_PUBLIC_KEY``: a key meant to be seen."""
    last = name.rsplit("'", 2)[-2] if name.endswith("']") else name
    return bool(_PUBLIC_NAME.search(last))


def name_shape(value: str, *names: str | None) -> str | None:
    """``credential_shape(value)``, except that a random string under a public key's name is
    that public key; a known secret format stays a secret under any name."""
    shape = credential_shape(value)
    if shape == HIGH_ENTROPY and any(name and public_name(name) for name in names):
        return None
    return shape


@lru_cache(maxsize=256)
def _importable(top: str) -> bool:
    try:
        return find_spec(top) is not None
    except (ImportError, ValueError):
        return False


def import_path(value: str) -> bool:
    """A dotted path to a module, class or function (``aggregator.utils.push_credentials``,
    ``authtoken.Token``): modules in lower case, the last part a class or a function name,
    or the first part a module this interpreter can import."""
    segments = value.split(".")
    if len(segments) < 2 or not all(_IDENTIFIER.fullmatch(s) for s in segments):
        return False
    *modules, last = segments
    if not all(_MODULE_SEGMENT.fullmatch(s) and _wordy(s) for s in modules):
        return False
    if _CLASS_SEGMENT.fullmatch(last) and _wordy(last):
        return True  # "app_label.Model", "module.Class"
    if "_" in last.strip("_") and _MODULE_SEGMENT.fullmatch(last) and _wordy(last):
        return True  # "module.function_name"
    return _importable(segments[0])


def _url_without_credentials(value: str) -> bool:
    if not _URL.match(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if "@" in parts.netloc:  # user, password or token before the host
        return False
    if any(
        secret_name(key) or key.lower() in {"key", "sig", "signature"}
        for key, _ in parse_qsl(parts.query, keep_blank_values=True)
    ):
        return False
    return not any(credential_shape(segment) for segment in parts.path.split("/"))


def _file_path(value: str) -> bool:
    if any(c.isspace() for c in value):
        return False
    drive = re.match(r"^[A-Za-z]:(?=[\\/])", value)
    segments = [s for s in re.split(r"[\\/]", value[drive.end() if drive else 0 :]) if s]
    if not segments or not all(_PATH_SEGMENT.fullmatch(s) for s in segments):
        return False
    if any(len(s) >= 16 and not _wordy(s.replace(".", "_")) for s in segments):
        return False  # base64 holds "/" too: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    if _PATH_PREFIX.match(value):
        return True
    # A relative path names a file with an extension: "keys/jwt.pem", "conf/secrets.json".
    return len(segments) >= 2 and bool(re.search(r"\.[A-Za-z][A-Za-z0-9]{0,4}$", value))


_PASSWORD_NAME = re.compile(
    r"PASSWORD|PASSWD|PASSPHRASE|(?:^|_)(?:PASS|PWD|PIN)(?:$|_)", re.IGNORECASE
)
_NUMBER_OR_FLAG = re.compile(
    r"\d+(?:\.\d+)?|true|false|yes|no|on|off|\d+/[a-z]+(?:/[a-z]+)?",  # "5/min": a rate
    re.IGNORECASE,
)


def cannot_be_secret(value: str, *names: str | None) -> str | None:
    """What ``value`` is when it names something rather than being a secret: an import path,
    a URL without credentials, a file path, or a number, flag or rate under a name that is no
    password's (``TOKEN_EXPIRE_HOURS``: "24"); else None."""
    if _NUMBER_OR_FLAG.fullmatch(value.strip()) and not any(
        name and _PASSWORD_NAME.search(name) for name in names
    ):
        return "a number, a flag or a rate"
    if import_path(value):
        return "an import path"
    if _url_without_credentials(value):
        return "a URL without credentials"
    if _file_path(value):
        return "a file path"
    return None
