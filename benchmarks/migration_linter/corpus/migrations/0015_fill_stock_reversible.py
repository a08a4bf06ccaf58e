# Case: RunPython with reverse_code and apps.get_model (safe counterpart of 0014).
# Expected: none
from django.db import migrations


def fill_stock(apps, schema_editor):
    Book = apps.get_model("corpus", "Book")
    Book.objects.filter(stock__lt=0).update(stock=0)


class Migration(migrations.Migration):
    dependencies = [("corpus", "0014_fill_editions_irreversible")]

    operations = [
        migrations.RunPython(fill_stock, reverse_code=migrations.RunPython.noop),
    ]
