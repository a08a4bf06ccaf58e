# Case: AlterField shortening a CharField's max_length (200 to 150: old values may not fit).
# Expected: W502
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corpus", "0011_book_pages_bigint")]

    operations = [
        migrations.AlterField("book", "title", models.CharField(max_length=150)),
    ]
