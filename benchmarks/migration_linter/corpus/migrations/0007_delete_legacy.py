# Case: DeleteModel (old code still queries the table).
# Expected: W502
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("corpus", "0006_remove_book_legacy_code")]

    operations = [
        migrations.DeleteModel("Legacy"),
    ]
