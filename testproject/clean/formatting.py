"""HTML helpers of the clean app: values are escaped before they are marked safe."""

from __future__ import annotations

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from clean.models import Author


def author_badge(author: Author) -> SafeString:
    """format_html escapes the name."""
    return format_html("<span class='badge'>{}</span>", author.name)


def divider() -> SafeString:
    """A literal is safe to mark."""
    return mark_safe("<hr class='divider'>")


def escaped_name(author: Author) -> SafeString:
    """Escaped first, then marked."""
    name = escape(author.name)
    return mark_safe(name)
