# Case: AddField NOT NULL with a Python default= only (Django drops the DEFAULT after filling
# existing rows, so old code inserting without the column fails).
# Expected: W502
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corpus", "0002_book_published_on_nullable")]

    operations = [
        migrations.AddField("book", "edition", models.IntegerField(default=1)),
    ]
