# Case: AlterField changing the column type (integer to bigint rewrites the table under lock).
# Expected: W502
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corpus", "0010_book_stock_not_null")]

    operations = [
        migrations.AlterField("book", "pages", models.BigIntegerField(null=True)),
    ]
