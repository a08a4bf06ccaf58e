"""A URLconf whose API routes DRF's DefaultRouter builds, with integer lookups."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import include, path
from rest_framework import routers, viewsets
from rest_framework.response import Response


class PersonViewSet(viewsets.ViewSet):
    lookup_value_regex = r"\d+"

    def list(self, request: HttpRequest) -> Response:
        return Response([])

    def retrieve(self, request: HttpRequest, pk: str | None = None) -> Response:
        return Response({"pk": pk})


router = routers.DefaultRouter()
router.register(r"people", PersonViewSet, basename="person")  # W303 of /api/people/<pk>/

urlpatterns = [path("api/", include(router.urls))]
