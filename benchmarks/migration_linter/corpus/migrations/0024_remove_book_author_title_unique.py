# Case: RemoveConstraint of a UniqueConstraint (drops its index without CONCURRENTLY).
# Expected on PostgreSQL: I506
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("corpus", "0023_book_author_title_unique")]

    operations = [
        migrations.RemoveConstraint("book", "book_author_title_uniq"),
    ]
