# Case: AlterField widening a CharField's max_length (20 to 32: a catalog-only change on
# PostgreSQL, every old value still fits; safe).
# Expected: none
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corpus", "0012_book_title_shorter")]

    operations = [
        migrations.AlterField("book", "isbn", models.CharField(default="", max_length=32)),
    ]
