# ruff: noqa: S608 — table and column names of this module only; no value is formatted in.
"""The dashboard's summary of the claims (``ClaimDay``), kept by the database itself.

The claims' figures of the dashboard (outstanding and aging, invoicing of the period and of
the count-back's 24 months, receivables at the period's end) were ~35 filtered sums over every
claim: 1.4 s at 1M claims. They are sums by creditor and day, so ``pilotage_claimday`` holds,
per creditor and day (a few rows per creditor and calendar day, ~20,000 at 1M claims):

- ``open_amount``, ``open_count``: the open claims (outstanding, not cancelled) by due date;
- ``issued``: the amount invoiced, by issue date (cancelled invoices included, as the sales);
- ``cancelled``: the amount of the invoices cancelled, by the later of their issue and
  cancellation dates (the receivables at a day D are ``issued`` less ``cancelled`` up to D).

**Kept in the same transaction as the write**: triggers on ``dossiers_claim`` add each written
row's part and take the old row's away (PostgreSQL: one statement per write statement, from its
transition tables, so that an import of 100,000 invoices adds one grouped ``INSERT … ON
CONFLICT``; SQLite, the demo: one trigger per row). ``rebuild_claims()`` (``manage.py
rebuild_summaries``, with the sent reminders' summary of ``pilotage.reminder_summary``)
computes the table again from the claims; the tests check that a random
walk of writes leaves the table a rebuild would make. The dashboard reads it whenever its
filters name no controller and no debtor kind (the page as it opens, and per creditor); with
those filters it reads the claims (``pilotage.queries``), as it did.
"""

from __future__ import annotations

from django.db import connection, transaction

from pilotage import (
    activity_summary,
    allocation_summary,
    dossier_summary,
    reminder_summary,
    team_summary,
)

TABLE = "pilotage_claimday"
CLAIMS = "dossiers_claim"

# One claim row's three parts, ``s`` its sign (+1 new row, -1 old row).
_PARTS = """
    SELECT r.creditor_id, r.due_date AS day, s * r.outstanding AS open_amount, s AS open_count,
           0 AS issued, 0 AS cancelled
      FROM {rows} WHERE r.outstanding > 0 AND r.cancelled_on IS NULL
    UNION ALL
    SELECT r.creditor_id, r.issue_date, 0, 0, s * r.amount, 0 FROM {rows}
    UNION ALL
    SELECT r.creditor_id, {later}, 0, 0, 0, s * r.amount
      FROM {rows} WHERE r.cancelled_on IS NOT NULL
"""
_UPSERT = f"""
    INSERT INTO {TABLE} (creditor_id, day, open_amount, open_count, issued, cancelled)
    SELECT creditor_id, day, sum(open_amount), sum(open_count), sum(issued), sum(cancelled)
      FROM ({{parts}}) p GROUP BY creditor_id, day
    ON CONFLICT (creditor_id, day) DO UPDATE SET
      open_amount = {TABLE}.open_amount + excluded.open_amount,
      open_count = {TABLE}.open_count + excluded.open_count,
      issued = {TABLE}.issued + excluded.issued,
      cancelled = {TABLE}.cancelled + excluded.cancelled
"""


def _pg_rows(source: str) -> str:
    return (
        f"(SELECT *, 1 AS s FROM {source}) r"
        if source == "new_rows"
        else (f"(SELECT *, -1 AS s FROM {source}) r")
    )


def _pg_statement(*sources: str) -> str:
    parts = " UNION ALL ".join(
        _PARTS.format(rows=_pg_rows(source), later="greatest(r.issue_date, r.cancelled_on)")
        for source in sources
    )
    return _UPSERT.format(parts=parts) + ";"


POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION pilotage_claimday_keep() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_pg_statement("new_rows")}
  ELSIF TG_OP = 'UPDATE' THEN
    {_pg_statement("new_rows", "old_rows")}
  ELSE
    {_pg_statement("old_rows")}
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS pilotage_claimday_ins ON {CLAIMS};
DROP TRIGGER IF EXISTS pilotage_claimday_upd ON {CLAIMS};
DROP TRIGGER IF EXISTS pilotage_claimday_del ON {CLAIMS};
CREATE TRIGGER pilotage_claimday_ins AFTER INSERT ON {CLAIMS}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pilotage_claimday_keep();
CREATE TRIGGER pilotage_claimday_upd AFTER UPDATE ON {CLAIMS}
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pilotage_claimday_keep();
CREATE TRIGGER pilotage_claimday_del AFTER DELETE ON {CLAIMS}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pilotage_claimday_keep();
"""
POSTGRESQL_DROP = f"""
DROP TRIGGER IF EXISTS pilotage_claimday_ins ON {CLAIMS};
DROP TRIGGER IF EXISTS pilotage_claimday_upd ON {CLAIMS};
DROP TRIGGER IF EXISTS pilotage_claimday_del ON {CLAIMS};
DROP FUNCTION IF EXISTS pilotage_claimday_keep();
"""


def _sqlite_rows(row: str, sign: int) -> str:
    return f"(SELECT {row}.creditor_id AS creditor_id, {row}.due_date AS due_date, " \
        f"{row}.issue_date AS issue_date, {row}.cancelled_on AS cancelled_on, " \
        f"{row}.amount AS amount, {row}.outstanding AS outstanding, {sign} AS s) r"  # fmt: skip


def _sqlite_statement(*rows: tuple[str, int]) -> str:
    parts = " UNION ALL ".join(
        _PARTS.format(rows=_sqlite_rows(row, sign), later="max(r.issue_date, r.cancelled_on)")
        for row, sign in rows
    )
    # SQLite reads « ON CONFLICT » after a SELECT as a join's: a WHERE clause settles it.
    return (
        _UPSERT.format(parts=parts).replace(
            "GROUP BY creditor_id, day", "WHERE true GROUP BY creditor_id, day"
        )
        + ";"
    )


SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS pilotage_claimday_ins AFTER INSERT ON {CLAIMS} BEGIN "
    f"{_sqlite_statement(('NEW', 1))} END;",
    f"CREATE TRIGGER IF NOT EXISTS pilotage_claimday_upd AFTER UPDATE ON {CLAIMS} BEGIN "
    f"{_sqlite_statement(('NEW', 1), ('OLD', -1))} END;",
    f"CREATE TRIGGER IF NOT EXISTS pilotage_claimday_del AFTER DELETE ON {CLAIMS} BEGIN "
    f"{_sqlite_statement(('OLD', -1))} END;",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS pilotage_claimday_{name}" for name in ("ins", "upd", "del")]


def install(schema_editor=None) -> None:
    """Create the triggers (the migration calls it; idempotent)."""
    conn = schema_editor.connection if schema_editor else connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(POSTGRESQL)
        else:
            for statement in SQLITE:
                cursor.execute(statement)


def uninstall(schema_editor=None) -> None:
    conn = schema_editor.connection if schema_editor else connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(POSTGRESQL_DROP)
        else:
            for statement in SQLITE_DROP:
                cursor.execute(statement)


REBUILD = f"""
    INSERT INTO {TABLE} (creditor_id, day, open_amount, open_count, issued, cancelled)
    SELECT creditor_id, day, sum(open_amount), sum(open_count), sum(issued), sum(cancelled)
      FROM ({_PARTS}) p WHERE true GROUP BY creditor_id, day
"""


def rebuild_claims(schema_editor=None) -> int:
    """Compute the claims' table again from the claims (in one transaction, the claims locked
    against writes meanwhile); returns its number of rows."""
    conn = schema_editor.connection if schema_editor else connection
    later = (
        "greatest(r.issue_date, r.cancelled_on)"
        if conn.vendor == "postgresql"
        else "max(r.issue_date, r.cancelled_on)"
    )
    rows = f"(SELECT *, 1 AS s FROM {CLAIMS}) r"
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {CLAIMS} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(REBUILD.format(rows=rows, later=later))
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]


def claim_rows() -> dict:
    """The claims' table's rows that are not zero, by (creditor, day)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT creditor_id, day, open_amount, open_count, issued, cancelled "
            f"FROM {TABLE} WHERE open_amount <> 0 OR open_count <> 0 OR issued <> 0 "
            "OR cancelled <> 0"
        )
        return {
            (creditor, str(day)): tuple(round(float(v), 2) for v in values)
            for creditor, day, *values in cursor.fetchall()
        }


def rebuild() -> int:
    """Every summary table of the dashboard computed again (``manage.py rebuild_summaries``):
    the claims', the allocations' (``pilotage.allocation_summary``), the calls' and payments'
    (``pilotage.activity_summary``), the sent reminders' (``pilotage.reminder_summary``), the
    open dossiers by state (``pilotage.dossier_summary``) and the payments by controller
    (``pilotage.team_summary``); their rows in all."""
    return (
        rebuild_claims()
        + allocation_summary.rebuild()
        + activity_summary.rebuild()
        + reminder_summary.rebuild()
        + dossier_summary.rebuild()
        + team_summary.rebuild()
    )


def rows() -> dict:
    """Every summary table's rows that are not zero, by table and key: what a rebuild
    compares."""
    return {
        TABLE: claim_rows(),
        allocation_summary.TABLE: allocation_summary.rows(),
        activity_summary.TABLE: activity_summary.rows(),
        dossier_summary.TABLE: dossier_summary.rows(),
        team_summary.TABLE: team_summary.rows(),
        **reminder_summary.rows(),
    }
