# Case: data migration importing the model class directly (`from corpus.models import Author`)
# instead of apps.get_model: it sees today's model, not the historical one.
# Expected: W504
from django.db import migrations

from corpus.models import Author


def normalise_author_names(apps, schema_editor):
    for author in Author.objects.all():
        author.name = author.name.strip()
        author.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [("corpus", "0017_runsql_reversible")]

    operations = [
        migrations.RunPython(normalise_author_names, reverse_code=migrations.RunPython.noop),
    ]
