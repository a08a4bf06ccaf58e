"""The async ORM's queries are named at the line that awaits them, however the event loop
runs: under an ASGI server (test_middleware), ``asyncio.run()`` in sync code, or
``async_to_sync``. The ORM's work runs in a thread where no project line is on the stack;
the awaiting coroutine is found from that thread's hand-over."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import SyncToAsync, async_to_sync, sync_to_async
from django.db import connections

from broken.models import Customer, Invoice
from django_guardrails.testing import capture

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def invoices() -> Iterator[None]:
    for number in range(4):
        customer = Customer.objects.create(name=f"c{number}", email=f"c{number}@example.com")
        Invoice.objects.create(number=f"I-{number}", customer=customer, total=number)
    yield
    # asyncio.run() outside async_to_sync: the async ORM ran in asgiref's one worker thread,
    # whose connection must close before the test database can be dropped.
    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


async def customers_one_by_one() -> list[str]:
    names = []
    async for invoice in Invoice.objects.order_by("number"):
        customer = await Customer.objects.aget(pk=invoice.customer_id)  # the awaiting line
        names.append(customer.name)
    return names


async def customers_through_the_relation() -> list[str]:
    def name(invoice: Invoice) -> str:
        return invoice.customer.name  # the relation read, in the thread

    return [await sync_to_async(name)(invoice) async for invoice in Invoice.objects.all()]


def awaiting_line() -> int:
    lines = Path(__file__).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if "# the awaiting line" in line)


Run = Callable[[Callable[[], Coroutine[Any, Any, list[str]]]], list[str]]


def with_asyncio_run(coroutine: Callable[[], Coroutine[Any, Any, list[str]]]) -> list[str]:
    return asyncio.run(coroutine())


def with_async_to_sync(coroutine: Callable[[], Coroutine[Any, Any, list[str]]]) -> list[str]:
    return async_to_sync(coroutine)()


@pytest.mark.parametrize("run", [with_asyncio_run, with_async_to_sync])
def test_the_async_orm_is_named_at_the_awaiting_line(invoices: None, run: Run) -> None:
    with capture() as report:
        assert len(run(customers_one_by_one)) == 4
    [finding] = report.n_plus_ones
    assert (finding.file, finding.line) == (__file__, awaiting_line())
    assert finding.function == "customers_one_by_one"


@pytest.mark.parametrize("run", [with_asyncio_run, with_async_to_sync])
def test_a_relation_read_in_sync_to_async_is_named_in_its_function(
    invoices: None, run: Run
) -> None:
    with capture() as report:
        assert len(run(customers_through_the_relation)) == 4
    [finding] = report.n_plus_ones
    assert finding.relation == "broken.Invoice.customer"
    assert finding.function == "name"  # project code in the thread: its own line


def test_fixed_with_select_related_it_is_silent(invoices: None) -> None:
    async def fixed() -> list[str]:
        return [i.customer.name async for i in Invoice.objects.select_related("customer")]

    with capture() as report:
        assert len(with_asyncio_run(fixed)) == 4
    assert report.n_plus_ones == [] and report.count == 1


def test_a_task_of_asyncio_gather_is_named_at_its_own_awaiting_line(invoices: None) -> None:
    async def gathered() -> list[list[str]]:
        return list(await asyncio.gather(customers_one_by_one(), customers_one_by_one()))

    with capture() as report:
        assert [len(names) for names in asyncio.run(gathered())] == [4, 4]
    [finding] = report.n_plus_ones
    assert (finding.file, finding.line) == (__file__, awaiting_line())
