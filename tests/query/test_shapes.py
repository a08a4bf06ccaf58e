"""N+1 shapes from real projects: each finding says where its fix goes, and its fix works.

A hint is a promise. For each shape the N+1 runs once as written; the finding's ``fix`` is then
applied, as code, to the queryset at the finding's ``built_at`` line, and the same loop runs
again: the N+1 is gone and the queries drop to a constant.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.template import Context, Engine, Library, Template
from django.utils.functional import SimpleLazyObject
from shapes import models
from shapes.models import (
    Account,
    Category,
    Chef,
    Comment,
    Label,
    Organisation,
    Person,
    PersonRelationship,
    Place,
    Product,
    Restaurant,
)

from clean import models as clean_models
from django_guardrails.query.types import Finding
from django_guardrails.testing import QueryReport, capture

pytestmark = pytest.mark.django_db

ROWS = 4

# The fix for a per-row read of the organisations' relationships with live people.
LIVE_PREFETCH = (
    '.prefetch_related(Prefetch("person_relationships", queryset=PersonRelationship.objects'
    '.filter(person__live=True), to_attr="prefetched_person_relationships"))'
)
THIS_FILE = Path(__file__).resolve()
NAMESPACE = {
    "Prefetch": Prefetch,
    "Count": Count,
    "Exists": Exists,
    "F": F,
    "OuterRef": OuterRef,
    "Q": Q,
    **{name: getattr(models, name) for name in dir(models) if name[:1].isupper()},
    **{name: getattr(clean_models, name) for name in ("Author", "Book", "Review", "Publisher")},
}


def line_of(tag: str) -> int:
    """The line of this file that carries the comment ``# built: <tag>``."""
    lines = THIS_FILE.read_text().splitlines()
    [number] = [n for n, line in enumerate(lines, 1) if line.endswith(f"# built: {tag}")]
    return number


def apply(
    queryset: QuerySet[Any], fix: str | None, names: dict[str, Any] | None = None
) -> QuerySet[Any]:
    """The hint's code, applied to the queryset as the hint says (``names``: what the place
    has imported besides Django's and the models)."""
    assert fix is not None and fix.startswith(".")
    scope = {**NAMESPACE, **(names or {}), "queryset": queryset}
    applied: QuerySet[Any] = eval(f"queryset{fix}", scope)
    return applied


def the_n_plus_one(report: QueryReport, relation: str) -> Finding:
    [finding] = [f for f in report.n_plus_ones if f.relation == relation]
    return finding


def fixed(
    build: Callable[[], QuerySet[Any]],
    loop: Callable[[QuerySet[Any]], Any],
    fix: str | None,
    names: dict[str, Any] | None = None,
) -> QueryReport:
    with capture() as report:
        loop(apply(build(), fix, names))
    assert report.n_plus_ones == []
    return report


@pytest.fixture
def comments() -> None:
    for number in range(ROWS):
        user = User.objects.create(username=f"reader{number}")
        account = Account.objects.create(user=user)
        Comment.objects.create(author=account, text=f"comment {number}")


def read_comments(queryset: QuerySet[Comment]) -> list[str]:
    return [f"{comment.author}: {comment.text}" for comment in queryset]


def test_a_second_hop_inside_str_is_fixed_on_the_listed_rows(comments: None) -> None:
    with capture() as report:
        listed = Comment.objects.order_by("text")  # built: comments
        read_comments(listed)
    finding = the_n_plus_one(report, "shapes.Account.user")
    # Account.__str__ reads self.user: not "the queryset that lists the Accounts" (there is
    # none), but the comments', two relations deep.
    assert finding.fix == '.select_related("author__user")'
    assert finding.built_at is not None and finding.built_at.endswith(f":{line_of('comments')}")
    assert "in tests/query/test_shapes.py:" in finding.hint
    assert '(listed = Comment.objects.order_by("text")) add' in finding.hint
    first = the_n_plus_one(report, "shapes.Comment.author")
    assert first.fix == '.select_related("author")'
    after = fixed(lambda: Comment.objects.order_by("text"), read_comments, finding.fix)
    assert after.count == 1


@pytest.fixture
def shelves() -> None:
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    for number in range(ROWS):
        category = Category.objects.create(name=f"shelf {number}")
        for day in range(5):
            Product.objects.create(
                category=category,
                name=f"product {number}.{day}",
                created=start + datetime.timedelta(days=day),
            )


def test_a_per_parent_slice_gets_a_sliced_prefetch(shelves: None) -> None:
    with capture() as report:
        categories = Category.objects.all()  # built: categories
        newest = {c.name: [p.name for p in c.newest_products()] for c in categories}
    finding = the_n_plus_one(report, "shapes.Category.products")
    assert finding.fix == (
        '.prefetch_related(Prefetch("products", queryset=Product.objects.order_by("-created")'
        '[:3], to_attr="prefetched_products"))'
    )
    assert finding.built_at is not None and finding.built_at.endswith(f":{line_of('categories')}")
    assert "then read .prefetched_products (a list)" in finding.hint

    def read(queryset: QuerySet[Category]) -> dict[str, list[str]]:
        return {c.name: [p.name for p in c.prefetched_products] for c in queryset}  # type: ignore[attr-defined]

    after = fixed(Category.objects.all, read, finding.fix)
    assert after.count == 2
    with capture():
        assert read(apply(Category.objects.all(), finding.fix)) == newest  # the same rows


@pytest.fixture
def organisations() -> None:
    for number in range(ROWS):
        organisation = Organisation.objects.create(name=f"org {number}")
        for live in (True, False, True):
            person = Person.objects.create(name=f"person {number} {live}", live=live)
            PersonRelationship.objects.create(organisation=organisation, person=person, role="x")


def test_a_filtered_related_manager_gets_a_prefetch_with_its_filter(organisations: None) -> None:
    with capture() as report:
        listed = Organisation.objects.order_by("name")  # built: organisations
        before = {o.name: len(o.live_relationships()) for o in listed}
    finding = the_n_plus_one(report, "shapes.Organisation.person_relationships")
    # The filter is read where it was written (the model method), so a plain
    # prefetch_related("person_relationships"), which the filter would bypass, is not advised.
    assert finding.fix == LIVE_PREFETCH
    assert finding.built_at is not None and finding.built_at.endswith(
        f":{line_of('organisations')}"
    )

    def read(queryset: QuerySet[Organisation]) -> dict[str, int]:
        return {o.name: len(o.prefetched_person_relationships) for o in queryset}  # type: ignore[attr-defined]

    fix_works_on_organisations(finding.fix, read, before)


@pytest.fixture
def restaurants() -> None:
    for number in range(ROWS):
        Restaurant.objects.create(name=f"restaurant {number}", chef=Chef.objects.create(name="c"))
    Place.objects.create(name="a park")


def test_a_child_read_through_its_parent_link_is_one_select_related(restaurants: None) -> None:
    def read(queryset: QuerySet[Place]) -> list[str]:
        names = []
        for place in queryset:
            if hasattr(place, "restaurant"):
                names.append(place.restaurant.chef.name)
        return names

    with capture() as report:
        read(Place.objects.all())  # built: places
    finding = the_n_plus_one(report, "shapes.Restaurant.chef")
    assert finding.fix == '.select_related("restaurant__chef")'
    assert finding.built_at is not None and finding.built_at.endswith(f":{line_of('places')}")
    assert fixed(Place.objects.all, read, finding.fix).count == 1


def test_rows_converted_one_by_one_say_no_single_queryset_fixes_them(restaurants: None) -> None:
    with capture() as report:
        places = list(Place.objects.all())  # built: converted
        for place in places:
            try:
                specific = Restaurant.objects.get(pk=place.pk)  # as Wagtail's page.specific
            except Restaurant.DoesNotExist:
                continue
            assert specific.chef.name
    finding = the_n_plus_one(report, "shapes.Restaurant.chef")
    assert finding.fix is None  # no code to paste: the hint says why and what to do instead
    assert "the rows are Places read as Restaurant one by one" in finding.hint
    assert '.select_related("restaurant__chef")' in finding.hint
    assert ".specific()" in finding.hint

    def read(queryset: QuerySet[Place]) -> list[str]:
        return [p.restaurant.chef.name for p in queryset if hasattr(p, "restaurant")]

    assert fixed(Place.objects.all, read, '.select_related("restaurant__chef")').count == 1


def test_a_template_loop_over_a_context_queryset_is_fixed_where_it_was_built(
    comments: None,
) -> None:
    template = Template(
        "{% for c in comments %}\n{{ c.author.user.username }}: {{ c.text }}\n{% endfor %}"
    )
    with capture() as report:
        listed = Comment.objects.all()  # built: template
        template.render(Context({"comments": listed}))
    finding = the_n_plus_one(report, "shapes.Account.user")
    assert finding.template == "<unknown source>:2"
    assert finding.fix == '.select_related("author__user")'
    assert finding.built_at is not None and finding.built_at.endswith(f":{line_of('template')}")

    def render(queryset: QuerySet[Comment]) -> str:
        return template.render(Context({"comments": queryset}))

    assert fixed(Comment.objects.all, render, finding.fix).count == 1


def test_count_per_row_is_an_annotation(shelves: None) -> None:
    with capture() as report:
        categories = Category.objects.all()  # built: counts
        counts = {c.name: c.products.count() for c in categories}
    finding = the_n_plus_one(report, "shapes.Category.products")
    assert finding.fix == '.annotate(products_count=Count("products"))'
    assert finding.built_at is not None and finding.built_at.endswith(f":{line_of('counts')}")

    def read(queryset: QuerySet[Category]) -> dict[str, int]:
        return {c.name: c.products_count for c in queryset}  # type: ignore[attr-defined]

    assert fixed(Category.objects.all, read, finding.fix).count == 1
    with capture():
        assert read(apply(Category.objects.all(), finding.fix)) == counts


@pytest.fixture
def labels(shelves: None) -> None:
    for product in Product.objects.all():
        for number in range(2):
            Label.objects.create(product=product, text=f"label {number}")


def test_a_count_through_a_reverse_foreign_key_uses_its_lookup_name(labels: None) -> None:
    with capture() as report:
        products = Product.objects.order_by("name")  # built: label counts
        counts = {p.name: p.label_set.count() for p in products}
    finding = the_n_plus_one(report, "shapes.Product.label_set")
    # The accessor is label_set; Count() takes the lookup name, label.
    assert finding.fix == '.annotate(label_set_count=Count("label"))'

    def read(queryset: QuerySet[Product]) -> dict[str, int]:
        return {p.name: p.label_set_count for p in queryset}  # type: ignore[attr-defined]

    assert fixed(lambda: Product.objects.order_by("name"), read, finding.fix).count == 1
    with capture():
        assert read(apply(Product.objects.order_by("name"), finding.fix)) == counts


def test_a_count_per_row_of_an_inner_list_annotates_the_inner_rows(labels: None) -> None:
    def read(queryset: QuerySet[Category]) -> dict[str, int]:
        return {p.name: p.label_set.count() for c in queryset for p in c.products.all()}

    with capture() as report:
        counts = read(Category.objects.all())  # built: nested counts
    finding = the_n_plus_one(report, "shapes.Product.label_set")
    # Not Count("products__label") on the categories (one number per category): a count for
    # each product, annotated on the products the categories prefetch.
    assert finding.fix == (
        '.prefetch_related(Prefetch("products", queryset=Product.objects.annotate('
        'label_set_count=Count("label"))))'
    )
    assert finding.built_at is not None and finding.built_at.endswith(
        f":{line_of('nested counts')}"
    )

    def read_fixed(queryset: QuerySet[Category]) -> dict[str, int]:
        return {p.name: p.label_set_count for c in queryset for p in c.products.all()}  # type: ignore[attr-defined]

    assert fixed(Category.objects.all, read_fixed, finding.fix).count == 2
    with capture():
        assert read_fixed(apply(Category.objects.all(), finding.fix)) == counts


def test_a_slice_of_a_whole_relation_is_served_by_the_plain_prefetch(shelves: None) -> None:
    def read(queryset: QuerySet[Category]) -> dict[str, list[str]]:
        return {c.name: [p.name for p in c.products.all()[:2]] for c in queryset}

    with capture() as report:
        categories = Category.objects.all()  # built: first two
        firsts = read(categories)
    finding = the_n_plus_one(report, "shapes.Category.products")
    # A slice of a prefetched queryset is taken from its rows: the code stays as it is.
    assert finding.fix == '.prefetch_related("products")'
    assert "to_attr" not in finding.hint
    assert fixed(Category.objects.all, read, finding.fix).count == 2
    with capture():
        assert read(apply(Category.objects.all(), finding.fix)) == firsts


def test_a_field_of_the_parent_read_on_converted_rows_needs_no_child_link(
    restaurants: None,
) -> None:
    with capture() as report:
        places = list(Place.objects.all())  # built: parent field
        for place in places:
            try:
                specific = Restaurant.objects.get(pk=place.pk)
            except Restaurant.DoesNotExist:
                continue
            assert specific.chef.name
            assert specific.place_ptr.name  # Place's own row, read from the child
    finding = the_n_plus_one(report, "shapes.Restaurant.chef")
    assert '.select_related("restaurant__chef")' in finding.hint


def test_a_cycle_of_relations_is_not_followed(comments: None) -> None:
    """An account's comments' author is the account again: the path stops where it began."""
    accounts = Account.objects.all()  # built: cycle
    with capture() as report:
        for account in accounts.prefetch_related("comments"):
            for comment in account.comments.all():
                assert comment.author.user.username
    for finding in report.n_plus_ones:
        assert (
            "author__account" not in finding.hint
            and "comments__author__comments" not in finding.hint
        )


def test_a_detail_view_counting_per_related_row_is_fixed_on_the_view(
    client: Any,
) -> None:
    from django.test import override_settings

    from clean.models import Author, Book, Publisher, Review
    from tests.query import detail_urls

    author = Author.objects.create(name="Calvino")
    publisher = Publisher.objects.create(name="Vintage")
    for number in range(ROWS):
        book = Book.objects.create(
            title=f"B{number}", slug=f"b{number}", author=author, publisher=publisher
        )
        Review.objects.create(book=book, stars=3)
    with override_settings(ROOT_URLCONF="tests.query.detail_urls"), capture() as report:
        assert client.get("/authors/Calvino/").status_code == 200
    finding = the_n_plus_one(report, "clean.Book.reviews")
    # The count is per book of the one author the view shows: annotated on those books,
    # prefetched with the author, in the view's queryset.
    code = (
        '.prefetch_related(Prefetch("books", queryset=Book.objects.annotate('
        'reviews_count=Count("reviews"))))'
    )
    assert finding.fix == code
    assert f"(AuthorDetail.model = Author) use queryset = Author.objects{code}" in finding.hint

    assert "then read .reviews_count on each Book instead of .count()" in finding.hint
    # The hint applied: the queryset in the view, the count read in the template.
    view: Any = detail_urls.AuthorDetail
    view.queryset = apply(Author.objects.all(), finding.fix)
    view.template_name = "shapes/author_detail_fixed.html"
    try:
        with override_settings(ROOT_URLCONF="tests.query.detail_urls"), capture() as report:
            response = client.get("/authors/Calvino/")
    finally:
        del view.queryset
        view.template_name = "shapes/author_detail.html"
    assert "1 review(s)" in response.content.decode()
    assert [f for f in report.n_plus_ones if f.relation == "clean.Book.reviews"] == []


def test_one_generic_relation_to_several_models_is_one_n_plus_one() -> None:
    from clean.models import Author, Note, Publisher

    for number in range(ROWS):
        Note.objects.create(subject=Author.objects.create(name=f"a{number}"), text="on author")
        Note.objects.create(subject=Publisher.objects.create(name=f"p{number}"), text="on pub")
    with capture() as report:
        for note in Note.objects.all():
            assert note.subject is not None
    [finding] = report.n_plus_ones  # two tables, two query shapes, one N+1
    assert finding.relation == "clean.Note.subject"
    assert finding.count == 2 * ROWS


def read_labels(queryset: QuerySet[Product]) -> list[int]:
    return [len(product.label_set.all()) for product in queryset]


def test_one_objects_related_rows_are_fixed_where_they_were_built(shelves: None) -> None:
    """``request.user.memberships.order_by(...)`` looped: the fix goes on that queryset, not
    on "the queryset that lists the Users", which does not exist."""
    for product in Product.objects.all():
        Label.objects.create(product=product, text="sale")
    shelf = SimpleLazyObject(lambda: Category.objects.get(name="shelf 0"))  # as request.user
    with capture() as report:
        products = shelf.products.order_by("name")  # built: one shelf
        read_labels(products)
    finding = the_n_plus_one(report, "shapes.Product.label_set")
    assert finding.fix == '.prefetch_related("label_set")'
    assert finding.built_at is not None and finding.built_at.endswith(f":{line_of('one shelf')}")
    after = fixed(lambda: shelf.products.order_by("name"), read_labels, finding.fix)
    assert after.count == 2


def label_counts(shelf: Category) -> list[int]:
    counts = []
    for product in shelf.products.order_by("name"):  # built: in the loop
        counts.append(len(product.label_set.all()))
    return counts


def test_one_objects_related_rows_looped_where_built_are_fixed_there(shelves: None) -> None:
    """The list lives in the ``for`` alone, and the one object came from ``get()``: the fix
    goes on the queryset in the loop, not on "the queryset that lists the Categorys"."""
    for product in Product.objects.all():
        Label.objects.create(product=product, text="sale")
    shelf = Category.objects.get(name="shelf 0")
    with capture() as report:
        label_counts(shelf)
    finding = the_n_plus_one(report, "shapes.Product.label_set")
    assert finding.fix == '.prefetch_related("label_set")'
    assert finding.built_at is not None and finding.built_at.endswith(f":{line_of('in the loop')}")
    assert "Category" not in finding.hint
    after = fixed(lambda: shelf.products.order_by("name"), read_labels, finding.fix)
    assert after.count == 2


def shelf_labels(shelf: Category) -> list[int]:
    counts = []
    for product in shelf.products.all():  # built: one shelf's products
        counts.append(len(product.label_set.all()))
    return counts


def shelves_labels(shelves: QuerySet[Category]) -> None:
    for shelf in shelves:
        shelf_labels(shelf)


@pytest.mark.parametrize("first", ["a list", "one object"])
def test_a_helper_reached_from_a_list_and_from_one_object_is_fixed_for_each(
    shelves: None, first: str
) -> None:
    """The same loop over one object's related rows, run for each row of a list and for one
    object: each finding names its own place, whichever came first in the process."""
    for product in Product.objects.all():
        Label.objects.create(product=product, text="sale")

    def listed() -> Finding:
        with capture() as report:
            shelves_labels(Category.objects.order_by("name"))  # built: the shelves
        return the_n_plus_one(report, "shapes.Product.label_set")

    def single() -> Finding:
        with capture() as report:
            shelf_labels(Category.objects.get(name="shelf 0"))
        return the_n_plus_one(report, "shapes.Product.label_set")

    if first == "a list":
        of_list, of_one = listed(), single()
    else:
        of_one, of_list = single(), listed()
    assert of_list.fix == '.prefetch_related("products__label_set")'
    assert of_list.built_at is not None
    assert of_list.built_at.endswith(f":{line_of('the shelves')}")
    assert of_one.fix == '.prefetch_related("label_set")'
    assert of_one.built_at is not None
    assert of_one.built_at.endswith(":" + str(line_of("one shelf's products")))
    # Both hints applied: no N+1 left.
    fixed(lambda: Category.objects.order_by("name"), shelves_labels, of_list.fix)
    shelf = Category.objects.get(name="shelf 0")
    with capture() as report:
        for product in apply(shelf.products.all(), of_one.fix):
            assert len(product.label_set.all()) == 1
    assert report.n_plus_ones == []
    assert report.count == 2


def read_tags_books(author: Any) -> None:
    tags = Prefetch("tags", queryset=clean_models.Tag.objects.order_by("name"))
    for book in author.books.prefetch_related(tags):  # built: an author's books
        for tag in book.tags.all():
            assert len(tag.books.all()) >= 1


@pytest.fixture
def tagged_authors() -> None:
    publisher = clean_models.Publisher.objects.create(name="House")
    tags = [clean_models.Tag.objects.create(name=f"tag {number}") for number in range(2)]
    for number in range(ROWS):
        author = clean_models.Author.objects.create(name=f"author {number}")
        for copy in range(2):
            book = clean_models.Book.objects.create(
                title=f"b{number}.{copy}",
                slug=f"b{number}-{copy}",
                author=author,
                publisher=publisher,
            )
            book.tags.set(tags)


@pytest.mark.parametrize("first", ["a list", "one object"])
def test_a_path_through_one_objects_related_rows_is_found_for_each_caller(
    tagged_authors: None, first: str
) -> None:
    """The row read was fetched by a Prefetch built at the helper's line, and the way up passes
    an author's books: whether the authors are listed depends on the caller, never on which
    caller came first."""

    def listed() -> Finding:
        with capture() as report:
            for author in clean_models.Author.objects.order_by("name"):  # built: the authors
                read_tags_books(author)
        return the_n_plus_one(report, "clean.Tag.books")

    def single() -> Finding:
        with capture() as report:
            read_tags_books(clean_models.Author.objects.get(name="author 0"))
        return the_n_plus_one(report, "clean.Tag.books")

    if first == "a list":
        of_list, of_one = listed(), single()
    else:
        of_one, of_list = single(), listed()
    assert of_list.built_at is not None
    assert of_list.built_at.endswith(":" + str(line_of("the authors")))
    assert of_one.built_at is not None
    assert of_one.built_at.endswith(":" + str(line_of("an author's books")))


def test_prefetch_related_objects_is_never_the_place_of_a_fix() -> None:
    """``prefetch_related_objects([author], "books")`` takes no chained call."""
    author = clean_models.Author.objects.create(name="Ursula")
    for number in range(ROWS):
        publisher = clean_models.Publisher.objects.create(name=f"House {number}")
        clean_models.Book.objects.create(
            title=f"b{number}", slug=f"b{number}", author=author, publisher=publisher
        )
    with capture() as report:
        one = clean_models.Author.objects.get(name="Ursula")
        prefetch_related_objects([one], "books")  # built: prefetched for one
        for book in one.books.all():
            assert book.publisher.name
    finding = the_n_plus_one(report, "clean.Book.publisher")
    assert finding.built_at is None or not finding.built_at.endswith(
        ":" + str(line_of("prefetched for one"))
    )
    assert "prefetch_related_objects" not in finding.hint


def live_ids(organisation: Organisation) -> list[int]:
    return list(
        organisation.person_relationships.filter(person__live=True).values_list("id", flat=True)
    )


def test_a_filtered_related_manager_read_as_values_gets_a_prefetch_of_its_rows(
    organisations: None,
) -> None:
    """A Prefetch's queryset may not use values_list() (Django raises ValueError): the hint
    prefetches the filtered rows, and the loop reads the ids from them."""
    before, finding = live_prefetch_said(
        live_ids,
        "then read .prefetched_person_relationships (a list of rows: take the values from each "
        'row) instead of .person_relationships.filter(person__live=True).values_list("id", '
        "flat=True)",
    )

    def read(queryset: QuerySet[Organisation]) -> dict[str, list[int]]:
        return {o.name: [r.id for r in o.prefetched_person_relationships] for o in queryset}  # type: ignore[attr-defined]

    fix_works_on_organisations(finding.fix, read, before)


def live_prefetch_said(
    per_row: Callable[[Organisation], Any], said: str
) -> tuple[dict[str, Any], Finding]:
    """``per_row``'s N+1 gets the Prefetch of the live relationships, and its hint ``said``."""
    before, finding = read_per_organisation(per_row)
    assert finding.fix == LIVE_PREFETCH
    assert said in finding.hint
    return before, finding


def fix_works_on_organisations(
    fix: str | None,
    read: Callable[[QuerySet[Organisation]], Any],
    before: Any,
    names: dict[str, Any] | None = None,
) -> None:
    """With ``fix`` applied to the organisations, ``read`` takes two queries, finds no N+1,
    and reads what ``before`` holds."""
    after = fixed(lambda: Organisation.objects.order_by("name"), read, fix, names)
    assert after.count == 2
    with capture():
        assert read(apply(Organisation.objects.order_by("name"), fix, names)) == before


def read_per_organisation(per_row: Callable[[Organisation], Any]) -> tuple[dict[str, Any], Finding]:
    """What ``per_row`` reads for each organisation, and the N+1 of its relationships."""
    with capture() as report:
        before = {o.name: per_row(o) for o in Organisation.objects.order_by("name")}
    return before, the_n_plus_one(report, "shapes.Organisation.person_relationships")


def groups_from_rows_match(
    fix: str | None,
    before: dict[str, list[Any]],
    rows_of: Callable[[Any], Any],
    attribute: str,
    label: str,
) -> None:
    """With ``fix`` applied, the groups of ``values(label).annotate(n=Count("id"))`` computed
    in Python from each organisation's prefetched rows, in two queries, are ``before``'s."""

    def read(queryset: QuerySet[Organisation]) -> dict[str, list[dict[str, Any]]]:
        grouped = {}
        for organisation in queryset:
            counts = Counter(getattr(row, attribute) for row in rows_of(organisation))
            grouped[organisation.name] = [{label: k, "n": n} for k, n in sorted(counts.items())]
        return grouped

    after = fixed(lambda: Organisation.objects.order_by("name"), read, fix)
    assert after.count == 2
    with capture():
        assert read(apply(Organisation.objects.order_by("name"), fix)) == {
            name: sorted(groups, key=lambda g: g[label]) for name, groups in before.items()
        }


def live_roles(organisation: Organisation) -> list[Any]:
    return list(
        organisation.person_relationships.filter(person__live=True)
        .values("person")
        .annotate(n=Count("id"))
    )


def test_a_filtered_relation_grouped_per_row_is_computed_from_its_prefetched_rows(
    organisations: None,
) -> None:
    """``.filter(...).values(...).annotate(...)`` groups the rows: a Prefetch of the filtered
    rows (values() may not go in it) holds the rows, not the groups, and the hint says to
    compute the groups from them; read as the groups, the list would count each row alone."""
    before, finding = live_prefetch_said(
        live_roles,
        'then compute what .person_relationships.filter(person__live=True).values("person")'
        '.annotate(n=Count("id")) gave from .prefetched_person_relationships (a list of rows), '
        "in Python: the prefetch holds the rows, not their groups",
    )

    groups_from_rows_match(
        finding.fix, before, lambda o: o.prefetched_person_relationships, "person_id", "person"
    )


def test_a_lazy_object_on_the_stack_stands_for_the_row_it_wraps() -> None:
    from django_guardrails.query.listing import Candidates

    evaluated = SimpleLazyObject(lambda: Category(name="shelf"))
    assert evaluated.name == "shelf"
    never = SimpleLazyObject(lambda: pytest.fail("a candidate is never evaluated"))
    candidates = Candidates()
    candidates.add(evaluated)
    candidates.add(never)
    assert [type(row) for row in candidates.instances()] == [Category]


def all_ids(organisation: Organisation) -> list[int]:
    return list(organisation.person_relationships.values_list("id", flat=True))


def ids_of(relationships: QuerySet[PersonRelationship]) -> list[int]:
    return list(relationships.values_list("id", flat=True))


@pytest.mark.parametrize(
    "per_row",
    [all_ids, lambda o: ids_of(o.person_relationships.all())],
    ids=["on the relation's line", "in a helper, read from the queryset"],
)
def test_a_whole_related_manager_read_as_values_gets_a_prefetch_and_reads_its_rows(
    organisations: None, per_row: Callable[[Organisation], list[int]]
) -> None:
    """``prefetch_related("x")`` does not serve ``row.x.values_list(...)``: values_list() makes
    a new query per row all the same. The hint prefetches the rows, read in the loop. The
    values call is read where the code wrote it, else from the queryset."""
    before, finding = read_per_organisation(per_row)
    assert finding.fix == '.prefetch_related("person_relationships")'
    assert (
        "then take the values from the rows of .person_relationships.all() instead of "
        '.person_relationships.values_list("id", flat=True)' in finding.hint
    )

    def read(queryset: QuerySet[Organisation]) -> dict[str, list[int]]:
        return {o.name: [r.id for r in o.person_relationships.all()] for o in queryset}

    fix_works_on_organisations(finding.fix, read, before)
    # What the old hint said, the plain prefetch with values_list() kept, is no fix:
    with capture() as kept:
        for organisation in apply(Organisation.objects.order_by("name"), finding.fix):
            per_row(organisation)
    assert kept.count > 2


def has_live(organisation: Organisation) -> bool:
    return organisation.person_relationships.filter(person__live=True).exists()


def test_a_filtered_related_manager_tested_with_exists_is_told_to_test_the_list(
    organisations: None,
) -> None:
    Person.objects.filter(name__startswith="person 0 ").update(live=False)
    with capture() as report:
        before = {o.name: has_live(o) for o in Organisation.objects.order_by("name")}
    assert sorted(before.values()) == [False] + [True] * (ROWS - 1)
    finding = the_n_plus_one(report, "shapes.Organisation.person_relationships")
    assert finding.fix == LIVE_PREFETCH
    assert (
        "then test whether .prefetched_person_relationships is empty instead of "
        ".person_relationships.filter(person__live=True).exists()" in finding.hint
    )

    def read(queryset: QuerySet[Organisation]) -> dict[str, bool]:
        return {o.name: bool(o.prefetched_person_relationships) for o in queryset}  # type: ignore[attr-defined]

    fix_works_on_organisations(finding.fix, read, before)


def test_rows_no_queryset_was_followed_to_are_never_said_to_have_one(
    organisations: None,
) -> None:
    """The relationships were listed before the unit, so the guard follows no queryset to
    them: the hint does not name "the queryset that lists" them, as if one were known
    (bakerydemo's search page said it of Images that were each loaded on their own). What it
    says, one query for them with the code added, works."""
    relationships = list(PersonRelationship.objects.filter(role="x").order_by("pk")[::3])
    assert len(relationships) == ROWS
    with capture() as report:
        before = {r.organisation.name: has_live(r.organisation) for r in relationships}
    finding = the_n_plus_one(report, "shapes.Organisation.person_relationships")
    assert "the queryset that lists" not in finding.hint
    assert "no queryset listing the PersonRelationships was found" in finding.hint
    assert f"load them in one query and add {finding.fix} to it" in finding.hint

    def read(queryset: QuerySet[PersonRelationship]) -> dict[str, bool]:
        return {
            r.organisation.name: bool(r.organisation.prefetched_person_relationships)  # type: ignore[attr-defined]
            for r in queryset
        }

    ids = [r.pk for r in relationships]
    after = fixed(lambda: PersonRelationship.objects.filter(pk__in=ids), read, finding.fix)
    assert after.count == 3  # the relationships, their organisations, the live ones
    with capture():
        assert read(apply(PersonRelationship.objects.filter(pk__in=ids), finding.fix)) == before


def roles(organisation: Organisation) -> list[Any]:
    return list(organisation.person_relationships.values("role").annotate(n=Count("id")))


def test_a_whole_relation_grouped_per_row_is_computed_from_the_prefetched_rows(
    organisations: None,
) -> None:
    """``row.x.values(...).annotate(...)`` per row: a plain prefetch does not serve it (the
    grouping queries again). The hint prefetches the rows and says to group them."""
    PersonRelationship.objects.filter(pk__in=PersonRelationship.objects.order_by("pk")[:2]).update(
        role="y"
    )
    before, finding = read_per_organisation(roles)
    assert finding.fix == '.prefetch_related("person_relationships")'
    assert (
        'then compute what .person_relationships.values("role").annotate(n=Count("id")) gave '
        "from the rows of .person_relationships.all(), in Python" in finding.hint
    )
    assert "through a relation" not in finding.hint

    groups_from_rows_match(
        finding.fix, before, lambda o: o.person_relationships.all(), "role", "role"
    )
    # What the old hint said, the plain prefetch with the grouping kept, is no fix:
    with capture() as kept:
        for organisation in apply(Organisation.objects.order_by("name"), finding.fix):
            roles(organisation)
    assert kept.count > 2


def test_a_grouping_through_a_relation_names_it_and_a_filtered_count_does_not(
    organisations: None,
) -> None:
    with capture() as report:
        for organisation in Organisation.objects.order_by("name"):
            list(organisation.person_relationships.values("person__live").annotate(n=Count("id")))
    finding = the_n_plus_one(report, "shapes.Organisation.person_relationships")
    assert 'its fields go through "person": prefetch "person_relationships__person" too' in (
        finding.hint
    )
    with capture() as report:
        for organisation in Organisation.objects.order_by("name"):
            list(
                organisation.person_relationships.values("role").annotate(
                    n=Count("id", filter=Q(person__live=True))
                )
            )
    finding = the_n_plus_one(report, "shapes.Organisation.person_relationships")
    assert "its fields go through" not in finding.hint


def test_values_counted_or_tested_per_row_get_the_count_and_exists_hints(
    organisations: None,
) -> None:
    with capture() as report:
        counts = {
            o.name: o.person_relationships.values_list("id").count()
            for o in Organisation.objects.all()
        }
    counted = the_n_plus_one(report, "shapes.Organisation.person_relationships")
    assert counted.fix == '.annotate(person_relationships_count=Count("person_relationships"))'
    assert "then read .person_relationships_count instead of .count()" in counted.hint
    with capture() as after:
        annotated = apply(Organisation.objects.all(), counted.fix)
        assert {o.name: o.person_relationships_count for o in annotated} == counts
    assert after.count == 1

    with capture() as report:
        for organisation in Organisation.objects.all():
            organisation.person_relationships.values_list("id").exists()
    tested = the_n_plus_one(report, "shapes.Organisation.person_relationships")
    assert tested.fix == '.prefetch_related("person_relationships")'
    assert (
        "then test whether .person_relationships.all() is empty instead of "
        '.person_relationships.values_list("id").exists()' in tested.hint
    )


def names_of(organisation: Organisation) -> list[str]:
    return list(organisation.person_relationships.values_list("person__name", flat=True))


def test_values_through_a_relation_say_to_prefetch_that_relation_too(organisations: None) -> None:
    before, finding = read_per_organisation(names_of)
    assert finding.fix == '.prefetch_related("person_relationships")'
    assert 'its fields go through "person": prefetch "person_relationships__person" too' in (
        finding.hint
    )

    def read(queryset: QuerySet[Organisation]) -> dict[str, list[str]]:
        return {o.name: [r.person.name for r in o.person_relationships.all()] for o in queryset}

    with capture() as after:
        queryset = apply(Organisation.objects.order_by("name"), finding.fix)
        assert read(queryset.prefetch_related("person_relationships__person")) == before
    assert after.n_plus_ones == []
    assert after.count == 3


def test_a_slice_read_as_values_is_quoted_as_code_that_runs(organisations: None) -> None:
    with capture() as report:
        for organisation in Organisation.objects.all():
            list(organisation.person_relationships.all()[:2].values_list("id", flat=True))
    finding = the_n_plus_one(report, "shapes.Organisation.person_relationships")
    assert '.person_relationships.all()[:2].values_list("id", flat=True)' in finding.hint
    assert ".person_relationships[:2]" not in finding.hint


def scores(organisation: Organisation) -> list[Any]:
    return list(organisation.person_relationships.annotate(n=Count("person")).values_list("n"))


def test_an_aggregate_read_as_values_is_not_taken_for_a_count_or_a_grouping(
    organisations: None,
) -> None:
    """``annotate(n=Count(...)).values_list("n")``: each row carries its own ``n`` (the
    aggregate comes before the values call), so the prefetched rows are read, not grouped."""
    before, finding = read_per_organisation(scores)
    assert ".count()" not in finding.hint
    assert "count with len" not in finding.hint
    assert "not their groups" not in finding.hint
    assert "take the values from each row" in finding.hint

    def read(queryset: QuerySet[Organisation]) -> dict[str, list[tuple[int]]]:
        rows = {o.name: o.prefetched_person_relationships for o in queryset}  # type: ignore[attr-defined]
        return {name: [(r.n,) for r in related] for name, related in rows.items()}

    fix_works_on_organisations(finding.fix, read, before)


def distinct_roles(organisation: Organisation) -> int:
    count: int = organisation.person_relationships.values_list("role").distinct().count()
    return count


def test_a_count_of_distinct_values_per_row_counts_the_groups_not_the_rows(
    organisations: None,
) -> None:
    PersonRelationship.objects.filter(pk__in=PersonRelationship.objects.order_by("pk")[:1]).update(
        role="y"
    )
    before, finding = read_per_organisation(distinct_roles)
    assert finding.fix == '.prefetch_related("person_relationships")'  # not a Count of rows
    assert "then count the distinct groups of the rows of .person_relationships.all()" in (
        finding.hint
    )

    def read(queryset: QuerySet[Organisation]) -> dict[str, int]:
        return {o.name: len({r.role for r in o.person_relationships.all()}) for o in queryset}

    fix_works_on_organisations(finding.fix, read, before)


def values_of(relationships: QuerySet[PersonRelationship], fields: tuple[str, ...]) -> Any:
    return list(
        relationships.values_list(*fields) if len(fields) > 1 else relationships.values(*fields)
    )


def read_through_one_helper(fields: tuple[str, ...]) -> Finding:
    with capture() as report:
        for organisation in Organisation.objects.order_by("name"):
            values_of(organisation.person_relationships.all(), fields)
    return the_n_plus_one(report, "shapes.Organisation.person_relationships")


def test_one_helper_reading_other_values_is_quoted_for_each_read() -> None:
    """The same helper line and the same listing, read with other values calls: each finding
    quotes its own (the relation cache keeps them apart)."""
    for number in range(ROWS):
        organisation = Organisation.objects.create(name=f"org {number}")
        PersonRelationship.objects.create(
            organisation=organisation, person=Person.objects.create(name=f"p{number}"), role="x"
        )
    assert '.person_relationships.values("role")' in read_through_one_helper(("role",)).hint
    assert '.person_relationships.values_list("id", "role")' in (
        read_through_one_helper(("id", "role")).hint
    )


def days_of(category: Category) -> list[Any]:
    return list(category.products.datetimes("created", "day"))


def test_dates_read_per_row_are_taken_from_the_prefetched_rows(shelves: None) -> None:
    """``datetimes()`` orders its values: a Prefetch may not use it (Django raises ValueError),
    so the rows are prefetched and the dates taken from them."""
    with capture() as report:
        before = {c.name: days_of(c) for c in Category.objects.order_by("name")}
    finding = the_n_plus_one(report, "shapes.Category.products")
    assert finding.fix == '.prefetch_related("products")'
    assert (
        'then compute what .products.datetimes("created", "day") gave from the rows of '
        ".products.all(), in Python" in finding.hint
    )

    def read(queryset: QuerySet[Category]) -> dict[str, list[Any]]:
        return {
            c.name: sorted(
                {
                    p.created.replace(hour=0, minute=0, second=0, microsecond=0)
                    for p in c.products.all()
                }
            )
            for c in queryset
        }

    with capture() as after:
        assert read(apply(Category.objects.order_by("name"), finding.fix)) == before
    assert after.n_plus_ones == [] and after.count == 2


def test_a_count_of_dates_per_row_counts_the_distinct_dates(shelves: None) -> None:
    with capture() as report:
        for category in Category.objects.order_by("name"):
            category.products.dates("created", "year").count()
    finding = the_n_plus_one(report, "shapes.Category.products")
    assert finding.fix == '.prefetch_related("products")'  # not a Count of the rows
    assert "then count the distinct groups of the rows of .products.all()" in finding.hint


# A library's function that reads values of the queryset it is given, as Wagtail's specific()
# reads "pk" and "content_type": compiled under a name that is not a project file.
LIBRARY: dict[str, Any] = {}
exec(
    compile(
        "def specific(queryset):\n    return [row for row in queryset.values('pk', 'role')]\n",
        "<a library>",
        "exec",
    ),
    LIBRARY,
)

# ... and the same function as a template filter of that library.
register = Library()
register.filter("specific", LIBRARY["specific"])


def test_a_librarys_own_values_read_is_never_quoted_as_the_projects(organisations: None) -> None:
    totals = {"a": 1}
    with capture() as report:
        for organisation in Organisation.objects.order_by("name"):
            for row in LIBRARY["specific"](organisation.person_relationships.all()):
                assert sum(totals.values()) and row
    finding = the_n_plus_one(report, "shapes.Organisation.person_relationships")
    assert ".values(" not in finding.hint


def test_values_read_in_a_template_are_taken_from_the_prefetched_rows(organisations: None) -> None:
    template = Template(
        "{% for o in organisations %}{% for r in o.person_relationships.values %}{{ r.id }}"
        "{% endfor %}{% endfor %}"
    )
    with capture() as report:
        template.render(Context({"organisations": Organisation.objects.order_by("name")}))
    finding = the_n_plus_one(report, "shapes.Organisation.person_relationships")
    assert finding.fix == '.prefetch_related("person_relationships")'
    assert "then take the values from the rows of .person_relationships.all()" in finding.hint


def test_a_lookup_or_an_aggregates_argument_is_not_a_relation_to_prefetch(shelves: None) -> None:
    with capture() as report:
        for category in Category.objects.order_by("name"):
            list(category.products.values("created__date").annotate(n=Count("label__id")))
    finding = the_n_plus_one(report, "shapes.Category.products")
    assert "its fields go through" not in finding.hint


def live_count(organisation: Organisation) -> int:
    count: int = organisation.person_relationships.values("id").filter(person__live=True).count()
    return count


def test_a_filter_after_values_narrows_the_prefetch_like_one_before(organisations: None) -> None:
    before, finding = read_per_organisation(live_count)
    assert finding.fix == LIVE_PREFETCH
    assert "then count with len(...prefetched_person_relationships)" in finding.hint

    def read(queryset: QuerySet[Organisation]) -> dict[str, int]:
        return {o.name: len(o.prefetched_person_relationships) for o in queryset}  # type: ignore[attr-defined]

    fix_works_on_organisations(finding.fix, read, before)


@pytest.mark.parametrize(
    "per_row",
    [
        lambda o: list(o.person_relationships.values_list("person", flat=True)),
        lambda o: list(o.person_relationships.values_list("person_id", flat=True)),
    ],
    ids=["person", "person_id"],
)
def test_a_foreign_key_read_as_its_value_needs_nothing_more_prefetched(
    organisations: None, per_row: Callable[[Organisation], list[int]]
) -> None:
    """The row holds the key's column: only a relation read through needs loading."""
    before, finding = read_per_organisation(per_row)
    assert "its fields go through" not in finding.hint
    assert finding.fix == '.prefetch_related("person_relationships")'

    def read(queryset: QuerySet[Organisation]) -> dict[str, list[int]]:
        return {o.name: [r.person_id for r in o.person_relationships.all()] for o in queryset}

    fix_works_on_organisations(finding.fix, read, before)


def first_role(organisation: Organisation) -> str:
    role: str = organisation.person_relationships.order_by("pk").values_list("role", flat=True)[0]
    return role


def test_an_index_after_values_stays_out_of_the_prefetch(organisations: None) -> None:
    """``values_list(...)[0]`` takes one value: a Prefetch's queryset cannot be indexed."""
    before, finding = read_per_organisation(first_role)
    assert finding.fix is not None and "[0]" not in finding.fix

    def read(queryset: QuerySet[Organisation]) -> dict[str, str]:
        return {o.name: o.prefetched_person_relationships[0].role for o in queryset}  # type: ignore[attr-defined]

    fix_works_on_organisations(finding.fix, read, before)


def test_a_librarys_values_read_from_a_template_filter_is_never_quoted(
    organisations: None,
) -> None:
    engine = Engine(libraries={"lib": "tests.query.test_shapes"})
    template = engine.from_string(
        "{% load lib %}{% for o in organisations %}"
        "{% for r in o.person_relationships.all|specific %}{{ r.pk }}{% endfor %}{% endfor %}"
    )
    with capture() as report:
        template.render(Context({"organisations": Organisation.objects.order_by("name")}))
    finding = the_n_plus_one(report, "shapes.Organisation.person_relationships")
    assert ".values(" not in finding.hint


def hint_works(
    per_row: Callable[[], None], relation: str, said: str, applied: Callable[[], None]
) -> None:
    """``per_row``'s N+1 on ``relation`` says ``said``; ``applied``, the loop with it done,
    runs three queries and no N+1."""
    with capture() as report:
        per_row()
    assert said in the_n_plus_one(report, relation).hint
    with capture() as after:
        applied()
    assert after.n_plus_ones == [] and after.count == 3


def test_a_reverse_relation_in_a_values_field_is_named_by_its_accessor(shelves: None) -> None:
    """``values_list("label__text")`` goes through the reverse relation ``label_set``: the path
    to prefetch is the accessor's, which prefetch_related() takes."""

    def per_row() -> None:
        for category in Category.objects.order_by("name"):
            list(category.products.values_list("label__text", flat=True))

    def applied() -> None:
        for category in Category.objects.prefetch_related("products__label_set"):
            for product in category.products.all():
                list(product.label_set.all())

    hint_works(per_row, "shapes.Category.products", 'prefetch "products__label_set" too', applied)


def test_a_projects_values_read_iterated_in_a_template_is_taken_from_the_rows(
    organisations: None,
) -> None:
    """A model property returns a values queryset built over two statements; the template
    iterates it. No library's code runs in between: the values read is the project's."""
    template = Template(
        "{% for o in organisations %}{% for role in o.roles %}{{ role }}{% endfor %}{% endfor %}"
    )
    with capture() as report:
        template.render(Context({"organisations": Organisation.objects.order_by("name")}))
    finding = the_n_plus_one(report, "shapes.Organisation.person_relationships")
    assert finding.fix == '.prefetch_related("person_relationships")'
    assert (
        "then take the values from the rows of .person_relationships.all() instead of "
        '.person_relationships.values_list("role", flat=True)' in finding.hint
    )


def test_a_reverse_one_to_one_read_as_a_value_is_loaded_too() -> None:
    """``account`` is not a column of the user's row: reading it from the prefetched users
    loads it per user unless it is prefetched too."""
    from django.contrib.auth.models import Group

    for number in range(ROWS):
        group = Group.objects.create(name=f"group {number}")
        user = User.objects.create(username=f"member{number}")
        Account.objects.create(user=user)
        user.groups.add(group)

    def per_row() -> None:
        for group in Group.objects.order_by("name"):
            list(group.user_set.values_list("account", flat=True))

    def applied() -> None:
        for group in Group.objects.order_by("name").prefetch_related("user_set__account"):
            assert [user.account.pk for user in group.user_set.all()]

    hint_works(per_row, "auth.Group.user_set", 'prefetch "user_set__account" too', applied)


def roles_in(organisation: Organisation) -> list[str]:
    return list(
        organisation.person_relationships.values_list("role", flat=True).filter(role__in=["x"])
    )


def test_a_filter_with_a_list_after_values_is_no_index(organisations: None) -> None:
    """``[...]`` inside an argument is a list, not an index of the values: the filter goes
    into the Prefetch."""
    before, finding = read_per_organisation(roles_in)
    assert finding.fix is not None and '.filter(role__in=["x"])' in finding.fix

    def read(queryset: QuerySet[Organisation]) -> dict[str, list[str]]:
        return {o.name: [r.role for r in o.prefetched_person_relationships] for o in queryset}  # type: ignore[attr-defined]

    fix_works_on_organisations(finding.fix, read, before)
