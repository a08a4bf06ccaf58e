"""Hints read as sentences at every kind of place, also when the fix is described, not code."""

from __future__ import annotations

from pathlib import Path

import pytest

from django_guardrails.query.hints import relation_fix
from django_guardrails.query.listing import Place
from django_guardrails.query.relations import Relation
from django_guardrails.query.subsets import Subset


def test_a_described_prefetch_at_a_generic_views_model_reads_as_a_sentence() -> None:
    place = Place("/project/people/views.py", 12, "PersonList.model = Person", "model", "Person")
    relation = Relation(
        "Person",
        "people.Person.roles",
        "roles",
        "prefetch_related",
        target="Role",
        place=place,
        part=Subset(".filter(...)", False, "", False),
    )
    fix = relation_fix(relation, "SELECT people_role.id FROM people_role WHERE ...")
    assert "(PersonList.model = Person) set queryset = Person.objects with a Prefetch: " in fix.hint
    assert "objectsa" not in fix.hint and fix.code is None
    assert fix.built_at is not None and fix.built_at.endswith("views.py:12")


def test_a_librarys_view_is_never_the_place(monkeypatch: pytest.MonkeyPatch) -> None:
    import django_guardrails.project
    from django_guardrails.query.listing import Candidates, _view_place

    from .fake_library.views import LibraryIndexView

    class ProjectIndexView(LibraryIndexView):  # sets nothing of its own
        pass

    candidates = Candidates()
    candidates.add(ProjectIndexView())
    assert _view_place(candidates, "Customer") is not None  # a project file says model = ...
    library = str(Path(__file__).parent / "fake_library")
    monkeypatch.setattr(django_guardrails.project, "library_roots", lambda: (library,))
    assert _view_place(candidates, "Customer") is None


def test_a_repeat_no_relation_names_says_which_table_it_reads() -> None:
    from django_guardrails.query.hints import unknown_relation_fix

    blog = unknown_relation_fix("", "SELECT blog_blogpage.page_ptr_id FROM blog_blogpage WHERE ?")
    bread = unknown_relation_fix("", "SELECT breads_breadpage.id FROM breads_breadpage WHERE ?")
    assert "The same query on blog_blogpage ran once per row" in blog.hint
    assert blog.hint != bread.hint
