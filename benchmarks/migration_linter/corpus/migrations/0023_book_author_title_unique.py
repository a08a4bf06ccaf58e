# Case: AddConstraint of a UniqueConstraint (its unique index is built without CONCURRENTLY).
# Expected on PostgreSQL: I506
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corpus", "0022_remove_author_name_index")]

    operations = [
        migrations.AddConstraint(
            "book",
            models.UniqueConstraint(fields=["author", "title"], name="book_author_title_uniq"),
        ),
    ]
