"""Every guardrails check ID, once.

Numbers are by area: 0xx the app itself, 1xx settings, 2xx models, 3xx URLs and views,
4xx signals, 5xx migrations, 6xx security, 7xx Celery, 8xx DRF, 9xx caching. A number is
used once across letters. A retired ID stays here with ``retired=True`` so it is never reused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core import checks

from django_guardrails.checks.framework.messages import GuardrailsMessage

PREFIX = "guardrails."

_LEVELS = {"E": checks.ERROR, "W": checks.WARNING, "I": checks.INFO}


@dataclass(frozen=True)
class CheckId:
    code: str
    title: str
    retired: bool = False
    # A retired ID whose check lives on at another level keeps its number in the new ID.
    replaced_by: str | None = None

    @property
    def id(self) -> str:
        return PREFIX + self.code

    @property
    def level(self) -> int:
        return _LEVELS[self.code[0]]

    @property
    def number(self) -> int:
        return int(self.code[1:])

    def message(
        self,
        msg: str,
        *,
        hint: str,
        obj: Any,
        file: str | None = None,
        line: int | None = None,
        items: Sequence[str] = (),
    ) -> GuardrailsMessage:
        return GuardrailsMessage(
            self.level, msg, hint=hint, obj=obj, id=self.id, file=file, line=line, items=items
        )


# E001 and E004 stopped start-up (runserver, migrate) over guardrails' own configuration, and
# E002 over guardrails' own bug; they live on as W001, W004 and W002.
E001 = CheckId("E001", "The GUARDRAILS setting has an invalid key or value", True, "W001")
W001 = CheckId("W001", "The GUARDRAILS setting has an invalid key or value")
E002 = CheckId("E002", "A guardrails check crashed; the other checks still ran", True, "W002")
W002 = CheckId("W002", "A guardrails check crashed; the other checks still ran")
W003 = CheckId("W003", "An inline guardrails ignore comment names no valid check ID")
E004 = CheckId("E004", "The baseline file cannot be used", True, "W004")
W004 = CheckId("W004", "The baseline file is missing, cannot be used, or holds source text")
I005 = CheckId("I005", "Findings on migrations already applied or before MIGRATIONS_SINCE")
E006 = CheckId("E006", "This Django version is not supported by django-guardrails")
W007 = CheckId("W007", 'Deploy: GUARDRAILS["MODE"] asks to raise or warn in production')
E101 = CheckId("E101", "DEBUG is not a bool (an environment string read as is)")
W102 = CheckId("W102", "DEBUG is on while ALLOWED_HOSTS names a host that is not local")
W110 = CheckId("W110", "A secret is written as a literal in a settings module")
W111 = CheckId("W111", "The same secret appears in two settings modules")
W112 = CheckId("W112", "A secret is read with a literal fallback (environment or a mapping)")
W121 = CheckId("W121", "Deploy: development settings in a production run")
I122 = CheckId("I122", "One settings module serves every environment")
W123 = CheckId("W123", "Deploy: a development tool (debug toolbar, silk) in a production run")
W120 = CheckId("W120", "AUTH_USER_MODEL is still Django's auth.User")
W201 = CheckId("W201", "A model has no __str__ of its own")
I202 = CheckId("I202", "A model overrides save()")
W203 = CheckId("W203", "Meta.unique_together or index_together instead of constraints or indexes")
W204 = CheckId("W204", "null=True on a string field that is not unique")
W206 = CheckId("W206", "A save() override that skips super().save() or drops its arguments")
I210 = CheckId("I210", "The same query filter chain is written in three or more places")
W301 = CheckId("W301", "A URL pattern of the project has no name")
W302 = CheckId("W302", "An include() of a project URLconf has neither app_name nor namespace")
W303 = CheckId("W303", "An internal integer ID in a URL")
W304 = CheckId("W304", "A hard-coded path to one of the project's own named routes")
W305 = CheckId("W305", "The same URL name points at different views in one namespace")
I310 = CheckId("I310", "A view writes business logic inline: a multi-model write or a state change")
I311 = CheckId("I311", "A function view writes out a generic view's pattern by hand")
W401 = CheckId("W401", "A signal receiver has neither a docstring nor a comment on why")
W402 = CheckId("W402", "A receiver of a model signal is connected without sender")
W403 = CheckId("W403", "A signal receiver will never run: it was garbage-collected")
W404 = CheckId("W404", "A signal receiver is connected twice, or again by code that reruns")
W405 = CheckId("W405", "A signal receiver carries business logic (writes, mail, network)")
I406 = CheckId("I406", "A signal receiver is connected while an app's models module is imported")
W501 = CheckId("W501", "A migration mixes data and schema operations")
W502 = CheckId("W502", "A migration operation breaks zero-downtime deploys")
W503 = CheckId("W503", "RunPython or RunSQL without a reverse")
W504 = CheckId("W504", "A data migration imports a model class directly")
I506 = CheckId("I506", "An index or unique constraint changed without CONCURRENTLY on PostgreSQL")
W601 = CheckId("W601", "SQL built by string formatting is passed to raw(), execute() or RawSQL")
W602 = CheckId("W602", "mark_safe() or SafeString() on a value that is not a literal or escaped")
W603 = CheckId("W603", "A template switches autoescaping off ({% autoescape off %}, |safe)")
W604 = CheckId("W604", "A view reachable from the URLconf is csrf_exempt and may use the session")
I605 = CheckId("I605", "A view uses .objects.get() where get_object_or_404() belongs")
W606 = CheckId("W606", "A template's POST form has no {% csrf_token %}")
W701 = CheckId("W701", "The Celery app acknowledges tasks before they run (no task_acks_late)")
W702 = CheckId("W702", "A Celery task whose worker process is killed is lost, not redelivered")
W703 = CheckId("W703", "A Celery task is annotated to take a model instance or a queryset")
W704 = CheckId("W704", "Celery accepts pickle as a task serializer")
W705 = CheckId("W705", ".delay() or .apply_async() inside transaction.atomic() without on_commit")
W706 = CheckId("W706", "Celery runs tasks eagerly (task_always_eager) in production")
I707 = CheckId("I707", "The project uses Celery but no Celery app was found: set CELERY_APP")
W801 = CheckId("W801", 'A ModelSerializer with fields = "__all__"')
W802 = CheckId("W802", "A ModelSerializer with Meta.exclude")
W803 = CheckId("W803", "A ModelSerializer with Meta.depth (nested output)")
W804 = CheckId("W804", "A list view's queryset lacks the eager loads its serializer needs")
W805 = CheckId(
    "W805", "A SessionAuthentication subclass turns CSRF off (enforce_csrf does nothing)"
)
W808 = CheckId(
    "W808", "DRF's default permission is AllowAny in production and API views rely on it"
)
W901 = CheckId(
    "W901",
    "The default cache is not shared by the workers (LocMemCache or DummyCache) in production",
)

ALL: tuple[CheckId, ...] = (
    E001,
    W001,
    E002,
    W002,
    W003,
    E004,
    W004,
    I005,
    E006,
    W007,
    E101,
    W102,
    W110,
    W111,
    W112,
    W120,
    W121,
    I122,
    W123,
    W201,
    I202,
    W203,
    W204,
    W206,
    I210,
    W301,
    W302,
    W303,
    W304,
    W305,
    I310,
    I311,
    W401,
    W402,
    W403,
    W404,
    W405,
    I406,
    W501,
    W502,
    W503,
    W504,
    I506,
    W601,
    W602,
    W603,
    W604,
    I605,
    W606,
    W701,
    W702,
    W703,
    W704,
    W705,
    W706,
    I707,
    W801,
    W802,
    W803,
    W804,
    W805,
    W808,
    W901,
)
BY_CODE: dict[str, CheckId] = {check_id.code: check_id for check_id in ALL}
LIVE: tuple[CheckId, ...] = tuple(check_id for check_id in ALL if not check_id.retired)


def lookup(code: str) -> CheckId | None:
    """Find an ID written as ``W201`` or ``guardrails.W201`` (any case)."""
    code = code.strip()
    if code.lower().startswith(PREFIX):
        code = code[len(PREFIX) :]
    found = BY_CODE.get(code.upper())
    return found if found is not None and not found.retired else None
