# ruff: noqa: S608 — table and column names of this module only; no value is formatted in.
"""The dashboard's summary of the payments received on each controller's dossiers
(``TeamDay``), kept by the database itself (PostgreSQL; the demo's SQLite reads the payments,
``pilotage.queries``).

The team table's « recovered » per controller summed the period's payments on the dossiers
assigned to them: every payment of the period joined to its dossier, once per controller
(~20 ms each at 1M claims). ``pilotage_teamday`` holds, per controller (the dossier's
``assigned_to``; dossiers assigned to nobody are left out), creditor and day, the amount of
the payments (not credit notes, not taken back by the bank) received that day.

**Kept in the same transaction as the write**: statement triggers on the payments add each
written row's part and take the old row's away (from their transition tables); a dossier
handed to another controller (or moved to another creditor) moves its payments' parts.
``rebuild()`` (``manage.py rebuild_summaries``) computes the table again; the tests check that
a random walk of writes leaves the table a rebuild would make.
"""

from __future__ import annotations

from django.db import connection

from dossiers.models import Dossier, Payment
from pilotage import triggers

TABLE = "pilotage_teamday"
PAYMENTS = Payment._meta.db_table
DOSSIERS = Dossier._meta.db_table
PAYMENT = Payment.Kind.PAYMENT.value

# The parts of payments ``p`` (each with its sign ``s``), by the controller and creditor
# ``{who}`` (the dossier's, or given ones).
_PARTS = (
    "SELECT {assignee} AS assignee, {creditor} AS creditor_id, p.received_on AS day, "
    "s * p.amount AS recovered FROM {rows} p JOIN " + DOSSIERS + " d ON d.id = p.dossier_id "
    "WHERE p.kind = '" + PAYMENT + "' AND p.reversed_on IS NULL AND {assignee} IS NOT NULL"
)
_UPSERT = (
    f"INSERT INTO {TABLE} (assignee, creditor_id, day, recovered) "
    "SELECT assignee, creditor_id, day, sum(recovered) FROM ({parts}) parts "
    "GROUP BY assignee, creditor_id, day "
    "ON CONFLICT (assignee, creditor_id, day) DO UPDATE SET "
    f"recovered = {TABLE}.recovered + excluded.recovered;"
)
_OF_DOSSIER = {"assignee": "d.assigned_to_id", "creditor": "d.creditor_id"}


def _upsert(*sources: tuple[str, int]) -> str:
    return _UPSERT.format(
        parts=" UNION ALL ".join(
            _PARTS.format(rows=f"(SELECT x.*, {sign} AS s FROM {rows} x)", **_OF_DOSSIER)
            for rows, sign in sources
        )
    )


_MOVED = _UPSERT.format(
    parts=" UNION ALL ".join(
        _PARTS.format(
            rows=f"(SELECT x.*, {sign} AS s FROM {PAYMENTS} x WHERE x.dossier_id = NEW.id)",
            assignee=f"{side}.assigned_to_id",
            creditor=f"{side}.creditor_id",
        )
        for sign, side in ((-1, "OLD"), (1, "NEW"))
    )
)

POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION pilotage_teamday_payments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_upsert(("new_rows", 1))}
  ELSIF TG_OP = 'UPDATE' THEN
    {_upsert(("new_rows", 1), ("old_rows", -1))}
  ELSE
    {_upsert(("old_rows", -1))}
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS pilotage_teamday_payments_ins ON {PAYMENTS};
DROP TRIGGER IF EXISTS pilotage_teamday_payments_upd ON {PAYMENTS};
DROP TRIGGER IF EXISTS pilotage_teamday_payments_del ON {PAYMENTS};
CREATE TRIGGER pilotage_teamday_payments_ins AFTER INSERT ON {PAYMENTS}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pilotage_teamday_payments();
CREATE TRIGGER pilotage_teamday_payments_upd AFTER UPDATE ON {PAYMENTS}
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pilotage_teamday_payments();
CREATE TRIGGER pilotage_teamday_payments_del AFTER DELETE ON {PAYMENTS}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pilotage_teamday_payments();
CREATE OR REPLACE FUNCTION pilotage_teamday_dossier() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_MOVED}
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS pilotage_teamday_dossier_upd ON {DOSSIERS};
CREATE TRIGGER pilotage_teamday_dossier_upd AFTER UPDATE OF assigned_to_id, creditor_id
  ON {DOSSIERS} FOR EACH ROW
  WHEN (OLD.assigned_to_id IS DISTINCT FROM NEW.assigned_to_id
        OR OLD.creditor_id IS DISTINCT FROM NEW.creditor_id)
  EXECUTE FUNCTION pilotage_teamday_dossier();
"""
POSTGRESQL_DROP = (
    "".join(
        f"DROP TRIGGER IF EXISTS pilotage_teamday_payments_{event} ON {PAYMENTS};\n"
        for event in ("ins", "upd", "del")
    )
    + f"DROP TRIGGER IF EXISTS pilotage_teamday_dossier_upd ON {DOSSIERS};\n"
    + "DROP FUNCTION IF EXISTS pilotage_teamday_payments();\n"
    + "DROP FUNCTION IF EXISTS pilotage_teamday_dossier();\n"
)

kept = triggers.kept


def install(schema_editor=None) -> None:
    """Create the triggers (the migration calls it; idempotent)."""
    triggers.run(POSTGRESQL, schema_editor)


def uninstall(schema_editor=None) -> None:
    triggers.run(POSTGRESQL_DROP, schema_editor)


def rebuild(schema_editor=None) -> int:
    """Compute the table again from the payments (in one transaction, the payments and the
    dossiers locked against writes meanwhile); returns its number of rows."""
    return triggers.recompute(
        schema_editor, table=TABLE, lock=(PAYMENTS, DOSSIERS), fill=(_upsert((PAYMENTS, 1)),)
    )


def rows() -> dict:
    """The table's rows that are not zero, by (controller, creditor, day)."""
    if not kept():
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT assignee, creditor_id, day, recovered FROM {TABLE}")
        return {
            (assignee, creditor, str(day)): round(float(recovered), 2)
            for assignee, creditor, day, recovered in cursor.fetchall()
            if recovered
        }
