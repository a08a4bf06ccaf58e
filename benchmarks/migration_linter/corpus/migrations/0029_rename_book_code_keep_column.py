# Case: RenameField where the column keeps its name (db_column="code" on both sides): the
# rename is Python-only and no SQL runs. This is the "keep the column with db_column= and
# rename only in Python" recipe from guardrails' own W502 hint (safe).
# Expected: none
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("corpus", "0028_author_email_unique_concurrently")]

    operations = [
        migrations.RenameField("book", "code", "sku"),
    ]
