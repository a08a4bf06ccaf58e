"""Request the demo's pages through Django's async test client (ASGI), with the guard on."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django.core.management.base import BaseCommand
from django.test import AsyncClient, override_settings
from django.urls import reverse

PAGES = ("broken:invoice_list", "broken:invoice_customers", "clean:book_list")


class Command(BaseCommand):
    help = "GET the demo pages (N+1s and their fixed versions) and show the guard's findings."

    def handle(self, *args: Any, **options: Any) -> None:
        """Each page's query count and N+1 count; the findings themselves are logged."""
        settings = {"DEBUG": True, "ALLOWED_HOSTS": ["testserver"], "GUARDRAILS": {"MODE": "log"}}
        with override_settings(**settings):
            client = AsyncClient()
            for name in PAGES:
                path = reverse(name)
                response = async_to_sync(client.get)(path)
                self.stdout.write(
                    f"GET {path} -> {response.status_code}: "
                    f"{response['X-Guardrails-Queries']} queries, "
                    f"{response['X-Guardrails-N-Plus-One']} N+1 site(s)"
                )
