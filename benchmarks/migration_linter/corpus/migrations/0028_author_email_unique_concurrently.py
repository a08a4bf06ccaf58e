# Case: the unique-constraint recipe from guardrails' I506 hint: CREATE UNIQUE INDEX
# CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX, in an atomic = False migration, wrapped in
# SeparateDatabaseAndState so the state records the UniqueConstraint (safe). The SQL is
# PostgreSQL's; the comparison only renders it (sqlmigrate), it never runs it.
# Expected: none
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("corpus", "0027_book_slug_indexed")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    'CREATE UNIQUE INDEX CONCURRENTLY "author_email_uniq" '
                    'ON "corpus_author" ("email")',
                    reverse_sql='DROP INDEX CONCURRENTLY "author_email_uniq"',
                ),
                migrations.RunSQL(
                    'ALTER TABLE "corpus_author" ADD CONSTRAINT "author_email_uniq" '
                    'UNIQUE USING INDEX "author_email_uniq"',
                    reverse_sql='ALTER TABLE "corpus_author" DROP CONSTRAINT "author_email_uniq"',
                ),
            ],
            state_operations=[
                migrations.AddConstraint(
                    "author", models.UniqueConstraint(fields=["email"], name="author_email_uniq")
                ),
            ],
        ),
    ]
