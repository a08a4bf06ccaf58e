# Case: AddField NOT NULL with a Python default= only to an existing table (as 0003), in a
# migration that also creates an unrelated new model, as `makemigrations` writes two model
# changes made together.
# Expected: W502
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corpus", "0032_team_member")]

    operations = [
        migrations.CreateModel(
            name="Shelf",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=50)),
            ],
        ),
        migrations.AddField("book", "copies", models.IntegerField(default=0)),
    ]
