# Case: RemoveField (old code still selects the column).
# Expected: W502
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("corpus", "0005_review_created_with_not_null_field")]

    operations = [
        migrations.RemoveField("book", "legacy_code"),
    ]
