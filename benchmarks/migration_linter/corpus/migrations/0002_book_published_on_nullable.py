# Case: AddField of a nullable column (safe: old code inserting without it gets NULL).
# Expected: none
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corpus", "0001_initial")]

    operations = [
        migrations.AddField("book", "published_on", models.DateField(null=True)),
    ]
