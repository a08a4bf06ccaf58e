# Case: RunPython without reverse_code (uses apps.get_model; `migrate corpus 0013` then fails).
# Expected: W503
from django.db import migrations


def fill_editions(apps, schema_editor):
    Book = apps.get_model("corpus", "Book")
    Book.objects.filter(edition__lt=1).update(edition=1)


class Migration(migrations.Migration):
    dependencies = [("corpus", "0013_book_isbn_longer")]

    operations = [
        migrations.RunPython(fill_editions),
    ]
