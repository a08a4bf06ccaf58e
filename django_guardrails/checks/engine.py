"""Around every guardrails check: its scope, containment of crashes, inline ignores, baseline."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.checks import CheckMessage

from django_guardrails.checks import baseline, ids
from django_guardrails.checks.messages import GuardrailsMessage, display_path
from django_guardrails.checks.scope import own_app_configs
from django_guardrails.conf import GuardrailsSettings, get_config
from django_guardrails.source.index import SOURCE, SourceIndex

TAG = "guardrails"


@dataclass(frozen=True)
class CheckScope:
    """What one check run judges, and the shared source index it reads code through."""

    app_configs: list[AppConfig]
    whole_project: bool  # False under ``check app_label``: project-wide checks stay quiet
    config: GuardrailsSettings
    source: SourceIndex
    # The aliases a check may query (``check --database``); empty otherwise. A check that needs
    # the database is registered with Django's "database" tag and does nothing without one.
    databases: tuple[str, ...] = ()


GuardrailCheck = Callable[[CheckScope], Iterable[CheckMessage]]


def _crash_message(name: str, error: Exception) -> CheckMessage:
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {display_path(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    # The exception's own text is left out: it could quote a settings value.
    return ids.E002.message(
        f"Guardrails check {name} crashed with {type(error).__name__}{where}; "
        "the other checks still ran.",
        hint="Report this to django-guardrails with the message above. "
        f'Meanwhile add "{ids.E002.id}" to SILENCED_SYSTEM_CHECKS to hide it.',
        obj=name,
    )


def _not_ignored_inline(messages: list[CheckMessage]) -> list[CheckMessage]:
    kept = []
    for message in messages:
        if isinstance(message, GuardrailsMessage) and message.file and message.line:
            source = SOURCE.module(message.file)
            code = str(message.id).removeprefix(ids.PREFIX)
            # W003 reports an ignore comment; no ignore comment may hide it.
            if code != ids.W003.code and source and code in source.ignored_codes(message.line):
                continue
        kept.append(message)
    return kept


def guarded(check: GuardrailCheck) -> Callable[..., list[CheckMessage]]:
    """Wrap ``check`` as a Django check function with the engine's behaviour around it."""
    name = f"{check.__module__}.{check.__qualname__}"

    def run(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
        try:
            scope = CheckScope(
                app_configs=own_app_configs(app_configs),
                whole_project=app_configs is None,
                config=get_config(),
                source=SOURCE,
                databases=tuple(kwargs.get("databases") or ()),
            )
            messages = list(check(scope))
            return baseline.without_baselined(_not_ignored_inline(messages))
        except Exception as error:
            return [_crash_message(name, error)]

    # Not functools.wraps: Django inspects the signature, which must be this one (**kwargs).
    run.__name__, run.__qualname__, run.__doc__ = check.__name__, check.__qualname__, check.__doc__
    return run


_registered: dict[GuardrailCheck, Callable[..., list[CheckMessage]]] = {}


def register(check: GuardrailCheck, *tags: str, deploy: bool = False) -> None:
    """Register ``check`` with Django's check framework under the ``guardrails`` tag.

    ``ready()`` runs again whenever the app registry is rebuilt (``override_settings`` of
    ``INSTALLED_APPS``); the same wrapper is registered then, so no check runs twice.
    """
    if check not in _registered:
        _registered[check] = guarded(check)
    checks.register(_registered[check], TAG, *tags, deploy=deploy)


def run_guardrail_checks(
    app_configs: Sequence[AppConfig] | None = None,
    *,
    deploy: bool = False,
    databases: Sequence[str] | None = None,
) -> list[GuardrailsMessage]:
    """Every guardrails finding not silenced by ``SILENCED_SYSTEM_CHECKS``."""
    messages = checks.run_checks(
        app_configs=app_configs,
        tags=[TAG],
        include_deployment_checks=deploy,
        databases=list(databases) if databases else None,
    )
    return [m for m in messages if isinstance(m, GuardrailsMessage) and not m.is_silenced()]
