from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from django.core.checks import CheckMessage
from django.test import override_settings

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import guarded
from django_guardrails.checks.framework.messages import (
    GuardrailsMessage,
    SourceLocation,
    display_path,
)
from django_guardrails.checks.models.repeated_queries import check_repeated_queries
from tests.conftest import MakeApp

MODELS = """\
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"

    title = models.CharField(max_length=200)
    slug = models.SlugField()
    status = models.CharField(max_length=20, choices=Status.choices)
    pub_date = models.DateTimeField()
    featured = models.BooleanField(default=False)
    author = models.ForeignKey(Author, models.CASCADE, related_name="articles")
"""


def i210(*, baseline: bool = False) -> list[CheckMessage]:
    """The check as the engine runs it: inline ignores applied, and the baseline if asked."""
    return [m for m in guarded(check_repeated_queries)() if m.id == ids.I210.id]


def write(package: Path, name: str, source: str) -> Path:
    path = package / name
    path.parent.mkdir(parents=True, exist_ok=True)
    for parent in path.relative_to(package).parents:
        (package / parent / "__init__.py").touch()
    path.write_text(textwrap.dedent(source))
    return path


def places(message: CheckMessage) -> list[str]:
    return message.msg.split("places: ")[1].rstrip(".").split(", ")


def test_fires_on_one_filter_written_in_three_modules(make_app: MakeApp) -> None:
    package = make_app(MODELS).parent
    views = write(
        package,
        "views.py",
        """\
        from django.shortcuts import render
        from django.utils import timezone

        from .models import Article


        def article_list(request):
            articles = Article.objects.filter(status="published", pub_date__lte=timezone.now())
            return render(request, "list.html", {"articles": articles})
        """,
    )
    feeds = write(
        package,
        "feeds.py",
        """\
        from django.utils.timezone import now

        from .models import Article


        def latest():
            return Article.objects.filter(pub_date__lte=now(), status="published").order_by(
                "-pub_date"
            )[:10]
        """,
    )
    tags = write(
        package,
        "templatetags/blog_tags.py",
        """\
        from django import template
        from django.utils import timezone

        from ..models import Article

        register = template.Library()


        @register.simple_tag
        def featured_articles(author):
            return (
                Article.objects.filter(status="published")
                .filter(featured=True, author=author)
                .filter(pub_date__lte=timezone.now())
            )
        """,
    )
    [message] = i210()
    assert message == ids.I210.message(
        "Article.objects.filter(pub_date__lte=now(), status='published') is written in 3 "
        f"places: {display_path(str(feeds))}:7, {display_path(str(tags))}:12, "
        f"{display_path(str(views))}:8.",
        hint="Write class ArticleQuerySet(models.QuerySet) with the method published() returning "
        "this filter, set objects = ArticleQuerySet.as_manager() on Article, and call "
        "Article.objects.published() in each place.",
        obj=SourceLocation(str(feeds), 7, "Article.objects.published()"),
    )
    assert isinstance(message, GuardrailsMessage)
    assert (message.file, message.line) == (str(feeds), 7)


def marked(path: Path) -> list[str]:
    """``path:line`` of each line marked ``# here``."""
    lines = path.read_text().splitlines()
    return [f"{display_path(str(path))}:{n}" for n, text in enumerate(lines, 1) if "# here" in text]


def test_follows_views_related_managers_variables_and_shortcuts(make_app: MakeApp) -> None:
    package = make_app(MODELS).parent
    views = write(
        package,
        "views.py",
        """\
        from django.shortcuts import get_object_or_404
        from django.views.generic import ListView

        from . import models
        from .models import Article, Author


        class ArticleList(ListView):
            model = Article

            def get_queryset(self):
                # A constant's name is not its value: not the same text as "published".
                return super().get_queryset().filter(status=Article.Status.PUBLISHED)


        class FeaturedList(ListView):
            queryset = Article.objects.select_related("author")

            def get_queryset(self):
                return self.queryset.filter(featured=True, status="published")  # here


        def author_articles(request, pk):
            author = get_object_or_404(models.Author, pk=pk)
            return author.articles.filter(status="published")  # here


        def archive(request, year):
            articles = Article.objects.all()
            articles = articles.filter(pub_date__year=year)
            return articles.filter(status="published")  # here


        def detail(request, slug):
            return get_object_or_404(Article, slug=slug, status="published")  # here
        """,
    )
    [message] = i210()
    assert message.msg == (
        f"Article.objects.filter(status='published') is written in 4 places: "
        f"{', '.join(marked(views))}."
    )
    assert "Article.objects.published()" in (message.hint or "")


def test_names_the_method_from_flags_and_constants(make_app: MakeApp) -> None:
    package = make_app(MODELS).parent
    write(
        package,
        "reports.py",
        """\
        from .models import Article, Author


        def one():
            return Author.objects.filter(is_active=True)


        def two():
            return list(Author.objects.filter(is_active=True).values_list("name", flat=True))


        def three(name):
            return Author.objects.filter(name=name, is_active=True).exists()


        class Report:
            def rows(self):
                return Article.objects.filter(status=Article.Status.DRAFT)

            def count(self):
                return Article.objects.filter(status=Article.Status.DRAFT).count()

            def first(self):
                return Article.objects.filter(status=Article.Status.DRAFT).first()
        """,
    )
    found = {m.msg.split(" is written")[0]: m.hint or "" for m in i210()}
    assert set(found) == {
        "Author.objects.filter(is_active=True)",
        "Article.objects.filter(status=Article.Status.DRAFT)",
    }
    assert "Author.objects.active()" in found["Author.objects.filter(is_active=True)"]
    assert "Article.objects.draft()" in found["Article.objects.filter(status=Article.Status.DRAFT)"]


def test_an_existing_queryset_class_is_named_in_the_fix(make_app: MakeApp) -> None:
    package = make_app(
        MODELS.replace(
            "class Article(models.Model):",
            "class ArticleQuerySet(models.QuerySet):\n"
            "    def visible(self):\n"
            "        return self.filter(featured=True)\n\n\n"
            "class Article(models.Model):\n"
            "    objects = ArticleQuerySet.as_manager()\n",
        )
    ).parent
    write(
        package,
        "views.py",
        """\
        from .models import Article

        def a(request):
            return Article.objects.visible().exclude(status="draft")

        def b(request):
            return Article.objects.exclude(status="draft")

        def c(request):
            return Article.objects.exclude(status="draft").filter(featured=True)
        """,
    )
    [message] = i210()
    assert message.hint == (
        "Add the method not_draft() to ArticleQuerySet and call Article.objects.not_draft() "
        "in each place."
    )


def test_silent_on_variables_keys_query_classes_and_own_methods(make_app: MakeApp) -> None:
    package = make_app(
        MODELS
        + """

class ArticleManager(models.Manager):
    def published(self):
        return self.filter(status="published")

    def recent(self):
        return self.filter(status="published").order_by("-pub_date")


class PublishedQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status="published")
"""
    ).parent
    write(
        package,
        "views.py",
        """\
        from django.contrib.auth.models import User

        from .models import Article


        def mine(request):
            return Article.objects.filter(author=request.user.author)


        def by_author(request, author):
            return Article.objects.filter(author=author).order_by("title")


        def first_row(request):
            return Article.objects.filter(pk=1), Article.objects.filter(id__in=[1, 2])


        def others(request):
            return Article.objects.filter(author=request.user.author), Article.objects.get(pk=1)


        def live(request):
            return Article.objects.published(), Article.objects.published()


        def staff(request):
            return User.objects.filter(is_active=True)  # not a model of the project's own


        def staff_again(request):
            return User.objects.filter(is_active=True), User.objects.filter(is_active=True)


        def settings_lookups(request):
            data = request.GET.get("q"), request.session.get("x")
            return data
        """,
    )
    assert i210() == []


def test_silent_on_two_places_one_function_and_files_not_judged(make_app: MakeApp) -> None:
    package = make_app(MODELS).parent
    query = 'Article.objects.filter(status="published")'

    def views(*functions: str) -> None:
        body = "".join(
            f"\n\ndef {name}(request):\n    return {chains}\n"
            for name, chains in (function.split(":") for function in functions)
        )
        write(package, "views.py", "from .models import Article\n" + body)

    for name in ("tests/test_views.py", "migrations/0002_data.py", "test_more.py", "conftest.py"):
        write(
            package, name, f"from {package.name}.models import Article\n\n\ndef t():\n    {query}\n"
        )
    views(f"a:{query}", f"b:{query}")
    assert i210() == []  # two places; the copies in tests and migrations are not counted
    views(f"a:{query}, {query}.count(), {query}.first()")
    assert i210() == []  # three times in one function: a local variable's job
    views(f"a:{query}, {query}.count()", f"b:{query}")
    assert [len(places(m)) for m in i210()] == [3]


def test_a_chain_holding_a_reported_one_is_not_reported_again(make_app: MakeApp) -> None:
    package = make_app(MODELS).parent
    write(
        package,
        "views.py",
        """\
        from .models import Article


        def a(request):
            return Article.objects.filter(status="published", featured=True)


        def b(request):
            return Article.objects.filter(featured=True, status="published")


        def c(request):
            return Article.objects.filter(status="published", featured=True).count()


        def d(request):
            return Article.objects.filter(status="published")
        """,
    )
    [message] = i210()
    assert message.msg.startswith("Article.objects.filter(status='published') is written in 4")


def test_inline_ignore_and_baseline(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = make_app(MODELS).parent
    body = """\
        from .models import Article


        def a(request):
            {comment}return Article.objects.filter(featured=True)


        def b(request):
            return Article.objects.filter(featured=True)


        def c(request):
            return Article.objects.filter(featured=True)
        """
    write(package, "views.py", body.format(comment=""))
    [message] = i210()
    assert message.msg.startswith("Article.objects.filter(featured=True) is written in 3")
    ignored = "# guardrails: ignore[I210] -- one query per page, by design\n    "
    write(package, "views.py", body.format(comment=ignored))
    assert i210() == []

    write(package, "views.py", body.format(comment=""))
    baseline_file = tmp_path / "baseline.json"
    from django_guardrails.checks.framework import baseline

    with override_settings(GUARDRAILS={"BASELINE": str(baseline_file)}):
        assert baseline.write(baseline_file, i210()).recorded == 1
        assert json.loads(baseline_file.read_text())["findings"][0]["obj"] == (
            "Article.objects.featured()"
        )
        assert i210() == []
