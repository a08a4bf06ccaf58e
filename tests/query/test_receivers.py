"""Signal receivers at run time: which ran in a unit, how often, with how many queries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db.models.signals import post_save
from django.dispatch import Signal

from clean.models import Author, Book, Publisher
from django_guardrails.testing import capture

pytestmark = pytest.mark.django_db

THIS_FILE = Path(__file__).resolve()


def culprit(tag: str) -> int:
    lines = THIS_FILE.read_text().splitlines()
    [number] = [n for n, line in enumerate(lines, 1) if line.endswith(f"# culprit: {tag}")]
    return number


@pytest.fixture
def author() -> Author:
    author: Author = Author.objects.create(name="Ursula")
    for number in range(4):
        publisher = Publisher.objects.create(name=f"House {number}")
        Book.objects.create(
            title=f"B{number}", slug=f"b{number}", author=author, publisher=publisher
        )
    return author


def list_publishers(sender: type[Author], instance: Author, **kwargs: Any) -> None:
    """Reads each book's publisher: an N+1, inside a receiver."""
    for book in instance.books.all():
        assert book.publisher.name  # culprit: in-receiver


def test_an_n_plus_one_in_a_receiver_names_it_and_the_line_that_sent_the_signal(
    author: Author,
) -> None:
    post_save.connect(list_publishers, sender=Author)
    try:
        with capture() as report:
            author.save()  # culprit: trigger
    finally:
        post_save.disconnect(list_publishers, sender=Author)
    [finding] = report.n_plus_ones
    name = f"{__name__}.list_publishers"
    assert finding.line == culprit("in-receiver")
    assert finding.receiver == name
    assert f"in the post_save receiver {name}, set off at " in finding.hint
    assert f"test_receivers.py:{culprit('trigger')}" in finding.hint
    # The books are listed in the receiver's loop: the fix goes there, not on the Authors.
    assert finding.fix == '.select_related("publisher")'
    assert finding.built_at == f"tests/query/test_receivers.py:{culprit('in-receiver') - 1}"
    assert "Author" not in finding.hint.split(" set off at ")[1]
    assert "(for book in instance.books.all()) add" in finding.hint
    [run] = [run for run in report.receivers if run.receiver == name]
    assert (run.receiver, run.signal, run.calls) == (name, "post_save", 1)
    assert run.queries == 1 + 4  # the books, then one publisher per book


def list_publishers_fixed(sender: type[Author], instance: Author, **kwargs: Any) -> None:
    """``list_publishers`` with its hint applied."""
    for book in instance.books.all().select_related("publisher"):
        assert book.publisher.name


def test_the_receivers_hint_applied_leaves_no_n_plus_one(author: Author) -> None:
    post_save.connect(list_publishers_fixed, sender=Author)
    try:
        with capture() as report:
            author.save()
    finally:
        post_save.disconnect(list_publishers_fixed, sender=Author)
    assert report.n_plus_ones == []
    [run] = [run for run in report.receivers if run.receiver.endswith(".list_publishers_fixed")]
    assert run.queries == 1


def test_receivers_are_counted_per_call_with_their_queries(author: Author) -> None:
    order_placed = Signal()

    def count_books(sender: object, **kwargs: Any) -> None:
        assert Book.objects.filter(author=author).count() == 4

    def no_queries(sender: object, **kwargs: Any) -> None:
        pass

    order_placed.connect(count_books, weak=False)
    order_placed.connect(no_queries, weak=False)
    with capture() as report:
        for _ in range(3):
            order_placed.send(sender=None)
    runs = {run.receiver.rsplit(".", 1)[-1]: run for run in report.receivers}
    assert (runs["count_books"].calls, runs["count_books"].queries) == (3, 3)
    assert (runs["no_queries"].calls, runs["no_queries"].queries) == (3, 0)
    assert report.count == 3


def test_receivers_go_out_untouched_outside_units() -> None:
    ping = Signal()

    def pong(sender: object, **kwargs: Any) -> str:
        return "pong"

    ping.connect(pong, weak=False)
    [(receiver, response)] = ping.send(sender=None)
    assert receiver is pong and response == "pong"
    with capture():
        [(receiver, response)] = ping.send(sender=None)
    assert response == "pong" and receiver.__wrapped__ is pong  # type: ignore[attr-defined]


def test_the_dev_server_line_lists_the_receivers_that_ran(author: Author) -> None:
    from io import StringIO

    from django_guardrails.query.api import guard
    from django_guardrails.query.devserver import print_request

    post_save.connect(list_publishers, sender=Author)
    try:
        with guard("POST /authors/1/", mode="off") as unit:
            author.save()
    finally:
        post_save.disconnect(list_publishers, sender=Author)
    stream = StringIO()
    print_request(unit, 200, unit.findings, stream)
    lines = stream.getvalue().splitlines()
    assert f"  receiver {__name__}.list_publishers (post_save) ran once, 5 queries" in lines
