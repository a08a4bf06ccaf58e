# A data migration on its own, reversible, reading the historical model through apps.
from typing import Any

from django.db import migrations


def headline_from_body(apps: Any, schema_editor: Any) -> None:
    review_model = apps.get_model("clean", "Review")
    for review in review_model.objects.filter(headline="").exclude(body=""):
        review.headline = review.body[:120]
        review.save(update_fields=["headline"])


class Migration(migrations.Migration):
    dependencies = [
        ("clean", "0004_review_headline"),
    ]

    operations = [
        migrations.RunPython(headline_from_body, reverse_code=migrations.RunPython.noop),
    ]
