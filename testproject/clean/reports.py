"""Reports of the clean app: raw SQL with parameters, identifiers quoted."""

from __future__ import annotations

from django.db import connection

from clean.models import Book


def titles_by(author_name: str) -> list[str]:
    """Values travel as parameters; only the table name is formatted in, and quoted."""
    table = connection.ops.quote_name(Book._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT title FROM {table} WHERE author_id IN "
            f"(SELECT id FROM {connection.ops.quote_name('clean_author')} WHERE name = %s)",
            [author_name],
        )
        return [row[0] for row in cursor.fetchall()]
