# Case: AddField NOT NULL with db_default= (safe: the column keeps its DEFAULT in the database).
# Expected: none
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corpus", "0003_book_edition_not_null_default")]

    operations = [
        migrations.AddField("book", "status", models.CharField(db_default="draft", max_length=20)),
    ]
