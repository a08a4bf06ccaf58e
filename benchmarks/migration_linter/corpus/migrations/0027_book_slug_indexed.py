# Case: AlterField adding db_index=True to an existing field.
# Expected on PostgreSQL: I506
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corpus", "0026_book_printed_at_indexed")]

    operations = [
        migrations.AlterField(
            "book", "slug", models.CharField(db_index=True, default="", max_length=50)
        ),
    ]
