from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from django_guardrails.checks import ids
from django_guardrails.checks.engine import run_guardrail_checks
from django_guardrails.checks.messages import GuardrailsMessage
from django_guardrails.checks.security.csrf import _is_drf_view
from django_guardrails.checks.security.templates import _findings


def findings(check_id: ids.CheckId, app_label: str) -> list[GuardrailsMessage]:
    app_configs = [apps.get_app_config(app_label)]
    return [m for m in run_guardrail_checks(app_configs) if m.id == check_id.id]


def test_w604_names_the_exempt_view_and_its_url() -> None:
    import broken.views

    [message] = findings(ids.W604, "broken")
    assert message.msg == (
        "View payment_webhook is csrf_exempt and reachable at /broken/webhooks/payment/: "
        "its POSTs skip CSRF protection."
    )
    assert message.file == broken.views.__file__
    lines = Path(broken.views.__file__).read_text().splitlines()
    assert message.line is not None
    assert lines[message.line - 1].startswith("def payment_webhook(")


def test_w604_silent_on_the_clean_app_and_on_drf_views() -> None:
    assert findings(ids.W604, "clean") == []
    api_view = type("APIView", (), {"__module__": "rest_framework.views"})
    own_view = type("BookList", (api_view,), {"__module__": "clean.api"})

    def callback() -> None: ...

    callback.cls = own_view  # type: ignore[attr-defined]
    assert _is_drf_view(callback)
    callback.cls = type("Plain", (), {})  # type: ignore[attr-defined]
    assert not _is_drf_view(callback)


@pytest.mark.django_db
def test_the_exempt_view_really_takes_a_post_without_a_token() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("broken:payment_webhook")).status_code == 204


def test_w603_fires_on_autoescape_off_and_safe_on_a_variable() -> None:
    found = sorted((m.line, m.msg) for m in findings(ids.W603, "broken"))
    assert [line for line, _ in found] == [5, 6]
    assert "({% autoescape off %})" in found[0][1]
    assert "(|safe on {{ message }})" in found[1][1]


def test_w603_silent_on_the_clean_app_and_on_literals() -> None:
    assert findings(ids.W603, "clean") == []
    assert list(_findings('{{ "&copy;"|safe }} {{ name|upper }} {% autoescape on %}')) == []
    assert [what for _, what in _findings("{{ items|safeseq|join:', ' }}")] == [
        "|safeseq on {{ items }}"
    ]


def test_w606_fires_on_a_post_form_without_a_token() -> None:
    [message] = findings(ids.W606, "broken")
    assert message.file is not None and message.file.endswith("broken/refund_form.html")
    assert message.line == 5
    assert message.hint == "Add {% csrf_token %} inside the <form>."


def test_w606_silent_with_a_token_offsite_or_get() -> None:
    assert findings(ids.W606, "clean") == []


def test_i605_fires_on_a_view_with_an_unhandled_get() -> None:
    import broken.views

    [message] = findings(ids.I605, "broken")
    assert message.msg == (
        "invoice_detail() looks a row up with Invoice.objects.get(): a missing row becomes "
        "a 500 error."
    )
    assert message.file == broken.views.__file__
    assert "get_object_or_404(Invoice, ...)" in str(message.hint)


def test_i605_silent_on_get_object_or_404_and_handled_misses(
    make_app: Callable[[str], Path],
) -> None:
    assert findings(ids.I605, "clean") == []
    models_py = make_app(
        """\
        from django.core.exceptions import ObjectDoesNotExist
        from django.db import models


        class Thing(models.Model):
            def __str__(self):
                return "thing"


        def helper(pk):
            return Thing.objects.get(pk=pk)  # not a view


        def view(request, pk):
            try:
                Thing.objects.get(pk=pk)
            except (ValueError, ObjectDoesNotExist):
                pass
            return Thing.objects.get(pk=pk)  # fires


        class Detail:
            def get(self, request, pk):
                return Thing.objects.get(pk=pk)  # fires
        """
    )
    lines = [
        m.line for m in run_guardrail_checks() if m.id == ids.I605.id and m.file == str(models_py)
    ]
    assert sorted(line or 0 for line in lines) == [19, 24]


def test_i605_finds_a_get_wherever_it_stands_in_the_view(make_app: Callable[[str], Path]) -> None:
    models_py = make_app(
        """\
        from django.db import models


        class Thing(models.Model):
            def __str__(self):
                return "thing"


        def first(request, pk):
            def inner():
                return Thing.objects.get(pk=pk)  # a nested function is not the view
            return inner


        def last(request, pk):
            return (
                Thing  # fires here, where the call starts
                .objects
                .get(pk=pk)
            )
        """
    )
    lines = [
        m.line for m in run_guardrail_checks() if m.id == ids.I605.id and m.file == str(models_py)
    ]
    assert lines == [17]


@pytest.mark.django_db
def test_the_missing_row_really_is_a_500_and_the_clean_one_is_not() -> None:
    client = Client(raise_request_exception=False)
    assert client.get(reverse("broken:invoice_detail", args=["nope"])).status_code == 500
    assert client.get(reverse("clean:author_books", args=["nobody"])).status_code == 200
