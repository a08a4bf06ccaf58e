"""Turn a ``DATABASE_URL`` into a Django ``DATABASES`` entry."""

from __future__ import annotations

from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

POSTGRES_SCHEMES = ("postgres", "postgresql")


def database_from_url(url: str) -> dict[str, object]:
    """A PostgreSQL ``DATABASES`` entry from ``postgres://user:password@host:port/name``.

    ``?host=/socket/dir`` (or a percent-encoded host) connects through a Unix socket and
    ``?port=`` sets the port; any other query parameter is passed to the driver as an option,
    e.g. ``?sslmode=require``.
    """
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL has the unsupported scheme {parts.scheme + '://'!r}; "
            "use postgres:// or postgresql://, or unset DATABASE_URL to use SQLite."
        )
    options = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured(
            "DATABASE_URL names no database; add it as the path, e.g. postgres://host/mydb."
        )
    database: dict[str, object] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": options.pop("host", None) or _host(parts),
        "PORT": options.pop("port", None) or _port(parts),
    }
    if options:
        database["OPTIONS"] = options
    return database


def _host(parts: SplitResult) -> str:
    # Not parts.hostname: it lower-cases, which would corrupt a socket directory like %2FRun.
    host = parts.netloc.rpartition("@")[2]
    if host.startswith("["):
        return host[1 : host.index("]")]
    return unquote(host.partition(":")[0])


def _port(parts: SplitResult) -> str:
    try:
        port = parts.port
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL has an invalid port: {error}.") from None
    return str(port) if port is not None else ""
