# Case: RemoveIndex without CONCURRENTLY (DROP INDEX takes an exclusive lock on PostgreSQL).
# Expected on PostgreSQL: I506
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("corpus", "0021_book_isbn_index_concurrently")]

    operations = [
        migrations.RemoveIndex("author", "author_name_idx"),
    ]
