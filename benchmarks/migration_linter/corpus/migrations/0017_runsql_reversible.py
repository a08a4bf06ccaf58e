# Case: RunSQL with reverse_sql (safe counterpart of 0016).
# Expected: none
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("corpus", "0016_runsql_irreversible")]

    operations = [
        migrations.RunSQL(
            "UPDATE corpus_book SET stock = 0 WHERE stock < 0",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
