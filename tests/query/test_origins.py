"""Where a manager's queryset was built: the line is right however often the manager is called,
from how many places, and at which depth (the walk is skipped for a call seen before)."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from django.contrib.auth.models import Group

from django_guardrails.query import origins
from django_guardrails.query.api import guard
from django_guardrails.query.callsite import remember_hint
from django_guardrails.query.origins import origin_of


def through_the_proxy() -> Any:
    return Group.objects.all()  # here: the manager's proxy method, then get_queryset()


def direct() -> Any:
    return Group.objects.get_queryset()  # here: one frame less between


def another_line() -> Any:
    return Group.objects.filter(name="x")  # here


def nested() -> Any:
    return [Group.objects.all() for _ in range(1)][0]  # here, in a comprehension


def two_in_one_function() -> tuple[Any, Any]:
    first = Group.objects.all()  # first
    second = Group.objects.all()  # second
    return first, second


def through(producer: Any) -> Any:
    return producer()  # here: a project helper that calls what it is given


def _line(function: object, marker: str = "# here") -> int:
    lines, start = inspect.getsourcelines(function)  # type: ignore[arg-type]
    return start + next(n for n, text in enumerate(lines) if marker in text)


@pytest.mark.parametrize("rounds", [1, 5])
def test_each_call_is_noted_at_its_own_line(rounds: int) -> None:
    builders = [through_the_proxy, direct, another_line, nested]
    with guard("origins", mode="off"):
        for _ in range(rounds):  # later rounds find the hints the first one left
            for builder in builders:
                origin = origin_of(builder())
                assert origin is not None, builder.__name__
                assert (origin[0], origin[1]) == (__file__, _line(builder)), builder.__name__


def test_two_lines_of_one_function_at_the_same_depth_are_told_apart() -> None:
    with guard("origins", mode="off"):
        for _ in range(3):
            first, second = two_in_one_function()
            first_origin, second_origin = origin_of(first), origin_of(second)
            assert first_origin is not None and second_origin is not None
            assert first_origin[1] == _line(two_in_one_function, "# first")
            assert second_origin[1] == _line(two_in_one_function, "# second")


def test_a_helper_line_that_calls_a_manager_then_a_project_function() -> None:
    with guard("origins", mode="off"):
        for _ in range(3):
            # The manager's method: the helper's line is the first project line.
            helper = origin_of(through(Group.objects.all))
            # A project function: its own line, though the helper's frame is the same.
            own = origin_of(through(direct))
            assert helper is not None and helper[1] == _line(through)
            assert own is not None and own[1] == _line(direct)


def test_a_call_seen_before_is_not_walked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    walks: list[object] = []  # each walk leaves a hint for the next call
    remember = remember_hint

    def counted(hints: Any, key: Any, hint: Any, most: int, per_key: int) -> None:
        walks.append(key)
        remember(hints, key, hint, most, per_key)

    monkeypatch.setattr(origins, "remember_hint", counted)
    with guard("origins", mode="off"):
        for _ in range(3):
            through_the_proxy(), direct(), two_in_one_function()
    assert len(walks) <= 4  # the first round only (none if an earlier test left the hints)


def test_nothing_is_noted_outside_a_unit() -> None:
    assert origin_of(through_the_proxy()) is None


def related_rows(author: Any) -> list[Any]:
    return list(author.books.all())  # here: one object's related rows


@pytest.mark.django_db
def test_rows_of_a_related_manager_carry_plain_data_that_unpickles_anywhere() -> None:
    """Rows are cached and pickled with their marks: a mark must be built-in types only, so a
    process without guardrails installed unpickles them."""
    import pickle

    from clean.models import Author, Book, Publisher
    from django_guardrails.query.rows import batch_origin

    author = Author.objects.create(name="Ursula")
    publisher = Publisher.objects.create(name="House")
    for number in range(2):
        Book.objects.create(
            title=f"B{number}", slug=f"b{number}", author=author, publisher=publisher
        )
    with guard("pickled", mode="off"):
        books = related_rows(author)
    mark = batch_origin(books[0])
    assert origins.is_built_note(mark)
    assert origins.resolve_note(mark) == (
        __file__,
        _line(related_rows),
        "related_rows",
    )
    streamed = guard("streamed", mode="off")
    with streamed:
        books += list(author.books.iterator())
    for rows in (books[:2], books[2:]):
        found = pickle.dumps(rows)
        assert not [name for name in _globals_of(found) if "guardrails" in name]
        assert sorted(book.title for book in pickle.loads(found)) == ["B0", "B1"]


def _globals_of(pickled: bytes) -> list[str]:
    """The modules and names a pickle imports when it loads."""
    import pickletools

    found, strings = [], []
    for opcode, argument, _ in pickletools.genops(pickled):
        if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(str(argument))
        elif opcode.name == "STACK_GLOBAL":
            found.append(".".join(strings[-2:]))
        elif opcode.name in ("GLOBAL", "INST"):
            found.append(str(argument).replace(" ", "."))
    return found
