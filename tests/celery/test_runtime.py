"""Celery at run time, without a broker: sends checked before anything is published (MODE
"raise"), warned or logged (eager runs), and the query guard around each task run."""

from __future__ import annotations

import pytest

pytest.importorskip("celery", reason="an optional extra: django-guardrails[celery]")

import logging
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from celery import chain, signature
from django.test import override_settings
from kombu.exceptions import EncodeError

from broken.models import Customer, Invoice
from broken.tasks import archive_invoices, report_totals, send_invoice
from clean.models import Author, Book, Publisher
from clean.tasks import catalogue_lines, describe_book
from django_guardrails import TaskArgumentWarning, instrumentation
from django_guardrails.exceptions import NPlusOneError, TaskArgumentError
from django_guardrails.query.types import N_PLUS_ONE, TASK_ARGUMENT
from testproject.celery import app

HERE = str(Path(__file__).resolve())
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _guard_started() -> None:
    """As in a process where the guard has started (a request, a task run, ``capture()``):
    sends are checked from then on."""
    instrumentation.install()


@pytest.fixture
def invoices() -> list[Invoice]:
    ada = Customer.objects.create(name="Ada", email="ada@example.com")
    bob = Customer.objects.create(name="Bob", email="bob@example.com")
    return [
        Invoice.objects.create(customer=customer, number=f"INV-{n}", total=Decimal("10.00"))
        for n, customer in enumerate([ada, bob, ada], 1)
    ]


@pytest.fixture
def eager() -> Iterator[None]:
    """Tasks run in the caller, as task_always_eager does, without a broker."""
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False
        app.conf.task_eager_propagates = False


@override_settings(GUARDRAILS={"MODE": "raise"})
def test_delay_with_a_model_instance_raises_before_sending(invoices: list[Invoice]) -> None:
    with pytest.raises(TaskArgumentError) as raised:
        send_invoice.delay(invoices[0])
    [finding] = raised.value.findings
    assert finding.kind == TASK_ARGUMENT
    assert finding.task == "broken.tasks.send_invoice"
    assert (finding.file, finding.function) == (HERE, raised.tb.tb_frame.f_code.co_name)
    assert finding.hint == (
        "broken.tasks.send_invoice gets a broken.Invoice instance as invoice: a copy of the row "
        "as it was when sent, stale by the time the worker runs, and JSON cannot send it. Pass "
        "its pk and load the rows in the task."
    )
    assert str(raised.value).startswith("Model instance or queryset sent to task ")


@override_settings(GUARDRAILS={"MODE": "raise"})
def test_apply_async_send_task_and_signatures_are_checked(invoices: list[Invoice]) -> None:
    rows = Invoice.objects.all()
    sends: list[Callable[[], object]] = [
        lambda: archive_invoices.apply_async(kwargs={"invoices": rows}),
        lambda: app.send_task("broken.tasks.archive_invoices", args=[rows]),
        lambda: send_invoice.s(invoices[1]).delay(),
        lambda: signature("broken.tasks.send_invoice", args=({"row": invoices[1]},)).apply_async(),
        lambda: describe_book.apply_async((1,), link=send_invoice.s(invoices[2])),
        lambda: chain(describe_book.s(1), send_invoice.si(invoices[2])).apply_async(),
    ]
    found = []
    for send in sends:
        with pytest.raises(TaskArgumentError) as raised:
            send()
        [finding] = raised.value.findings
        found.append((finding.task, finding.hint.split(":")[0]))
    assert found == [
        (
            "broken.tasks.archive_invoices",
            "broken.tasks.archive_invoices gets a broken.Invoice queryset as invoices",
        ),
        (
            "broken.tasks.archive_invoices",
            "broken.tasks.archive_invoices gets a broken.Invoice queryset as args[0]",
        ),
        (
            "broken.tasks.send_invoice",
            "broken.tasks.send_invoice gets a broken.Invoice instance as invoice",
        ),
        (
            "broken.tasks.send_invoice",
            "broken.tasks.send_invoice gets a broken.Invoice instance as invoice['row']",
        ),
        (
            "broken.tasks.send_invoice",
            "broken.tasks.send_invoice gets a broken.Invoice instance as args[0]",
        ),
        (
            "broken.tasks.send_invoice",
            "broken.tasks.send_invoice gets a broken.Invoice instance as args[0]",
        ),
    ]


@override_settings(GUARDRAILS={"MODE": "warn"})
def test_warn_mode_warns_at_the_sending_line(invoices: list[Invoice], eager: None) -> None:
    """Then JSON refuses it, loudly: the warning says why, and what to send instead."""
    with (
        pytest.warns(TaskArgumentWarning, match="sent to task broken.tasks.send_invoice") as record,
        pytest.raises(EncodeError),
    ):
        send_invoice.delay(invoices[0])
    assert record[0].filename == HERE


@override_settings(GUARDRAILS={"MODE": "log"})
def test_log_mode_logs(
    invoices: list[Invoice], eager: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="django_guardrails"), pytest.raises(EncodeError):
        send_invoice.apply_async(args=(invoices[0],))
    assert any("sent to task broken.tasks.send_invoice" in r.getMessage() for r in caplog.records)


@override_settings(GUARDRAILS={"MODE": "raise"})
def test_ids_are_silent(eager: None) -> None:
    author = Author.objects.create(name="Le Guin")
    publisher = Publisher.objects.create(name="Ace")
    book = Book.objects.create(
        title="The Dispossessed", slug="d", author=author, publisher=publisher
    )
    assert describe_book.delay(book.pk).get() == "The Dispossessed by Le Guin (Ace)"
    assert describe_book.apply_async(kwargs={"book_id": book.pk}).get().startswith("The Disp")
    assert catalogue_lines.delay().get() == ["The Dispossessed: Le Guin"]


@override_settings(GUARDRAILS={"MODE": "raise"})
def test_an_n_plus_one_inside_a_task_names_the_task(invoices: list[Invoice], eager: None) -> None:
    with pytest.raises(NPlusOneError) as raised:
        report_totals.delay()
    [finding] = raised.value.findings
    assert (finding.kind, finding.task) == (N_PLUS_ONE, "broken.tasks.report_totals")
    assert str(raised.value).startswith("task broken.tasks.report_totals: ")


@override_settings(GUARDRAILS={"MODE": "warn"})
def test_warn_mode_reports_task_findings_when_it_ends(invoices: list[Invoice], eager: None) -> None:
    with pytest.warns(Warning, match="task broken.tasks.report_totals: N\\+1") as record:
        report_totals.delay()
    assert any("broken/tasks.py" in str(w.filename) for w in record)
