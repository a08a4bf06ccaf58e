"""Around every guardrails check: its scope, containment of crashes, inline ignores, baseline."""

from __future__ import annotations

import gc
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.checks import CheckMessage

from django_guardrails.checks.framework import baseline, ids, reloads
from django_guardrails.checks.framework.messages import GuardrailsMessage, display_path
from django_guardrails.conf import GuardrailsSettings, get_config
from django_guardrails.project import own_app_configs
from django_guardrails.source.ignores import noqa_codes
from django_guardrails.source.index import SOURCE, SourceIndex

TAG = "guardrails"


@dataclass(frozen=True)
class CheckScope:
    """What one check run judges, and the shared source index it reads code through."""

    app_configs: list[AppConfig]
    whole_project: bool  # False under ``check app_label``: project-wide checks stay quiet
    config: GuardrailsSettings
    source: SourceIndex
    # The aliases a check may query (``check --database``): set only for checks registered
    # with Django's "database" tag, which do not run at all without one.
    databases: tuple[str, ...] = ()
    # ``guardrails check --all`` and ``guardrails baseline``: what is summarised otherwise
    # (findings on migrations already applied, or before MIGRATIONS_SINCE) is shown in full.
    show_all: bool = False
    # The vendors of the configured databases ("postgresql", "sqlite", ...), read off the
    # engines in DATABASES without connecting: what the project runs on, for checks whose
    # advice depends on it.
    database_vendors: frozenset[str] = frozenset()


def database_vendors(databases: Mapping[str, Mapping[str, Any]] | None = None) -> frozenset[str]:
    """The vendor of each database in ``databases`` (``DATABASES``), named as Django's backends
    name theirs (PostGIS is PostgreSQL)."""
    found = set()
    for database in (settings.DATABASES if databases is None else databases).values():
        engine = str(database.get("ENGINE", "")).lower()
        if "postgres" in engine or "postgis" in engine:
            found.add("postgresql")
        elif "mysql" in engine:
            found.add("mysql")
        elif "sqlite" in engine or "spatialite" in engine:
            found.add("sqlite")
        elif "oracle" in engine:
            found.add("oracle")
        elif engine:
            found.add(engine.rsplit(".", 1)[-1])
    return frozenset(found)


GuardrailCheck = Callable[[CheckScope], Iterable[CheckMessage]]


def _crash_message(name: str, error: Exception) -> CheckMessage:
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {display_path(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    # The exception's own text is left out: it could quote a settings value.
    return ids.W002.message(
        f"Guardrails check {name} crashed with {type(error).__name__}{where}; "
        "the other checks still ran.",
        hint="Report this to django-guardrails with the message above. "
        f'Meanwhile add "{ids.W002.id}" to SILENCED_SYSTEM_CHECKS to hide it.',
        obj=name,
    )


def _not_ignored_inline(messages: list[CheckMessage]) -> list[CheckMessage]:
    kept = []
    for message in messages:
        if isinstance(message, GuardrailsMessage) and message.file and message.line:
            code = str(message.id).removeprefix(ids.PREFIX)
            # W003 reports an ignore comment; no ignore comment may hide it.
            if code != ids.W003.code and code in SOURCE.ignored_codes(message.file, message.line):
                continue
            _point_out_noqa(message, code, message.file, message.line)
        kept.append(message)
    return kept


def _point_out_noqa(message: GuardrailsMessage, code: str, file: str, at: int) -> None:
    """A ``# noqa: W201`` meant for this finding: say which comment guardrails reads."""
    for line in (at, at - 1):
        if code in noqa_codes(SOURCE.line_text(file, line)):
            message.hint = (
                f"{message.hint or ''} (`# noqa` does not silence guardrails: write "
                f"`# guardrails: ignore[{code}] -- reason`.)"
            ).strip()
            return


# Set by ``manage.py guardrails check --all``: nothing summarised, nothing left to the baseline;
# and by ``guardrails baseline``, which records every finding whatever the database has applied.
showing_all: ContextVar[bool] = ContextVar("guardrails_showing_all", default=False)

# Set by ``manage.py guardrails check``: the aliases its --database options named. Django 6.1
# hands every alias to every check run with tags, so the option cannot be read off ``databases``.
requested_databases: ContextVar[tuple[str, ...] | None] = ContextVar(
    "guardrails_requested_databases", default=None
)


def _databases(kwargs: dict[str, Any]) -> tuple[str, ...]:
    requested = requested_databases.get()
    return requested if requested is not None else tuple(kwargs.get("databases") or ())


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a check runs.

    Checks build objects that live on and hold no cycles (ast trees, migration modules and
    their operations), by the hundred thousand: the collector ran 600 times over them on a
    300-model project, freed nothing, and took 1.3 of the 3.2 s that ``run_checks()`` took
    (0.4 s paused). What a check leaves in cycles is collected as usual once it returns.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def check_name(check: GuardrailCheck) -> str:
    return getattr(check, "check_name", None) or f"{check.__module__}.{check.__qualname__}"


def scope_of(
    app_configs: Sequence[AppConfig] | None, databases: tuple[str, ...] = ()
) -> CheckScope:
    """What a check run judges: everything a check reads comes in through it."""
    return CheckScope(
        app_configs=own_app_configs(app_configs),
        whole_project=app_configs is None,
        config=get_config(),
        source=SOURCE,
        databases=databases,
        show_all=showing_all.get(),
        database_vendors=database_vendors(),
    )


def still_reported(messages: list[CheckMessage], scope: CheckScope) -> list[CheckMessage]:
    """What the engine reports of ``messages``: those no inline ignore hides, nor the baseline
    (unless ``scope.show_all``). A check that summarises findings counts only these."""
    kept = _not_ignored_inline(messages)
    return kept if scope.show_all else baseline.without_baselined(kept)


def judge(check: GuardrailCheck, scope: CheckScope) -> list[CheckMessage]:
    """``check``'s findings on ``scope``, as the engine reports them: inline ignores and the
    baseline applied, a crash turned into W002. Tests call it with scopes they build."""
    name = check_name(check)
    try:
        with _collector_paused():
            return reloads.not_repeated(name, still_reported(list(check(scope)), scope))
    except Exception as error:
        return [_crash_message(name, error)]


def guarded(
    check: GuardrailCheck, *, needs_database: bool = False
) -> Callable[..., list[CheckMessage]]:
    """Wrap ``check`` as a Django check function with the engine's behaviour around it."""
    name = check_name(check)

    def run(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
        databases = _databases(kwargs) if needs_database else ()
        if needs_database and not databases:
            return []  # like Django's own database checks: only with --database
        try:
            scope = scope_of(app_configs, databases)
        except Exception as error:
            return [_crash_message(name, error)]
        return judge(check, scope)

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
        _registered[check] = guarded(check, needs_database=checks.Tags.database in tags)
    checks.register(_registered[check], TAG, *tags, deploy=deploy)


def run_guardrail_checks(
    app_configs: Sequence[AppConfig] | None = None,
    *,
    deploy: bool = False,
    databases: Sequence[str] | None = None,
    keep_crashes: bool = False,
) -> list[GuardrailsMessage]:
    """Every guardrails finding not silenced by ``SILENCED_SYSTEM_CHECKS``; with
    ``keep_crashes``, a crashed check's ``W002`` too, silenced or not."""
    token = requested_databases.set(tuple(databases or ()))
    try:
        messages = checks.run_checks(
            app_configs=app_configs,
            tags=[TAG],
            include_deployment_checks=deploy,
            databases=list(databases) if databases else None,
        )
    finally:
        requested_databases.reset(token)
    return [
        m
        for m in messages
        if isinstance(m, GuardrailsMessage)
        and (not m.is_silenced() or (keep_crashes and m.id == ids.W002.id))
    ]
