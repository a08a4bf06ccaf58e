"""The demo project itself: seed data, the clean app's pages, and the settings modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from clean.models import Author, Book, Publisher
from testproject.settings.database import database_from_url

TESTPROJECT = Path(__file__).resolve().parents[1] / "testproject"


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for label in ("broken", "clean")
        for model in apps.get_app_config(label).get_models()
    }


@pytest.fixture
def book(db: None) -> Book:
    created: Book = Book.objects.create(
        title="The Test Title",
        slug="the-test-title",
        author=Author.objects.create(name="Test Author"),
        publisher=Publisher.objects.create(name="Test Press"),
    )
    return created


@pytest.mark.django_db
def test_seed_demo_is_idempotent() -> None:
    first_output = StringIO()
    call_command("seed_demo", stdout=first_output)
    counts = row_counts()
    assert all(counts.values()), counts
    assert "Created book 'Beloved'" in first_output.getvalue()

    second_output = StringIO()
    call_command("seed_demo", stdout=second_output)
    assert row_counts() == counts
    assert "nothing created" in second_output.getvalue()


def test_book_list_shows_every_book_in_one_query(
    client: Client, book: Book, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    Book.objects.create(
        title="A Second Title", slug="a-second-title", author=book.author, publisher=book.publisher
    )
    with django_assert_num_queries(1):
        response = client.get(reverse("clean:book_list"))
    assert response.status_code == 200
    assert book.title in response.content.decode()
    assert book.get_absolute_url() in response.content.decode()


def test_book_detail_is_found_by_slug(client: Client, book: Book) -> None:
    response = client.get(reverse("clean:book_detail", kwargs={"slug": book.slug}))
    assert response.status_code == 200
    content = response.content.decode()
    assert book.title in content
    assert "Test Author" in content


def test_book_detail_of_an_unknown_slug_is_404(client: Client, book: Book) -> None:
    response = client.get(reverse("clean:book_detail", kwargs={"slug": "no-such-book"}))
    assert response.status_code == 404


@pytest.mark.django_db
def test_broken_invoice_list_renders(client: Client) -> None:
    call_command("seed_demo", stdout=StringIO())
    response = client.get(reverse("broken:invoice_list"))
    assert response.status_code == 200
    assert "INV-0001" in response.content.decode()


def test_database_from_url_reads_every_part() -> None:
    assert database_from_url("postgres://alice:s%40cret@db.example.com:6543/shop") == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "alice",
        "PASSWORD": "s@cret",
        "HOST": "db.example.com",
        "PORT": "6543",
    }


@pytest.mark.parametrize(
    "url",
    [
        "postgres://postgres@/postgres?host=/tmp&port=54329",
        "postgresql://postgres@%2Ftmp:54329/postgres",
    ],
)
def test_database_from_url_accepts_a_socket_directory_as_host(url: str) -> None:
    database = database_from_url(url)
    assert database["HOST"] == "/tmp"
    assert database["PORT"] == "54329"
    assert database["USER"] == "postgres"
    assert database["PASSWORD"] == ""
    assert database["NAME"] == "postgres"
    assert "OPTIONS" not in database


def test_database_from_url_passes_other_parameters_as_options() -> None:
    database = database_from_url("postgres://db.example.com/shop?sslmode=require")
    assert database["OPTIONS"] == {"sslmode": "require"}
    assert database["PORT"] == ""


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("mysql://root@localhost/shop", "unsupported scheme 'mysql://'"),
        ("postgres://localhost", "names no database"),
        ("postgres://localhost:port/shop", "invalid port"),
    ],
)
def test_database_from_url_rejects_what_it_cannot_use(url: str, error: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=error):
        database_from_url(url)


def import_production_settings(**env: str) -> str:
    """Import the production settings in a fresh interpreter; its output or the error text."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "PYTHONPATH"}
    }
    code = (
        "import importlib, json\n"
        "from django.core.exceptions import ImproperlyConfigured\n"
        "try:\n"
        "    production = importlib.import_module('testproject.settings.production')\n"
        "except ImproperlyConfigured as error:\n"
        "    print('ImproperlyConfigured:', error)\n"
        "else:\n"
        "    print(json.dumps({'DEBUG': production.DEBUG, 'hosts': production.ALLOWED_HOSTS}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=TESTPROJECT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_settings_refuse_to_load_without_a_secret_key() -> None:
    output = import_production_settings()
    assert output.startswith("ImproperlyConfigured: ")
    assert "DJANGO_SECRET_KEY environment variable is not set" in output


def test_production_settings_read_the_environment() -> None:
    output = import_production_settings(
        DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="example.com, www.example.com,"
    )
    assert json.loads(output) == {"DEBUG": False, "hosts": ["example.com", "www.example.com"]}
