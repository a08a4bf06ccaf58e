"""versioned_key(): label, primary key and version, escaped parts, CacheKeyError."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings

from broken.models import Customer
from clean.models import Author, Book, Publisher
from django_guardrails.cache import versioned_key
from django_guardrails.exceptions import CacheKeyError

UTC = datetime.timezone.utc
pytestmark = pytest.mark.django_db


def book() -> Book:
    author = Author.objects.create(name="Le Guin")
    publisher = Publisher.objects.create(name="Ace")
    row: Book = Book.objects.create(title="Lathe", slug="lathe", author=author, publisher=publisher)
    return row


def test_the_key_holds_label_pk_version_and_parts() -> None:
    row = book()
    row.updated_at = datetime.datetime(2024, 6, 10, 6, 13, 20, 123456, tzinfo=UTC)
    assert versioned_key(row, "summary", 2) == (
        f"guardrails:clean.book:{row.pk}:1718000000123456:summary:2"
    )
    assert versioned_key(row) == f"guardrails:clean.book:{row.pk}:1718000000123456"


def test_a_save_changes_the_key() -> None:
    row = book()
    before = versioned_key(row, "summary")
    row.title = "The Lathe of Heaven"
    row.save()
    assert versioned_key(row, "summary") != before
    assert versioned_key(Book.objects.get(pk=row.pk), "summary") == versioned_key(row, "summary")


def test_parts_are_escaped_and_long_keys_hashed() -> None:
    row = book()
    assert versioned_key(row, "a:b") != versioned_key(row, "a", "b")
    assert " " not in versioned_key(row, "two words")
    long = versioned_key(row, "x" * 500)
    assert len(long) <= 200 and long == versioned_key(row, "x" * 500)
    assert long != versioned_key(row, "y" * 500)


def test_another_version_field_from_settings() -> None:
    customer = Customer.objects.create(name="Ada", email="ada@example.com")
    with override_settings(GUARDRAILS={"CACHE_VERSION_FIELD": "created_at"}):
        key = versioned_key(customer, "card")
    assert key.startswith(f"guardrails:broken.customer:{customer.pk}:")
    assert key.endswith(":card")


def test_unsaved_or_unversioned_objects_raise() -> None:
    with pytest.raises(CacheKeyError, match="unsaved clean.Book"):
        versioned_key(Book(title="x"))
    customer = Customer.objects.create(name="Ada", email="ada@example.com")
    with pytest.raises(CacheKeyError, match="broken.Customer has no 'updated_at'"):
        versioned_key(customer)
    assert issubclass(CacheKeyError, ValueError)


def test_an_invalid_field_name_is_reported_and_falls_back() -> None:
    from django_guardrails.conf import get_config

    with override_settings(GUARDRAILS={"CACHE_VERSION_FIELD": "not a name"}):
        assert get_config().cache_version_field == "updated_at"
