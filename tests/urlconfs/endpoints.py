"""A router of the shape of Wagtail's API router: each endpoint's routes are built here, from
the view class registered under a name, so no URLconf of the project writes them."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, include, path, re_path


class EndpointRouter:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._endpoints: dict[str, Any] = {}

    def register_endpoint(self, name: str, view_class: Any) -> None:
        self._endpoints[name] = view_class

    def _endpoint(self, view_class: Any) -> list[URLPattern]:
        return [
            path("", view_class.as_view(), name="listing"),
            path("<int:pk>/", view_class.as_view(), name="detail"),
        ]

    @property
    def urls(self) -> tuple[list[URLResolver], str, str]:
        patterns = [
            re_path(rf"^{name}/", include((self._endpoint(view), name), namespace=name))
            for name, view in self._endpoints.items()
        ]
        return patterns, self.namespace, self.namespace
