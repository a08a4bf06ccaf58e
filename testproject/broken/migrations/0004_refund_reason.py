# Breaks W501 (schema and data in one migration), W502 (a NOT NULL column without db_default),
# W503 (RunPython without reverse_code) and W504 (the model class imported directly).
from typing import Any

from django.db import migrations, models

from broken.models import Refund


def give_every_refund_a_reason(apps: Any, schema_editor: Any) -> None:
    Refund.objects.filter(reason="").update(reason="unknown")


class Migration(migrations.Migration):
    dependencies = [
        ("broken", "0003_shipment"),
    ]

    operations = [
        migrations.AddField(
            model_name="refund",
            name="reason",
            field=models.CharField(default="", max_length=200),
        ),
        migrations.RunPython(give_every_refund_a_reason),
    ]
