"""1xx: settings."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.core.checks import CheckMessage

from django_guardrails.checks import ids
from django_guardrails.checks.engine import CheckScope
from django_guardrails.source.settings_modules import find_setting


def check_custom_user_model(scope: CheckScope) -> Iterator[CheckMessage]:
    """W120: ``AUTH_USER_MODEL`` is still Django's ``auth.User``."""
    if not scope.whole_project or settings.AUTH_USER_MODEL.lower() != "auth.user":
        return
    # Left at its default, the setting has no line: point at the INSTALLED_APPS that installs
    # django.contrib.auth, next to which AUTH_USER_MODEL belongs.
    location = find_setting("AUTH_USER_MODEL")
    if location is None or location[1] is None:
        location = find_setting("INSTALLED_APPS") or location
    file, line = location if location else (None, None)
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
