"""The API endpoints, registered with the router apart from the URLconf that mounts it."""

from __future__ import annotations

from tests.urlconfs.endpoints import EndpointRouter
from tests.urlconfs.views import PersonEndpoint

api_router = EndpointRouter("api")

api_router.register_endpoint("persons", PersonEndpoint)  # W303 of /api/persons/<int:pk>/
