"""A view that writes in a transaction: BEGIN, an INSERT, COMMIT, then reads."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from shapes.models import Chef


def write(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        Chef.objects.create(name="new")
        with transaction.atomic():  # a savepoint
            Chef.objects.create(name="newer")
    return HttpResponse(str(Chef.objects.count()))


urlpatterns = [path("write/", write)]
