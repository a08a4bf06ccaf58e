# Case: RenameModel that renames the table (old code uses the old table name).
# Expected: W502
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("corpus", "0008_rename_book_blurb")]

    operations = [
        migrations.RenameModel("Publisher", "PublishingHouse"),
    ]
