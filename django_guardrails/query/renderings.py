"""What a query site was rendering, when an integration knows (a DRF serializer's field): the
hook through which an integration names the place and the fix of an N+1 that the core sees only
as a repeated query under library code.

The integration sets ``site.rendering`` from ``capture.on_repeated_site``; the core reads it
through this protocol only, and never imports the integration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django_guardrails.query.callsite import Callsite
    from django_guardrails.query.hints import Fix
    from django_guardrails.query.relations import Relation


class Rendering(Protocol):
    @property
    def label(self) -> str:
        """The dotted name findings carry: ``shop.serializers.InvoiceSerializer.customer``."""

    @property
    def inside(self) -> bool:
        """Whether the query's own line is in project code the renderer called."""

    def location(self) -> Callsite | None:
        """The line to report at when the query's own line is not the project's."""

    def fix(self, relation: Relation | None, sql: str, where: str) -> Fix:
        """The N+1's fix, written for where the renderer's rows come from."""


def rendering_of(site: Any) -> Rendering | None:
    return getattr(site, "rendering", None)


def callsite_of(site: Any) -> Callsite | None:
    """The line to report a site at: the renderer's line when the query's own line is not in
    code that the renderer called (the library's, or a view far above it)."""
    rendering = rendering_of(site)
    if rendering is not None and not rendering.inside:
        return rendering.location() or site.callsite
    return site.callsite  # type: ignore[no-any-return]
