# Case: data migration reaching the model class through the app's models module
# (`from corpus import models as corpus_models`, then `corpus_models.Book`) instead of
# apps.get_model: the same mistake as 0018, written another common way.
# Expected: W504
from django.db import migrations

from corpus import models as corpus_models


def fill_slugs(apps, schema_editor):
    for book in corpus_models.Book.objects.filter(slug=""):
        book.slug = str(book.pk)
        book.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [("corpus", "0030_rename_series_keep_table")]

    operations = [
        migrations.RunPython(fill_slugs, reverse_code=migrations.RunPython.noop),
    ]
