# Case: one migration mixing a schema operation (AddField) with a data operation (RunPython,
# reversible, apps.get_model).
# Expected: W501
from django.db import migrations, models


def count_words(apps, schema_editor):
    Book = apps.get_model("corpus", "Book")
    for book in Book.objects.all():
        book.word_count = len(book.tagline.split())
        book.save(update_fields=["word_count"])


class Migration(migrations.Migration):
    dependencies = [("corpus", "0018_normalise_authors_imports_model")]

    operations = [
        migrations.AddField("book", "word_count", models.IntegerField(null=True)),
        migrations.RunPython(count_words, reverse_code=migrations.RunPython.noop),
    ]
