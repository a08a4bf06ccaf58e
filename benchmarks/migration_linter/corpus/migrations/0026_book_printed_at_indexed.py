# Case: AddField of a nullable field with db_index=True (the index is built without
# CONCURRENTLY; the column itself is safe).
# Expected on PostgreSQL: I506
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corpus", "0025_tag_unique_together")]

    operations = [
        migrations.AddField("book", "printed_at", models.DateTimeField(db_index=True, null=True)),
    ]
