"""``manage.py seed_demo``: the demo's books and invoices, created once however often it runs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify

from broken.models import AuditEntry, Customer, Invoice, LineItem, Refund, Shipment
from clean.models import Author, AuthorProfile, Book, Note, Publisher, Review, Tag

PUBLISHERS = ("Penguin Classics", "Vintage Books")
AUTHORS = ("Ursula K. Le Guin", "Italo Calvino", "Toni Morrison")
# (title, author, publisher); a book's slug is its slugified title.
BOOKS = (
    ("The Left Hand of Darkness", "Ursula K. Le Guin", "Vintage Books"),
    ("The Dispossessed", "Ursula K. Le Guin", "Penguin Classics"),
    ("Invisible Cities", "Italo Calvino", "Vintage Books"),
    ("Beloved", "Toni Morrison", "Vintage Books"),
)
# (name, email)
CUSTOMERS = (("Ada Lovelace", "ada@example.com"), ("Grace Hopper", "grace@example.com"))
# (number, customer email, total, ((line item description, quantity), ...))
INVOICES = (
    ("INV-0001", "ada@example.com", "1200.00", (("Consulting, days", 4), ("Travel", 1))),
    ("INV-0002", "grace@example.com", "350.50", (("Support hours", 7),)),
    ("INV-0003", "ada@example.com", "99.00", (("Licence", 1),)),
)


def seed_catalogue() -> list[str]:
    """Create the clean app's publishers, authors and books; describe each row created."""
    created: list[str] = []
    publishers: dict[str, Publisher] = {}
    for name in PUBLISHERS:
        publishers[name], was_created = Publisher.objects.get_or_create(name=name)
        if was_created:
            created.append(f"publisher {name!r}")
    authors: dict[str, Author] = {}
    for name in AUTHORS:
        authors[name], was_created = Author.objects.get_or_create(name=name)
        if was_created:
            created.append(f"author {name!r}")
        _, was_created = AuthorProfile.objects.get_or_create(author=authors[name])
        if was_created:
            created.append(f"profile of {name!r}")
    tag, was_created = Tag.objects.get_or_create(name="fiction")
    if was_created:
        created.append("tag 'fiction'")
    for title, author, publisher in BOOKS:
        book, was_created = Book.objects.update_or_create(
            slug=slugify(title),
            defaults={
                "title": title,
                "author": authors[author],
                "publisher": publishers[publisher],
            },
        )
        if was_created:
            created.append(f"book {title!r}")
            book.tags.add(tag)
            Review.objects.create(book=book, stars=5)
            Note.objects.create(subject=book, text="Check the cover art.")
            created.append(f"review and note of {title!r}")
    return created


def seed_billing() -> list[str]:
    """Create the broken app's customers, invoices and line items; describe each row created."""
    created: list[str] = []
    customers: dict[str, Customer] = {}
    for name, email in CUSTOMERS:
        customers[email], was_created = Customer.objects.get_or_create(
            email=email, defaults={"name": name}
        )
        if was_created:
            created.append(f"customer {email!r}")
    for number, email, total, line_items in INVOICES:
        invoice, was_created = Invoice.objects.update_or_create(
            number=number, defaults={"customer": customers[email], "total": Decimal(total)}
        )
        if was_created:
            created.append(f"invoice {number!r}")
        for description, quantity in line_items:
            _, was_created = LineItem.objects.get_or_create(
                invoice=invoice, description=description, defaults={"quantity": quantity}
            )
            if was_created:
                created.append(f"line item {description!r} on {number}")
    refunded = Invoice.objects.get(number=INVOICES[0][0])
    _, was_created = Refund.objects.get_or_create(
        invoice=refunded, defaults={"amount": Decimal("10.00")}
    )
    if was_created:
        created.append(f"refund on {refunded.number}")
    if not Shipment.objects.filter(invoice=refunded).exists():
        Shipment.objects.create(invoice=refunded, carrier="dhl", tracking_code=None)
        created.append(f"shipment of {refunded.number}")
    _, was_created = AuditEntry.objects.get_or_create(action="seed_demo")
    if was_created:
        created.append("audit entry 'seed_demo'")
    return created


class Command(BaseCommand):
    """Seed the demo data; running it again creates nothing new."""

    help = "Create the demo's books (clean app) and invoices (broken app); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        """Seed both apps in one transaction and print each row created."""
        with transaction.atomic():
            created = seed_catalogue() + seed_billing()
        if options["verbosity"] == 0:
            return
        for description in created:
            self.stdout.write(f"Created {description}")
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo data seeded: {len(created)} rows created."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data already present: nothing created."))
