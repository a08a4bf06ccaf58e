"""8xx: the project's serializers and API views, on the testproject's broken and clean apps and
on a throwaway app."""

from __future__ import annotations

import pytest

pytest.importorskip("rest_framework", reason="an optional extra: django-guardrails[drf]")

import textwrap
from collections.abc import Callable
from pathlib import Path

from django.apps import apps
from django.test import override_settings

from django_guardrails.checks import drf, ids
from django_guardrails.checks.engine import CheckScope, run_guardrail_checks
from django_guardrails.checks.messages import GuardrailsMessage
from django_guardrails.conf import get_config
from django_guardrails.source.index import SOURCE

MakeApp = Callable[[str], Path]
TESTPROJECT = Path(__file__).resolve().parents[2] / "testproject"
BROKEN = TESTPROJECT / "broken"
CODES = {"guardrails.W801", "guardrails.W802", "guardrails.W803", "guardrails.W804"}


def scope(*labels: str, whole: bool = True) -> CheckScope:
    return CheckScope([apps.get_app_config(label) for label in labels], whole, get_config(), SOURCE)


def line_of(path: Path, text: str) -> int:
    [number] = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return number


def findings(label: str) -> list[GuardrailsMessage]:
    return [m for m in run_guardrail_checks([apps.get_app_config(label)]) if m.id in CODES]


def test_each_serializer_check_fires_on_the_broken_app_at_the_meta_line() -> None:
    serializers_py, api_py = BROKEN / "serializers.py", BROKEN / "api.py"
    found = {(str(m.id), getattr(m.obj, "name", ""), m.line) for m in findings("broken")}
    assert found == {
        (
            "guardrails.W801",
            "broken.serializers.InvoiceSerializer",
            line_of(serializers_py, 'fields = "__all__"'),
        ),
        (
            "guardrails.W802",
            "broken.serializers.CustomerSerializer",
            line_of(serializers_py, "exclude = "),
        ),
        (
            "guardrails.W803",
            "broken.serializers.RefundSerializer",
            line_of(serializers_py, "depth = 1"),
        ),
        (
            "guardrails.W804",
            "broken.api.InvoiceList",
            line_of(api_py, 'queryset = Invoice.objects.order_by("number")'),
        ),
    }


def test_whole_messages() -> None:
    by_code = {str(m.id): m for m in findings("broken")}
    assert by_code["guardrails.W801"].msg == (
        'Serializer broken.serializers.InvoiceSerializer has fields = "__all__": every column '
        "added to broken.Invoice is exposed, and writable."
    )
    assert by_code["guardrails.W801"].hint == (
        'List the fields it shows: fields = ["id", "customer", "line_count", "number", "total", '
        '"created_at"].'
    )
    assert by_code["guardrails.W802"].hint == (
        'List the fields it shows instead: fields = ["id", "name", "email"].'
    )
    assert by_code["guardrails.W804"].msg == (
        "View broken.api.InvoiceList lists Invoices without loading what InvoiceSerializer "
        "renders (customer): one query per row."
    )
    assert by_code["guardrails.W804"].hint == (
        'Add .select_related("customer") to InvoiceList.queryset.'
    )


def test_the_clean_app_is_silent() -> None:
    assert findings("clean") == []


def test_serializers_no_urlconf_imports_are_seen_and_w804_reads_nested_paths(
    make_app: MakeApp,
) -> None:
    models_py = make_app("")
    label = models_py.parent.name
    (models_py.parent / "serializers.py").write_text(
        textwrap.dedent(
            """
            from rest_framework import serializers

            from clean.models import Author, Book


            class AuthorSerializer(serializers.ModelSerializer):
                books = serializers.StringRelatedField(many=True)

                class Meta:
                    model = Author
                    fields = ["name", "books"]


            class BookSerializer(serializers.ModelSerializer):
                author = AuthorSerializer()
                publisher_name = serializers.CharField(source="publisher.name")

                class Meta:
                    model = Book
                    fields = ["title", "author", "publisher_name"]
            """
        )
    )
    assert [cls.__name__ for cls in drf.own_serializers(scope(label).app_configs)] == [
        "AuthorSerializer",
        "BookSerializer",
    ]
    from clean.models import Book
    from django_guardrails.integrations.drf_fields import missing_loads, required_loads

    module = __import__(f"{label}.serializers", fromlist=["BookSerializer"])
    loads = required_loads(module.BookSerializer())
    assert [(load.method, load.path) for load in loads] == [
        ("select_related", "author"),
        ("prefetch_related", "author__books"),
        ("select_related", "publisher"),
    ]
    queryset = Book.objects.select_related("author", "publisher")
    assert [load.path for load in missing_loads(queryset, loads)] == ["author__books"]
    assert missing_loads(queryset.prefetch_related("author__books"), loads) == []


def test_w808_fires_on_allow_any_under_deploy_only() -> None:
    allow_any = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"]}
    with override_settings(REST_FRAMEWORK=allow_any):
        [message] = drf.check_default_permission(scope("broken", "clean"))
        assert message.id == ids.W808.id
        assert message.msg == (
            'REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] is AllowAny: every API view that sets '
            "no permission_classes is open to anyone."
        )
        assert not [m for m in run_guardrail_checks(None) if m.id == ids.W808.id]
        assert [m for m in run_guardrail_checks(None, deploy=True) if m.id == ids.W808.id]
    with override_settings(REST_FRAMEWORK={}):  # DRF's own default is AllowAny
        assert [m.id for m in drf.check_default_permission(scope("broken"))] == [ids.W808.id]


def test_w808_is_silent_with_a_closing_default() -> None:
    assert list(drf.check_default_permission(scope("broken", "clean"))) == []
    assert list(drf.check_default_permission(scope("broken", whole=False))) == []
