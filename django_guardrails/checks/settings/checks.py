"""1xx: settings."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.core.checks import CheckMessage

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.source.settings_modules import setting_location


def check_custom_user_model(scope: CheckScope) -> Iterator[CheckMessage]:
    """W120: ``AUTH_USER_MODEL`` is still Django's ``auth.User``."""
    if not scope.whole_project or settings.AUTH_USER_MODEL.lower() != "auth.user":
        return
    # Left at its default, the setting has no line: the finding names the settings module.
    file, line = setting_location("AUTH_USER_MODEL")
    yield ids.W120.message(
        "AUTH_USER_MODEL is Django's auth.User; a custom user model must be set from the start.",
        hint="Add class User(AbstractUser) to an accounts app and set AUTH_USER_MODEL = "
        '"accounts.User" before the first migrate. On a live database the switch is costly '
        f'(auth tables and foreign keys migrate by hand); to accept that, add "{ids.W120.id}" '
        "to SILENCED_SYSTEM_CHECKS.",
        obj="settings.AUTH_USER_MODEL",
        file=file,
        line=line,
    )


def check_debug_is_bool(scope: CheckScope) -> Iterator[CheckMessage]:
    """E101: ``DEBUG`` read from the environment as a string, where "False" is true."""
    if not scope.whole_project or isinstance(settings.DEBUG, bool):
        return
    file, line = setting_location("DEBUG")
    kind = type(settings.DEBUG).__name__
    yield ids.E101.message(
        f'DEBUG is a {kind}, not a bool: any non-empty string, "False" too, turns it on.',
        hint='Parse it: DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1", or '
        'env.bool("DEBUG", default=False) (django-environ), or '
        'config("DEBUG", default=False, cast=bool) (python-decouple).',
        obj="settings.DEBUG",
        file=file,
        line=line,
    )


_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1", "testserver"})


def _is_local(host: str) -> bool:
    host = host.lower().strip()
    return host in _LOCAL_HOSTS or host.endswith(".localhost") or host == ".localhost"


def check_debug_exposed(scope: CheckScope) -> Iterator[CheckMessage]:
    """W102: ``DEBUG`` on while ``ALLOWED_HOSTS`` lets other machines in (every run)."""
    if not scope.whole_project or settings.DEBUG is not True:
        return
    exposed = [host for host in settings.ALLOWED_HOSTS if not _is_local(str(host))]
    if not exposed:
        return
    file, line = setting_location("ALLOWED_HOSTS")
    shown = ", ".join(repr(host) for host in exposed[:3]) + (", ..." if len(exposed) > 3 else "")
    yield ids.W102.message(
        f"DEBUG is on and ALLOWED_HOSTS admits {shown}: tracebacks and settings are served "
        "to other machines.",
        hint="Turn DEBUG off wherever the site is reachable, or limit ALLOWED_HOSTS to "
        "localhost in development. A settings module used only in a local container may add "
        f'"{ids.W102.id}" to SILENCED_SYSTEM_CHECKS in that module alone.',
        obj="settings.ALLOWED_HOSTS",
        file=file,
        line=line,
    )
