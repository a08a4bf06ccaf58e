# Case: AlterUniqueTogether on an existing table (builds a unique index without CONCURRENTLY).
# Expected on PostgreSQL: I506
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("corpus", "0024_remove_book_author_title_unique")]

    operations = [
        migrations.AlterUniqueTogether("tag", {("label", "scope")}),
    ]
