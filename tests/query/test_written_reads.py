"""Per-row reads quoted as the project wrote them: code that is pasted where the rows are listed
works there, and code that names what only its own function has is never given to paste.

Each hint is applied to the organisations' queryset and the queries counted, as in
``test_shapes``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db.models import QuerySet
from shapes.models import Organisation, PersonRelationship

from .test_shapes import (
    fix_works_on_organisations,
    organisations,
    read_per_organisation,
)

pytestmark = pytest.mark.django_db

__all__ = ["organisations"]  # the fixture, used by name

LIVE_ONLY = {"person__live": True}


def rows_of(queryset: QuerySet[Organisation]) -> dict[str, list[int]]:
    """The ids each organisation's prefetched rows hold, sorted: an unordered read's rows come
    in whatever order the database gives (PostgreSQL's differs from query to query)."""
    return {o.name: sorted(r.id for r in o.prefetched_person_relationships) for o in queryset}  # type: ignore[attr-defined]


# fmt: off
def live_by_role(organisation: Organisation) -> list[int]:  # each call on its own line
    return [
        relationship.id
        for relationship in organisation.person_relationships
        .filter(person__live=True)
        .order_by("role", "id")
    ]
# fmt: on


def test_a_chain_written_over_several_lines_is_quoted_whole(organisations: None) -> None:
    """The frame of a chain whose calls start their own lines stands on a later line than the
    chain starts: the filter is read all the same, not rebuilt as "with the same filter"."""
    before, finding = read_per_organisation(live_by_role)
    assert finding.fix is not None
    assert '.filter(person__live=True).order_by("role", "id")' in finding.fix
    fix_works_on_organisations(finding.fix, rows_of, before)


def live_unpacked(organisation: Organisation) -> list[int]:
    return [r.id for r in organisation.person_relationships.filter(**LIVE_ONLY).order_by("id")]


def test_a_filter_of_unpacked_keywords_keeps_them(organisations: None) -> None:
    """``filter(**LIVE_ONLY)`` was quoted ``filter()``: a Prefetch of every row, read as the
    live ones. A module's constant exists where it is imported, so it is code to paste."""
    before, finding = read_per_organisation(live_unpacked)
    assert finding.fix is not None and ".filter(**LIVE_ONLY)" in finding.fix
    fix_works_on_organisations(finding.fix, rows_of, before, {"LIVE_ONLY": LIVE_ONLY})


def live_as_asked(organisation: Organisation, live: bool = True) -> list[int]:
    return [r.id for r in organisation.person_relationships.filter(person__live=live)]


def test_a_read_naming_its_functions_own_variable_is_not_given_as_code(
    organisations: None,
) -> None:
    """``live`` is a parameter of the helper: pasted where the organisations are listed, the
    code would raise NameError there, or read another ``live``."""
    _, finding = read_per_organisation(live_as_asked)
    assert finding.fix is None
    assert "queryset=PersonRelationship.objects.filter(person__live=live)" in finding.hint
    assert "It names live, bound where the per-row read is written" in finding.hint
    assert "if it changes from row to row, no single Prefetch serves the read" in finding.hint


@pytest.fixture
def namesakes(organisations: None) -> None:
    """Some relationships whose role is their organisation's name."""
    for organisation in Organisation.objects.all()[:2]:
        relationship = PersonRelationship.objects.filter(organisation=organisation).first()
        assert relationship is not None
        relationship.role = organisation.name
        relationship.save()


def namesake_roles(organisation: Organisation) -> list[int]:
    return sorted(r.id for r in organisation.person_relationships.filter(role=organisation.name))


def other_live_roles(organisation: Organisation) -> list[int]:
    return sorted(
        r.id
        for r in organisation.person_relationships.exclude(role=organisation.name).filter(
            person__live=True
        )
    )


@pytest.mark.parametrize(
    ("per_row", "code"),
    [
        (namesake_roles, '.filter(role=F("organisation__name"))'),
        (other_live_roles, '.exclude(role=F("organisation__name")).filter(person__live=True)'),
    ],
)
def test_a_filter_by_the_rows_own_field_compares_it_through_the_relation(
    namesakes: None, per_row: Any, code: str
) -> None:
    """``filter(role=organisation.name)`` differs per organisation: one Prefetch serves them
    all by reading the name through the relation, F("organisation__name")."""
    before, finding = read_per_organisation(per_row)
    assert any(before.values())  # and the rows the filter keeps differ by organisation:
    assert len({len(ids) for ids in before.values()}) > 1
    assert finding.fix is not None and f"queryset=PersonRelationship.objects{code}" in finding.fix
    assert "filters by each row's own organisation.name" in finding.hint
    fix_works_on_organisations(finding.fix, rows_of, before)


def upper_roles(organisation: Organisation) -> list[int]:
    return [r.id for r in organisation.person_relationships.filter(role=organisation.name.upper())]


def test_a_filter_by_what_a_rows_method_returns_is_not_given_as_code(namesakes: None) -> None:
    """No F() says ``organisation.name.upper()``: the hint says why no Prefetch of the read as
    written serves it, and what does."""
    _, finding = read_per_organisation(upper_roles)
    assert finding.fix is None
    assert "filters by the row itself (organisation)" in finding.hint
    assert 'F("organisation__<field>")' in finding.hint and "OuterRef()" in finding.hint


def named_as_text(organisation: Organisation) -> list[int]:
    return [r.id for r in organisation.person_relationships.filter(role=str(organisation.name))]


def test_a_rows_field_inside_an_expression_is_not_rewritten_with_f(namesakes: None) -> None:
    """``str(F(...))`` is not the row's name: F() stands for a field only as the whole value
    compared (or an item of a list of them)."""
    _, finding = read_per_organisation(named_as_text)
    assert finding.fix is None
    assert "filters by the row itself (organisation)" in finding.hint


def with_a_helper_of_its_own(organisation: Organisation) -> list[int]:
    def live() -> bool:
        return True

    try:
        raise LookupError("x")
    except LookupError as error:
        role = error.args[0]
    return [
        r.id
        for r in organisation.person_relationships.filter(person__live=live()).exclude(role=role)
    ]


def test_names_a_function_binds_by_def_and_except_are_its_own(organisations: None) -> None:
    _, finding = read_per_organisation(with_a_helper_of_its_own)
    assert finding.fix is None
    assert "It names live, role" in finding.hint


def test_a_line_is_read_once_while_its_file_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page reads its per-row line on every request: the source is read once, and again
    only after the file changes (runserver reloads, a test edits it)."""
    from django_guardrails.query import written_chains

    reads: list[int] = []
    read_chain = written_chains._read_chain

    def counting(*args: Any) -> Any:
        reads.append(1)
        return read_chain(*args)

    monkeypatch.setattr(written_chains, "_read_chain", counting)
    module = tmp_path / "helper.py"
    module.write_text("def f(o):\n    return o.items.filter(a=1)\n")
    for _ in range(3):
        chain = written_chains.written_chain(str(module), 2, "items")
        assert chain is not None and chain.chain == ".filter(a=1)"
    assert len(reads) == 1
    module.write_text("def f(o):\n    return o.items.filter(a=2)   \n")
    chain = written_chains.written_chain(str(module), 2, "items")
    assert chain is not None and chain.chain == ".filter(a=2)" and len(reads) == 2
