# Case: RenameField that renames the column (old code uses the old column name).
# Expected: W502
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("corpus", "0007_delete_legacy")]

    operations = [
        migrations.RenameField("book", "blurb", "tagline"),
    ]
