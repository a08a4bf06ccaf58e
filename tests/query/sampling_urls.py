"""Views for the sampling, structured-log and OpenTelemetry tests: one that says whether a unit
of work watches it, one N+1 whose queries carry a secret parameter and an inline literal, and a
password-reset-shaped URL whose token must never be shown."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path

from broken.models import Customer, Invoice
from django_guardrails.query import state

# Values that must never leave the process: a parameter, and a literal written into the SQL.
SECRET_PARAMETER = "sk_live_51SamplingSecretParam00000000000"
SECRET_LITERAL = "hunter2-literal-in-sql"


def watched(request: HttpRequest) -> JsonResponse:
    """Whether a unit of work is current while the view runs (what the execute wrapper sees)."""
    list(Customer.objects.all()[:1])
    return JsonResponse({"watched": state.current.get() is not None})


def secret_lookups(request: HttpRequest) -> HttpResponse:
    """An N+1: per invoice, a customer looked up by a secret and an inline literal."""
    names = []
    for invoice in Invoice.objects.order_by("number"):
        customer = (
            Customer.objects.filter(pk=invoice.customer_id)
            .exclude(email=SECRET_PARAMETER)
            .extra(where=[f"name <> '{SECRET_LITERAL}'"])
            .first()
        )
        names.append(customer.name if customer else "")
    return HttpResponse(", ".join(names))


def reset(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Each invoice's customer, one query per row, under a URL that carries a token."""
    return HttpResponse(", ".join(i.customer.name for i in Invoice.objects.order_by("number")))


urlpatterns = [
    path("watched/", watched),
    path("api/watched/", watched),
    path("api/internal/watched/", watched),
    path("secret/", secret_lookups),
    path("reset/<uidb64>/<token>/", reset, name="reset"),
    path("", include("testproject.urls")),
]
