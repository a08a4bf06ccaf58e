"""A real Redis broker and a real worker (Celery's testing worker, in a thread): tasks sent by
ID run, a model instance is reported and then refused by JSON, the query guard names a task
the worker ran, and ``guardrails queues`` reads the queue lengths from Redis."""

from __future__ import annotations

import pytest

pytest.importorskip("celery", reason="an optional extra: django-guardrails[celery]")

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from celery import Celery
from celery import _state as celery_state
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.test import override_settings
from kombu.exceptions import EncodeError

import broken.tasks  # noqa: F401  (the shared tasks, bound to every app)
import clean.tasks  # noqa: F401
from broken.models import Customer, Invoice
from clean.models import Author, Book, Publisher
from django_guardrails import TaskArgumentWarning

TESTPROJECT = Path(__file__).resolve().parents[2] / "testproject"


def _broker_app(url: str, name: str) -> Celery:
    """An app on the test Redis, configured from the settings as the project's app is; the
    project's shared tasks bind to it."""
    app = Celery(name, set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=url,
        result_backend=url,
        task_always_eager=False,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=False,
    )
    return app


@pytest.fixture
def worker_app(redis_url: str) -> Iterator[Celery]:
    """A worker on the test Redis; the current and default apps are put back afterwards."""
    current = celery_state.get_current_app()
    default = celery_state.default_app  # type: ignore[attr-defined]
    root_level = logging.root.level
    app = _broker_app(redis_url, "worker-test")
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield app
    finally:
        current.set_current()
        celery_state.set_default_app(default)
        logging.root.setLevel(root_level)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.mark.django_db(transaction=True)
@override_settings(GUARDRAILS={"MODE": "log"})
def test_a_real_worker_runs_tasks_and_the_guard_names_the_task(worker_app: Celery) -> None:
    author = Author.objects.create(name="Le Guin")
    publisher = Publisher.objects.create(name="Ace")
    book = Book.objects.create(title="Lathe", slug="lathe", author=author, publisher=publisher)
    describe = worker_app.tasks["clean.tasks.describe_book"]
    assert describe.delay(book.pk).get(timeout=20) == "Lathe by Le Guin (Ace)"

    ada = Customer.objects.create(name="Ada", email="ada@example.com")
    for number in ("INV-1", "INV-2", "INV-3"):
        Invoice.objects.create(customer=ada, number=number, total=Decimal("1.00"))
    handler = _Collect()
    logger = logging.getLogger("django_guardrails")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.WARNING)  # the testing worker sets the root logger to ERROR
    try:
        totals = worker_app.tasks["broken.tasks.report_totals"].delay().get(timeout=20)
        # The worker reports at task_postrun, which Celery sends after it stores the result.
        deadline = time.monotonic() + 10
        while not handler.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert totals == ["Ada: 1.00"] * 3
    assert any(m.startswith("task broken.tasks.report_totals: N+1") for m in handler.messages)


@pytest.mark.django_db
@override_settings(GUARDRAILS={"MODE": "warn"})
def test_a_model_instance_is_reported_then_refused_by_json(redis_url: str) -> None:
    app = _broker_app(redis_url, "publish-test")
    ada = Customer.objects.create(name="Ada", email="ada@example.com")
    invoice = Invoice.objects.create(customer=ada, number="INV-9", total=Decimal("1.00"))
    with pytest.warns(TaskArgumentWarning), pytest.raises(EncodeError):
        app.tasks["broken.tasks.send_invoice"].delay(invoice)


def _publish(url: str, queue: str, count: int) -> None:
    app = _broker_app(url, "publisher")
    for _ in range(count):
        app.send_task("clean.tasks.catalogue_lines", queue=queue)


def _queues(url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CELERY_BROKER_URL": url,
        "DJANGO_SETTINGS_MODULE": "testproject.settings.test",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "guardrails", "queues", *arguments],
        cwd=TESTPROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_queues_command_reads_redis_and_fails_over_max(redis_url: str) -> None:
    url = redis_url.rpartition("/")[0] + "/3"  # a database of its own: no worker reads it
    _publish(url, "celery", 3)
    _publish(url, "reports", 1)

    under = _queues(url, "--max", "3", "--queue", "reports")
    assert under.returncode == 0, under.stderr
    assert under.stdout.split() == ["celery", "3", "reports", "1"]

    over = _queues(url, "--max", "2", "--queue", "reports", "--queue", "absent", "--format", "json")
    assert over.returncode == 1
    assert json.loads(over.stdout) == {
        "max": 2,
        "queues": [
            {"queue": "celery", "length": 3, "exists": True, "over": True},
            {"queue": "reports", "length": 1, "exists": True, "over": False},
            {"queue": "absent", "length": 0, "exists": False, "over": False},
        ],
    }
    assert "1 queue(s) over 2 messages: celery (3)." in over.stderr


def test_the_queues_command_says_when_the_broker_does_not_answer() -> None:
    result = _queues("redis://127.0.0.1:1/0", "--max", "1")
    assert result.returncode == 1
    assert "Cannot reach the Celery broker" in result.stderr
    assert settings.configured
