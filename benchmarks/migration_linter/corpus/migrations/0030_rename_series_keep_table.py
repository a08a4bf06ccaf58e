# Case: RenameModel where Meta.db_table keeps the old table name ("corpus_series"): the
# rename is Python-only and no SQL runs. This is the "keep the table (set Meta.db_table to the
# old name) and rename only in Python" recipe from guardrails' own W502 hint (safe).
# Expected: none
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("corpus", "0029_rename_book_code_keep_column")]

    operations = [
        migrations.RenameModel("Series", "Collection"),
    ]
