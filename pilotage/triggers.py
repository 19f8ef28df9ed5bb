"""What the trigger-kept summaries share (``reminder_summary``, ``allocation_summary``,
``activity_summary``): kept on PostgreSQL only (SQLite reads the base tables), their SQL run on
the migration's connection or the default one."""

from __future__ import annotations

from django.db import connection


def kept(conn=None) -> bool:
    """Whether this database keeps the summaries (PostgreSQL; SQLite reads the base tables)."""
    return (conn or connection).vendor == "postgresql"


def connection_of(schema_editor=None):
    return schema_editor.connection if schema_editor else connection


def run(sql: str, schema_editor=None) -> None:
    """Run a summary's SQL (its triggers, or their removal) where the summary is kept."""
    conn = connection_of(schema_editor)
    if kept(conn):
        with conn.cursor() as cursor:
            cursor.execute(sql)
