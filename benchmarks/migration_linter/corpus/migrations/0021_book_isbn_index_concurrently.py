# Case: AddIndexConcurrently in an atomic = False migration (safe counterpart of 0020).
# Expected: none
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("corpus", "0020_author_name_index")]

    operations = [
        AddIndexConcurrently("book", models.Index(fields=["isbn"], name="book_isbn_idx")),
    ]
