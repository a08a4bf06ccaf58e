"""nplusone, tests/testapp/testapp/tests.py, TestIntegration (continued): templates, empty
tables, prefetches read through a slice, joins, nested eager loads, ``values()``.
"""

from __future__ import annotations

import fixtures as fx
from app.models import Hobby, Person, Pet
from catalogue import NPLUSONE, SILENT, Seeded, tests_of
from django.db.models import Model
from django.template import Context, Template

nplusone = tests_of(NPLUSONE, "tests/testapp/testapp/tests.py")
IT = "TestIntegration::test_"
UNUSED = "unused_eager_load"


def household_without(model: type[Model]) -> Seeded:
    seed = fx.household()
    model.objects.all().delete()  # as the *_empty tests do before requesting the view
    return seed


def render_hobbies() -> str:
    """Every person's hobbies, prefetched, rendered by a template's nested for loops."""
    template = Template(
        "{% for person in people %}{% for hobby in person.hobbies.all %}{{ hobby.id }}"
        "{% endfor %}{% endfor %}"
    )
    people = Person.objects.all().prefetch_related("hobbies")
    return template.render(Context({"people": people}))


@nplusone(IT + "prefetch_many_to_many_render", SILENT, "bench.Person.hobbies", fx.household)
def np_view_m2m_prefetched_template(seed: Seeded) -> None:
    """A template loops over people and their prefetched hobbies."""
    render_hobbies()


@nplusone(IT + "prefetch_many_to_many_empty", SILENT, "bench.Person.hobbies",
          lambda: household_without(Person))  # fmt: skip
def np_view_m2m_prefetched_loop_empty(seed: Seeded) -> None:
    """The prefetched loop over people, on an empty table."""
    for person in list(Person.objects.all().prefetch_related("hobbies")):
        list(person.hobbies.all())


@nplusone(IT + "prefetch_many_to_many_render_empty", SILENT, "bench.Person.hobbies",
          lambda: household_without(Person))  # fmt: skip
def np_view_m2m_prefetched_template_empty(seed: Seeded) -> None:
    """The template over people and hobbies, on an empty table."""
    render_hobbies()


@nplusone(IT + "prefetch_many_to_many_unused", SILENT, "bench.Person.hobbies", fx.household,
          peer_reports=UNUSED)  # fmt: skip
def np_view_m2m_prefetch_unused(seed: Seeded) -> None:
    """[0] of people with prefetch_related("hobbies"), the hobbies never read."""
    _ = Person.objects.all().prefetch_related("hobbies")[0].pk


@nplusone(IT + "prefetch_many_to_many_single", SILENT, "bench.Hobby.people", fx.household)
def np_view_m2m_reverse_prefetched_index(seed: Seeded) -> None:
    """[0] of hobbies with its people prefetched, then [0] of those people."""
    hobbies = Hobby.objects.all().prefetch_related("people")
    _ = hobbies[0].people.all()[0]


@nplusone(IT + "prefetch_many_to_many_no_related_name", SILENT, "bench.Pet.allergy_set",
          fx.household)  # fmt: skip
def np_view_m2m_reverse_unnamed_prefetched(seed: Seeded) -> None:
    """[0] of pets with allergy_set prefetched, then [0] of its allergies."""
    pets = Pet.objects.all().prefetch_related("allergy_set")
    _ = pets[0].allergy_set.all()[0]


@nplusone(IT + "select_one_to_one", SILENT, "bench.Person.occupation", fx.household)
def np_view_o2o_reverse_joined_read(seed: Seeded) -> None:
    """[0] of people joined to their occupation, then the occupation."""
    _ = Person.objects.all().select_related("occupation")[0].occupation


@nplusone(IT + "select_one_to_one_unused", SILENT, "bench.Person.occupation", fx.household,
          peer_reports=UNUSED)  # fmt: skip
def np_view_o2o_reverse_join_unused(seed: Seeded) -> None:
    """[0] of people joined to their occupation, the occupation never read."""
    _ = Person.objects.all().select_related("occupation")[0].pk


@nplusone(IT + "select_many_to_one", SILENT, "bench.Pet.person", fx.household)
def np_view_fk_joined(seed: Seeded) -> None:
    """A list of pets joined to their person, then [0].person."""
    pets = list(Pet.objects.all().select_related("person"))
    _ = pets[0].person if pets else None


@nplusone(IT + "select_many_to_one_empty", SILENT, "bench.Pet.person",
          lambda: household_without(Pet))  # fmt: skip
def np_view_fk_joined_empty(seed: Seeded) -> None:
    """The same with no pets at all."""
    pets = list(Pet.objects.all().select_related("person"))
    _ = pets[0].person if pets else None


@nplusone(IT + "select_many_to_one_unused", SILENT, "bench.Pet.person", fx.household,
          peer_reports=UNUSED)  # fmt: skip
def np_view_fk_join_unused(seed: Seeded) -> None:
    """A list of pets joined to their person, the person never read."""
    pets = list(Pet.objects.all().select_related("person"))
    _ = pets[0].pk


@nplusone(IT + "prefetch_nested", SILENT, "bench.Person.occupation", fx.household)
def np_view_nested_prefetch(seed: Seeded) -> None:
    """Nested prefetch person__occupation, then [0].person.occupation."""
    pets = list(Pet.objects.all().prefetch_related("person__occupation"))
    _ = pets[0].person.occupation


@nplusone(IT + "prefetch_nested_unused", SILENT, "bench.Person.occupation", fx.household,
          peer_reports=UNUSED)  # fmt: skip
def np_view_nested_prefetch_unused(seed: Seeded) -> None:
    """Nested prefetch person__occupation, neither step read."""
    pets = list(Pet.objects.all().prefetch_related("person__occupation"))
    _ = pets[0].pk


@nplusone(IT + "select_nested", SILENT, "bench.Person.occupation", fx.household)
def np_view_nested_join(seed: Seeded) -> None:
    """Nested select_related person__occupation, then [0].person.occupation."""
    pets = list(Pet.objects.all().select_related("person__occupation"))
    _ = pets[0].person.occupation


@nplusone(IT + "select_nested_unused", SILENT, "bench.Person.occupation", fx.household,
          peer_reports=UNUSED)  # fmt: skip
def np_view_nested_join_unused(seed: Seeded) -> None:
    """Nested select_related person__occupation, neither step read."""
    pets = list(Pet.objects.all().select_related("person__occupation"))
    _ = pets[0].pk


@nplusone("test_values", SILENT, None, fx.household)
def np_values(seed: Seeded) -> None:
    """values("id") of people: dictionaries, nothing to load lazily."""
    list(Person.objects.values("id"))
