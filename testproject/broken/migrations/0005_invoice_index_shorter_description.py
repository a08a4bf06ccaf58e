# Breaks W502 (a varchar shortened in place) and, on PostgreSQL, I506 (an index built without
# CONCURRENTLY locks writes to the invoice table).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("broken", "0004_refund_reason"),
    ]

    operations = [
        migrations.AlterField(
            model_name="lineitem",
            name="description",
            field=models.CharField(max_length=120),
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["created_at"], name="broken_invoice_created"),
        ),
    ]
