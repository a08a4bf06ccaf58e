"""W705, Celery's check that reads only the project's source: registered when Celery is installed,
it needs no Celery app and imports nothing of Celery."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.checks import CheckMessage

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.integrations.celery.task_sends import SENDS, SENDS_IN_ATOMIC
from django_guardrails.source.files import python_files
from django_guardrails.source.module import may_mention


def check_sends_in_atomic(scope: CheckScope) -> Iterator[CheckMessage]:
    """W705: ``.delay()``/``.apply_async()`` inside ``transaction.atomic()``."""
    for path in python_files(scope.app_configs):
        text = scope.source.text(path)
        if text is None or not may_mention(text, ["atomic"]) or not may_mention(text, SENDS):
            continue
        for line, function, callee in scope.source.facts(path, SENDS_IN_ATOMIC) or []:
            task = callee.rpartition(".")[0]
            method = callee.rpartition(".")[2]
            yield ids.W705.message(
                f"{function}() calls {callee}() inside transaction.atomic(): the worker can run "
                "before the rows it needs are committed.",
                hint=f"Send it once the transaction commits: {task}.{method}_on_commit(...) "
                f"(Celery 5.4+), or transaction.on_commit(lambda: {callee}(...)).",
                obj=SourceLocation(path, line, f"{function}()"),
                file=path,
                line=line,
            )
