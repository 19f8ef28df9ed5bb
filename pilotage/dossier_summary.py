# ruff: noqa: S608 — table and column names of this module only; no value is formatted in.
"""The dashboard's count of the open dossiers by creditor, controller and state
(``DossierStateCount``),
kept by the database itself (PostgreSQL; the demo's SQLite counts the dossiers,
``pilotage.queries``).

Counting the open dossiers by state read every open dossier's entry of
``dossier_open_state_idx``: ~50 ms at 200,000 dossiers, and the team's dossiers held per
controller ~5 ms each. ``pilotage_dossierstatecount`` holds the counts by creditor, controller
(``assignee``, 0 for nobody) and state (a few hundred rows; at most creditors × controllers ×
states).

**Kept in the same transaction as the write**: a statement trigger on the dossiers adds, per
creditor, controller and state, the open dossiers written less those they were (from its
transition tables; a statement that changes no state, creditor, controller nor closure adds
nothing). The daily
run moves thousands of dossiers per batch, on several workers at once (the spread run): a
counter per creditor and state would make each worker wait for the others' transactions to end.
So each connection writes to rows of its own (``slot``: ``pg_backend_pid()``, unique among the
connections alive), the page sums the rows, and ``compact()`` (nightly, ``pilotage.compact_
summaries``) folds them into ``slot`` 0. ``rebuild()`` (``manage.py rebuild_summaries``)
computes the table again; the tests check that a random walk of writes leaves the counts a
rebuild makes.
"""

from __future__ import annotations

from django.db import connection, transaction

from dossiers.models import Dossier
from pilotage import triggers

TABLE = "pilotage_dossierstatecount"
DOSSIERS = Dossier._meta.db_table

# Open dossiers ``r`` (each with its sign ``s``), added to this connection's rows.
_UPSERT = (
    f"INSERT INTO {TABLE} (creditor_id, assignee, state, slot, open_count) "
    "SELECT creditor_id, assignee, state, {slot}, sum(s) FROM ({parts}) p "
    "GROUP BY creditor_id, assignee, state HAVING sum(s) <> 0 "
    "ON CONFLICT (creditor_id, assignee, state, slot) DO UPDATE SET "
    f"open_count = {TABLE}.open_count + excluded.open_count"
)
_PART = (
    "SELECT creditor_id, coalesce(assigned_to_id, 0) AS assignee, state, {sign} AS s "
    "FROM {rows} WHERE closed_on IS NULL"
)


def _upsert(*sources: tuple[str, int], slot: str = "pg_backend_pid()") -> str:
    parts = " UNION ALL ".join(_PART.format(rows=rows, sign=sign) for rows, sign in sources)
    return _UPSERT.format(parts=parts, slot=slot)


POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION pilotage_dossierstatecount() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_upsert(("new_rows", 1))};
  ELSIF TG_OP = 'UPDATE' THEN
    {_upsert(("new_rows", 1), ("old_rows", -1))};
  ELSE
    {_upsert(("old_rows", -1))};
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS pilotage_dossierstatecount_ins ON {DOSSIERS};
DROP TRIGGER IF EXISTS pilotage_dossierstatecount_upd ON {DOSSIERS};
DROP TRIGGER IF EXISTS pilotage_dossierstatecount_del ON {DOSSIERS};
CREATE TRIGGER pilotage_dossierstatecount_ins AFTER INSERT ON {DOSSIERS}
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pilotage_dossierstatecount();
CREATE TRIGGER pilotage_dossierstatecount_upd AFTER UPDATE ON {DOSSIERS}
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pilotage_dossierstatecount();
CREATE TRIGGER pilotage_dossierstatecount_del AFTER DELETE ON {DOSSIERS}
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pilotage_dossierstatecount();
"""
POSTGRESQL_DROP = (
    "".join(
        f"DROP TRIGGER IF EXISTS pilotage_dossierstatecount_{event} ON {DOSSIERS};\n"
        for event in ("ins", "upd", "del")
    )
    + "DROP FUNCTION IF EXISTS pilotage_dossierstatecount();\n"
)
# Every connection's rows folded into slot 0, in one statement: the rows it takes away are
# those it deletes (a writer's row locked meanwhile is read as committed, then deleted).
COMPACT = (
    f"WITH gone AS (DELETE FROM {TABLE} WHERE slot <> 0 "
    "RETURNING creditor_id, assignee, state, open_count) "
    f"INSERT INTO {TABLE} (creditor_id, assignee, state, slot, open_count) "
    "SELECT creditor_id, assignee, state, 0, sum(open_count) FROM gone "
    "GROUP BY creditor_id, assignee, state "
    "ON CONFLICT (creditor_id, assignee, state, slot) DO UPDATE SET "
    f"open_count = {TABLE}.open_count + excluded.open_count"
)

kept = triggers.kept


def install(schema_editor=None) -> None:
    """Create the triggers (the migration calls it; idempotent)."""
    triggers.run(POSTGRESQL, schema_editor)


def uninstall(schema_editor=None) -> None:
    triggers.run(POSTGRESQL_DROP, schema_editor)


def rebuild(schema_editor=None) -> int:
    """Count the open dossiers again (in one transaction, the dossiers locked against writes
    meanwhile); returns the table's number of rows."""
    return triggers.recompute(
        schema_editor, table=TABLE, lock=(DOSSIERS,), fill=(_upsert((DOSSIERS, 1), slot="0"),)
    )


def compact() -> int:
    """Fold every connection's rows into slot 0 and drop the counts that reached zero;
    returns the rows left."""
    if not kept():
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(COMPACT)
        cursor.execute(f"DELETE FROM {TABLE} WHERE slot = 0 AND open_count = 0")
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]


def rows() -> dict:
    """The counts that are not zero, by (creditor, controller, state): what a rebuild
    compares."""
    if not kept():
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT creditor_id, assignee, state, sum(open_count) FROM {TABLE} "
            "GROUP BY creditor_id, assignee, state HAVING sum(open_count) <> 0"
        )
        return {(c, a, state): int(n) for c, a, state, n in cursor.fetchall()}
