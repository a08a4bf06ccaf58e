# Case: AddIndex without CONCURRENTLY (CREATE INDEX blocks writes on PostgreSQL).
# Expected on PostgreSQL: I506
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corpus", "0019_book_word_count_mixed")]

    operations = [
        migrations.AddIndex("author", models.Index(fields=["name"], name="author_name_idx")),
    ]
