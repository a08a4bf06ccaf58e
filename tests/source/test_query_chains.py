from __future__ import annotations

import textwrap
from typing import Any

from django_guardrails.source.module import parse_module
from django_guardrails.source.query_chains import query_chains


def chains(code: str) -> list[list[Any]]:
    return query_chains(parse_module("/project/app/views.py", textwrap.dedent(code)))


def shapes(code: str) -> list[list[list[str]]]:
    return [chain[4] for chain in chains(code)]


def test_a_chain_is_read_once_with_its_fixed_lookups_in_order_of_writing() -> None:
    found = chains(
        """\
        from django.utils import timezone
        from .models import Article

        def index(request):
            return Article.objects.filter(status="published").exclude(
                featured=False, hidden=True
            ).annotate(n=Count("comments")).order_by("-pub_date")[:5]
        """
    )
    assert found == [
        [
            5,
            "Article",
            ".models.Article",
            "index",
            [
                ["filter", "status", "'published'"],
                ["exclude", "featured=False, hidden=True", ""],
                ["annotate", "n", "Count('comments')"],
            ],
        ]
    ]


def test_values_from_variables_and_keys_are_left_out() -> None:
    assert (
        shapes(
            """\
        from .models import Article

        def mine(request, pk, slug):
            Article.objects.filter(author=request.user, pk=pk, slug=slug)
            Article.objects.filter(id=1, pk__in=[1, 2])
            Article.objects.filter(author=request.user.get_author())
            Article.objects.exclude(author=request.user, hidden=True)
        """
        )
        == []
    )


def test_clock_calls_constants_and_q_objects_are_fixed() -> None:
    found = shapes(
        """\
        import datetime
        from django.db.models import Q
        from django.utils import timezone
        from django.utils.timezone import now
        from .models import Article, MAX_AGE

        def a(request):
            Article.objects.filter(pub_date__lte=timezone.now(), age__lt=MAX_AGE)
            Article.objects.filter(pub_date__lte=now())
            Article.objects.filter(Q(public=True) | Q(featured=True))
            Article.objects.filter(Q(featured=True) | Q(public=True))
            Article.objects.filter(Q(author=request.user) | Q(public=True))
            Article.objects.filter(created__gte=now() - datetime.timedelta(days=7))
            Article.objects.filter(status=Article.Status.PUBLISHED, kind=STATUS)
        """
    )
    assert found == [
        [["filter", "pub_date__lte", "now()"], ["filter", "age__lt", "MAX_AGE"]],
        [["filter", "pub_date__lte", "now()"]],
        [["filter", "BitOr(Q(featured=True), Q(public=True))", ""]],
        [["filter", "BitOr(Q(featured=True), Q(public=True))", ""]],
        [["filter", "created__gte", "Sub(now(), timedelta(days=7))"]],
        [["filter", "status", "Article.Status.PUBLISHED"], ["filter", "kind", "STATUS"]],
    ]


def test_bases_a_view_a_related_manager_a_variable_and_a_shortcut_know() -> None:
    found = chains(
        """\
        from django.shortcuts import get_object_or_404
        from . import models
        from .models import Article

        class Listing(ListView):
            queryset = models.Article.objects.all()

            def get_queryset(self):
                return super().get_queryset().filter(featured=True)

            def others(self):
                return self.model.objects.filter(featured=True), self.queryset.filter(a=1)

        def author_page(request, author):
            return author.article_set.filter(featured=True)

        def archive(request):
            articles = Article.objects.order_by("-pub_date")
            articles = articles.filter(year=2024)
            return get_object_or_404(articles, featured=True)

        def detail(request, slug):
            return get_object_or_404(Article, slug=slug, featured=True)

        def unknown(request, queryset):
            return queryset.filter(featured=True), request.GET.get("q")
        """
    )
    assert [(line, model, function) for line, model, _, function, _ in found] == [
        (9, "models.Article", "Listing.get_queryset"),
        (12, "models.Article", "Listing.others"),
        (12, "models.Article", "Listing.others"),
        (15, "related:article_set", "author_page"),
        (19, "Article", "archive"),
        (20, "Article", "archive"),
        (23, "Article", "detail"),
    ]


def test_chains_in_managers_and_querysets_and_on_rows_are_not_collected() -> None:
    assert (
        chains(
            """\
        from django.db import models

        class ArticleQuerySet(models.QuerySet):
            def published(self):
                return self.filter(status="published")

        class ArticleManager(models.Manager):
            def live(self):
                return Article.objects.filter(status="published")

        def row(request):
            return Article.objects.get(pk=1).get_children().filter(a=1)
        """
        )
        == []
    )
