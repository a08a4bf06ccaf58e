# Case: AddField NOT NULL without any default to a model created in the same migration (safe:
# the table is new and empty, no deployed code uses it).
# Expected: none
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corpus", "0004_book_status_db_default")]

    operations = [
        migrations.CreateModel(
            name="Review",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("book", models.ForeignKey(on_delete=models.deletion.CASCADE, to="corpus.book")),
            ],
        ),
        migrations.AddField("review", "score", models.IntegerField()),
    ]
