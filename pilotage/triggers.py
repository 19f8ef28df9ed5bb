# ruff: noqa: S608 — table names given by the summary modules, never a value.
"""What the trigger-kept summaries share (``reminder_summary``, ``allocation_summary``,
``activity_summary``, ``dossier_summary``, ``team_summary``): kept on PostgreSQL only (SQLite
reads the base tables), their SQL run on the migration's connection or the default one, and
their rebuild from the base tables."""

from __future__ import annotations

from django.db import connection, transaction


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


def recompute(schema_editor, *, table: str, lock: tuple[str, ...], fill: tuple[str, ...],
              clear_too: tuple[str, ...] = ()) -> int:  # fmt: skip
    """Compute a summary again from its base tables: in one transaction, the base tables
    ``lock``ed against writes meanwhile (SHARE: reads go on), ``table`` (and ``clear_too``)
    emptied, then each statement of ``fill`` run; returns ``table``'s number of rows (0 where
    summaries are not kept)."""
    conn = connection_of(schema_editor)
    if not kept(conn):
        return 0
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(lock)} IN SHARE MODE")
        for name in (*clear_too, table):
            cursor.execute(f"DELETE FROM {name}")
        for statement in fill:
            cursor.execute(statement)
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]
