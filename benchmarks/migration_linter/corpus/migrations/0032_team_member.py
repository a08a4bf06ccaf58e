# Case: two new models that point at each other, each with unique_together, exactly as
# `makemigrations` (Django 5.2) writes them: the circular foreign keys make it emit
# CreateModel(Member), CreateModel(Team), AddField(member.team) and a separate
# AlterUniqueTogether(member) in this one migration. Every table here is new and empty (safe).
# Expected: none
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("corpus", "0031_book_slugs_imports_models_module")]

    operations = [
        migrations.CreateModel(
            name="Member",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("nick", models.CharField(max_length=50)),
            ],
        ),
        migrations.CreateModel(
            name="Team",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=50)),
                (
                    "captain",
                    models.ForeignKey(
                        on_delete=models.deletion.CASCADE, related_name="+", to="corpus.member"
                    ),
                ),
            ],
            options={"unique_together": {("captain", "name")}},
        ),
        migrations.AddField(
            model_name="member",
            name="team",
            field=models.ForeignKey(on_delete=models.deletion.CASCADE, to="corpus.team"),
        ),
        migrations.AlterUniqueTogether(
            name="member",
            unique_together={("team", "nick")},
        ),
    ]
