# Case: AlterField dropping null=True (old code may still write NULL; SET NOT NULL scans).
# Expected: W502
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corpus", "0009_rename_publisher")]

    operations = [
        migrations.AlterField("book", "stock", models.IntegerField(default=0)),
    ]
