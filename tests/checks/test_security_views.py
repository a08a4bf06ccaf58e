from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client, override_settings
from django.urls import reverse

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage
from django_guardrails.checks.security.csrf import _is_drf_view
from django_guardrails.checks.security.templates import _findings

MakeApp = Callable[[str], Path]


def findings(check_id: ids.CheckId, app_label: str) -> list[GuardrailsMessage]:
    app_configs = [apps.get_app_config(app_label)]
    return [m for m in run_guardrail_checks(app_configs) if m.id == check_id.id]


def test_w604_names_the_exempt_view_and_its_url() -> None:
    import broken.views

    [message] = findings(ids.W604, "broken")
    assert message.msg == (
        "View payment_webhook is csrf_exempt and reachable at /broken/webhooks/payment/: "
        "its POSTs skip CSRF protection, and it may act on the session or user of the browser "
        "calling it."
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


EXEMPT_VIEWS = """\
import hmac
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


def api_key_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.headers.get("X-Api-Key") != "k":
            return HttpResponse(status=401)
        return view(request, *args, **kwargs)

    return wrapper


def as_account(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.account = request.user.account
        return view(request, *args, **kwargs)

    return wrapper


def _answer(request, text):
    return render(request, "answer.html", {"text": text})


def _owner(request):
    return request.user


@csrf_exempt
@require_POST
def ping(request, token):
    return HttpResponse("OK" if hmac.compare_digest(token, "t") else "no")


@csrf_exempt
@api_key_required
def create(request):
    return _answer(request, request.body.decode())


@csrf_exempt
def profile(request):  # fires
    request.user.first_name = request.POST["name"]
    return HttpResponse()


@csrf_exempt
def rename(request):  # fires
    _owner(request).save()
    return HttpResponse()


@csrf_exempt
@as_account
def settle(request):  # fires
    return JsonResponse({})


@csrf_exempt
@login_required
def notes(request):  # fires
    return HttpResponse()


@csrf_exempt
def forward(request):  # fires
    return JsonResponse(request.META.get("HTTP_COOKIE", ""), safe=False)
"""

EXEMPT_URLS = """\
from django.urls import path

from . import views

urlpatterns = [
    path("ping/<str:token>/", views.ping),
    path("create/", views.create),
    path("profile/", views.profile),
    path("rename/", views.rename),
    path("settle/", views.settle),
    path("notes/", views.notes),
    path("forward/", views.forward),
]
"""


def test_w604_fires_only_on_exempt_views_that_may_use_the_session(make_app: MakeApp) -> None:
    package = make_app("").parent
    views = package / "views.py"
    views.write_text(EXEMPT_VIEWS)
    (package / "urls.py").write_text(EXEMPT_URLS)
    with override_settings(ROOT_URLCONF=f"{package.name}.urls"):
        found = sorted(
            (m.line, m.msg, m.hint)
            for m in run_guardrail_checks()
            if m.id == ids.W604.id and m.file == str(views)
        )
    fired = [n for n, line in enumerate(views.read_text().splitlines(), 1) if "# fires" in line]
    assert [line for line, _, _ in found] == fired
    assert found[0][1].startswith("View profile is csrf_exempt and reachable at /profile/: ")
    assert "API key, a signature or a secret in the URL, CSRF does not apply" in str(found[0][2])


RENDERING_VIEWS = """\
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import DetailView, TemplateView, UpdateView
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Order


@csrf_exempt
def unsubscribe(request, token):  # a signed link authenticates it
    return render(request, "LABEL/function.html")


@method_decorator(csrf_exempt, name="dispatch")
class Hook(TemplateView):
    template_name = "LABEL/method_decorator.html"


class Wrapped(TemplateView):
    template_name = "LABEL/wrapped.html"


def flagged(request):
    return render(request, "LABEL/attribute.html")


flagged.csrf_exempt = True


@csrf_exempt
def shared_exempt(request):
    return render(request, "LABEL/shared.html")


def shared(request):
    return render(request, "LABEL/shared.html")


@csrf_exempt
def helped(request):
    return render(request, "LABEL/helper.html")


def mail_body():
    return render_to_string("LABEL/helper.html")


@csrf_exempt
def elsewhere(request):
    return render(request, "LABEL/elsewhere.html")


@csrf_exempt
def included(request):
    return render(request, "LABEL/included.html")


class OrderUpdate(UpdateView):  # renders LABEL/order_form.html, Django's name for it
    model = Order
    fields = ["title"]


@csrf_exempt
def order_preview(request):
    return render(request, "LABEL/order_form.html")


class OrderPage(DetailView):  # its own get_template_names(): not order_detail.html
    model = Order

    def get_template_names(self):
        return ["LABEL/order_page.html"]


@csrf_exempt
def order_receipt(request):
    return render(request, "LABEL/order_detail.html")


class DrfPage(APIView):  # as_view() marks it csrf_exempt; SessionAuthentication checks
    renderer_classes = [TemplateHTMLRenderer]
    template_name = "LABEL/drf.html"

    def get(self, request):
        return Response({})
"""

RENDERING_URLS = """\
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from . import views

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe),
    path("hook/", views.Hook.as_view()),
    path("wrapped/", csrf_exempt(views.Wrapped.as_view())),
    path("flagged/", views.flagged),
    path("shared-exempt/", views.shared_exempt),
    path("shared/", views.shared),
    path("helped/", views.helped),
    path("elsewhere/", views.elsewhere, name="elsewhere"),
    path("included/", views.included),
    path("orders/<int:pk>/edit/", views.OrderUpdate.as_view()),
    path("orders/preview/", views.order_preview),
    path("drf/", views.DrfPage.as_view()),
    path("orders/<int:pk>/", views.OrderPage.as_view()),
    path("orders/receipt/", views.order_receipt),
]
"""

POST_BACK_FORM = (
    '<p>Unsubscribe?</p>\n<form id="form" method="post">\n  <button>Go</button>\n</form>\n'
)


def test_w606_silent_on_forms_that_only_csrf_exempt_views_render_and_post_to(
    make_app: MakeApp,
) -> None:
    pytest.importorskip("rest_framework")
    package = make_app(
        "from django.db import models\n\n\nclass Order(models.Model):\n"
        "    title = models.CharField(max_length=20)\n\n"
        "    def __str__(self) -> str:\n        return self.title\n"
    ).parent
    label = package.name
    (package / "views.py").write_text(RENDERING_VIEWS.replace("LABEL", label))
    (package / "urls.py").write_text(RENDERING_URLS)
    templates = package / "templates" / label
    templates.mkdir(parents=True)
    for name in (
        "function",
        "method_decorator",
        "wrapped",
        "attribute",
        "shared",
        "helper",
        "order_form",
        "drf",
        "order_detail",
    ):
        (templates / f"{name}.html").write_text(POST_BACK_FORM)
    (templates / "nobody.html").write_text(POST_BACK_FORM)  # no view names it
    (templates / "included.html").write_text(POST_BACK_FORM)
    (templates / "page.html").write_text(f'{{% include "{label}/included.html" %}}\n')
    (templates / "elsewhere.html").write_text(
        '<form method="post" action="{% url \'elsewhere\' %}">\n  <button>Go</button>\n</form>\n'
    )
    with override_settings(ROOT_URLCONF=f"{package.name}.urls"):
        found = sorted(
            (Path(m.file).stem, m.line)
            for m in run_guardrail_checks()
            if m.id == ids.W606.id and m.file and m.file.startswith(str(templates))
        )
    # Each exempt view renders its template, and nothing else does: no 403 comes.
    # Still reported: a template that a protected view renders too, or that other code names
    # (a mail body: who renders it cannot be told), or that no view names, or that another
    # template includes; a form that posts to another URL, whose view is not the one rendering.
    # So is one a protected generic view renders by the name Django derives, and one a DRF
    # view renders (its as_view() marks it exempt; SessionAuthentication checks the token).
    assert found == [
        ("drf", 2),
        ("elsewhere", 1),
        ("helper", 2),
        ("included", 2),
        ("nobody", 2),
        ("order_form", 2),
        ("shared", 2),
    ]
