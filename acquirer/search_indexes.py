"""Indexes that keep searches fast, for the apps' migrations.

Substring search (``icontains``, which PostgreSQL runs as ``UPPER(col::text) LIKE UPPER('%term%')``) is served by a
trigram GIN index on ``UPPER(col::text)`` when the server has the ``pg_trgm`` extension (PostgreSQL's contrib; the
production server and CI have it). The embedded PostgreSQL of ``make run``/``make test`` ships without contrib: there
the operation creates nothing and the same query runs unindexed, which is fine at demo size. Identifiers people type
whole or by their start (serial, TID, MID, ticket and work-order numbers) use ordinary B-tree indexes with
``text_pattern_ops``/``varchar_pattern_ops`` instead, which every PostgreSQL has.
"""

from django.db import migrations


def trigram_available(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        return cursor.fetchone() is not None


def trigram_index(table: str, column: str, name: str) -> migrations.RunPython:
    """A migration operation: a trigram index for ``icontains`` on ``table.column`` when ``pg_trgm`` exists."""

    def forwards(apps, schema_editor):
        if not trigram_available(schema_editor.connection):
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
                              f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)')

    def backwards(apps, schema_editor):
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(forwards, backwards, elidable=False)
