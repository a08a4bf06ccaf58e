"""nplusone, tests/testapp/testapp/tests.py (its views in views.py), on the ``objects`` fixture:
two people, a pet each, one allergy, occupation, address and hobby, all of the first person.

The unit tests (TestOneToOne, TestManyToOne, TestManyToMany) assert that a lazy load happened on
a row loaded singly, which nplusone never reports; TestIntegration's views are what it reports:
a lazy load on a row of a multi-row list, even one read once (``rows[0].relation``). Views that
eager-load a relation they never read get nplusone's "unused eager load", not an N+1.
"""

from __future__ import annotations

import fixtures as fx
from app.models import Address, Hobby, Occupation, Person, Pet
from catalogue import FLAGGED, NPLUSONE, SILENT, Seeded, tests_of
from django.db.models import QuerySet

nplusone = tests_of(NPLUSONE, "tests/testapp/testapp/tests.py")
UNUSED = "unused_eager_load"


@nplusone("TestOneToOne::test_one_to_one", SILENT, "bench.Occupation.person", fx.household)
def np_o2o_first(seed: Seeded) -> None:
    """.first() occupation, then its person."""
    _ = Occupation.objects.first().person


@nplusone("TestOneToOne::test_one_to_one_select", SILENT, "bench.Occupation.person", fx.household)
def np_o2o_first_joined(seed: Seeded) -> None:
    """.first() occupation with select_related("person"), then its person."""
    _ = Occupation.objects.select_related("person").first().person


@nplusone("TestOneToOne::test_one_to_one_prefetch", SILENT, "bench.Occupation.person",
          fx.household)  # fmt: skip
def np_o2o_first_prefetched(seed: Seeded) -> None:
    """.first() occupation with prefetch_related("person"), then its person."""
    _ = Occupation.objects.prefetch_related("person").first().person


@nplusone("TestOneToOne::test_one_to_one_reverse", SILENT, "bench.Person.occupation",
          fx.household)  # fmt: skip
def np_o2o_reverse_first(seed: Seeded) -> None:
    """.first() person, then its occupation (reverse one-to-one)."""
    _ = Person.objects.first().occupation


@nplusone("TestManyToOne::test_many_to_one", SILENT, "bench.Address.person", fx.household)
def np_fk_first(seed: Seeded) -> None:
    """.first() address, then its person."""
    _ = Address.objects.first().person


@nplusone("TestManyToOne::test_many_to_one_select", SILENT, "bench.Address.person", fx.household)
def np_fk_list_joined(seed: Seeded) -> None:
    """A list of addresses with select_related("person"), then [0].person."""
    addresses = list(Address.objects.select_related("person").all())
    _ = addresses[0].person


@nplusone("TestManyToOne::test_many_to_one_prefetch", SILENT, "bench.Address.person",
          fx.household)  # fmt: skip
def np_fk_list_prefetched(seed: Seeded) -> None:
    """A list of addresses with prefetch_related("person"), then [0].person."""
    addresses = list(Address.objects.prefetch_related("person").all())
    _ = addresses[0].person


@nplusone("TestManyToOne::test_many_to_one_reverse", SILENT, "bench.Person.addresses",
          fx.household)  # fmt: skip
def np_fk_reverse_first(seed: Seeded) -> None:
    """.first() person, then .first() of its addresses."""
    Person.objects.first().addresses.first()


@nplusone("TestManyToOne::test_many_to_one_reverse_no_related_name", SILENT,
          "bench.Person.pet_set", fx.household)  # fmt: skip
def np_fk_reverse_unnamed_first(seed: Seeded) -> None:
    """.first() person, then .first() of pet_set."""
    Person.objects.first().pet_set.first()


@nplusone("TestManyToMany::test_many_to_many", SILENT, "bench.Person.hobbies", fx.household)
def np_m2m_index_of_queryset(seed: Seeded) -> None:
    """[0] of an unevaluated queryset (a LIMIT 1 query), then its hobbies."""
    people = Person.objects.all()
    list(people[0].hobbies.all())


@nplusone("TestManyToMany::test_many_to_many_prefetch", SILENT, "bench.Person.hobbies",
          fx.household)  # fmt: skip
def np_m2m_index_prefetched(seed: Seeded) -> None:
    """The same with prefetch_related("hobbies")."""
    people = Person.objects.all().prefetch_related("hobbies")
    list(people[0].hobbies.all())


@nplusone("TestManyToMany::test_many_to_many_reverse", SILENT, "bench.Hobby.people", fx.household)
def np_m2m_reverse_index_of_queryset(seed: Seeded) -> None:
    """[0] of an unevaluated queryset of hobbies, then its people."""
    hobbies = Hobby.objects.all()
    list(hobbies[0].people.all())


@nplusone("TestManyToMany::test_many_to_many_reverse_prefetch", SILENT, "bench.Hobby.people",
          fx.household)  # fmt: skip
def np_m2m_reverse_index_prefetched(seed: Seeded) -> None:
    """The same with prefetch_related("people")."""
    hobbies = Hobby.objects.all().prefetch_related("people")
    list(hobbies[0].people.all())


@nplusone("TestIntegration::test_one_to_one", FLAGGED, "bench.Occupation.person", fx.household)
def np_view_o2o_from_list(seed: Seeded) -> None:
    """A one-row list of occupations, then [0].person: a single lazy load from a list."""
    occupations = list(Occupation.objects.all())
    _ = occupations[0].person.id


@nplusone("TestIntegration::test_one_to_one_first", SILENT, "bench.Occupation.person",
          fx.household)  # fmt: skip
def np_view_o2o_first(seed: Seeded) -> None:
    """.first() occupation, then its person's id."""
    _ = Occupation.objects.first().person.id


@nplusone("TestIntegration::test_one_to_many", SILENT, "bench.Person.addresses", fx.household)
def np_view_fk_reverse_prefetched(seed: Seeded) -> None:
    """[0] of people with prefetch_related("addresses"), then its addresses."""
    people = Person.objects.all().prefetch_related("addresses")
    list(people[0].addresses.all())


@nplusone("TestIntegration::test_many_to_many", FLAGGED, "bench.Person.hobbies", fx.household)
def np_view_m2m_from_list(seed: Seeded) -> None:
    """A list of two people, then [0].hobbies: a single lazy load from a list."""
    people = list(Person.objects.all())
    list(people[0].hobbies.all())


@nplusone("TestIntegration::test_many_to_many_get", SILENT, "bench.Person.hobbies", fx.household)
def np_view_m2m_get(seed: Seeded) -> None:
    """One person by .get(), then its hobbies."""
    person = Person.objects.get(pk=seed.person.pk)
    list(person.hobbies.all())


@nplusone("TestIntegration::test_many_to_many_reverse_no_related_name", SILENT,
          "bench.Pet.allergy_set", fx.household)  # fmt: skip
def np_m2m_reverse_unnamed_first(seed: Seeded) -> None:
    """.first() pet, then .first() of its allergy_set."""
    Pet.objects.first().allergy_set.first()


@nplusone("TestIntegration::test_prefetch_one_to_one", SILENT, "bench.Person.occupation",
          fx.household)  # fmt: skip
def np_view_o2o_reverse_joined(seed: Seeded) -> None:
    """[0] of people with select_related("occupation"), then its occupation."""
    people = Person.objects.all().select_related("occupation")
    _ = people[0].occupation


@nplusone("TestIntegration::test_prefetch_one_to_one_unused", SILENT, "bench.Person.occupation",
          fx.household, peer_reports=UNUSED)  # fmt: skip
def np_view_o2o_reverse_prefetch_unused(seed: Seeded) -> None:
    """[0] of people with prefetch_related("occupation"), the occupation never read."""
    people = Person.objects.all().prefetch_related("occupation")
    _ = people[0].pk


def _hobbies_of_each(people: QuerySet[Person] | list[Person]) -> None:
    for person in people:
        list(person.hobbies.all())


@nplusone("TestIntegration::test_prefetch_many_to_many", SILENT, "bench.Person.hobbies",
          fx.household)  # fmt: skip
def np_view_m2m_prefetched_loop(seed: Seeded) -> None:
    """Every person's hobbies, prefetched; class-level descriptors touched on the way."""
    people = list(Person.objects.all().prefetch_related("hobbies"))
    _ = (Occupation.person, Person.occupation)
    _hobbies_of_each(people)


@nplusone("TestIntegration::test_many_to_many_impossible", SILENT, "bench.Person.hobbies",
          fx.household)  # fmt: skip
def np_view_m2m_first_then_list(seed: Seeded) -> None:
    """.first() person, a list of everyone, then the first person's hobbies."""
    person = Person.objects.first()
    _ = list(Person.objects.all())
    list(person.hobbies.all())


@nplusone("TestIntegration::test_many_to_many_impossible_one", SILENT, "bench.Person.hobbies",
          fx.household)  # fmt: skip
def np_view_m2m_get_then_list(seed: Seeded) -> None:
    """.get() person, a list of everyone, then that person's hobbies."""
    person = Person.objects.get(pk=seed.person.pk)
    _ = list(Person.objects.all())
    list(person.hobbies.all())
