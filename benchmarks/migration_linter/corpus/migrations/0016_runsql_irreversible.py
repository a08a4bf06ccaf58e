# Case: RunSQL without reverse_sql.
# Expected: W503
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("corpus", "0015_fill_stock_reversible")]

    operations = [
        migrations.RunSQL("UPDATE corpus_book SET edition = 1 WHERE edition < 1"),
    ]
