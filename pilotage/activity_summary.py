# ruff: noqa: S608 — table and column names of this module only; no value is formatted in.
"""The dashboard's summary of the calls and payments (``ActivityDay``), kept by the database
itself (PostgreSQL; the demo's SQLite reads the calls and payments, ``pilotage.queries``).

The calls of the period (and those with a written summary) and the payments received per month
are counts and sums by creditor and day: ``pilotage_activityday`` holds, per creditor (the
dossier's) and day, the calls logged that day (``called_at``'s date in ``TIME_ZONE``), those
with a summary, and the payments (not credit notes, not taken back by the bank) received that
day with their amount. Reading them at 1M claims took ~250 ms of the page (100,000 calls,
their local day computed per row; 60,000 payments).

**Kept in the same transaction as the write**: statement triggers on the calls and the
payments add each written row's part and take the old row's away (from their transition
tables); a dossier moved to another creditor moves its parts. ``rebuild()`` (``manage.py
rebuild_summaries``) computes the table again; the tests check that a random walk of writes
leaves the table a rebuild would make.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from dossiers.models import Dossier, Payment
from pilotage import triggers
from relances.models import CallLog

TABLE = "pilotage_activityday"
CALLS = CallLog._meta.db_table
PAYMENTS = Payment._meta.db_table
DOSSIERS = Dossier._meta.db_table
PAYMENT = Payment.Kind.PAYMENT.value
FIGURES = ("calls", "calls_traced", "payments_n", "payments_amount")


def _local_day(column: str) -> str:
    zone = settings.TIME_ZONE.replace("'", "")
    return f"({column} AT TIME ZONE '{zone}')::date"


# The parts of calls ``c`` and payments ``p`` (each with its sign ``s``), by their dossier's
# creditor (``{creditor}``: ``d.creditor_id`` or a given one).
_CALL_PARTS = (
    "SELECT {creditor} AS creditor_id, " + _local_day("c.called_at") + " AS day, "
    "s AS calls, CASE WHEN c.summary <> '' THEN s ELSE 0 END AS calls_traced, "
    "0 AS payments_n, 0 AS payments_amount FROM {rows} c JOIN " + DOSSIERS + " d "
    "ON d.id = c.dossier_id"
)
_PAYMENT_PARTS = (
    "SELECT {creditor} AS creditor_id, p.received_on AS day, 0 AS calls, 0 AS calls_traced, "
    "s AS payments_n, s * p.amount AS payments_amount "
    "FROM {rows} p JOIN " + DOSSIERS + " d ON d.id = p.dossier_id "
    "WHERE p.kind = '" + PAYMENT + "' AND p.reversed_on IS NULL"
)
_UPSERT = (
    f"INSERT INTO {TABLE} (creditor_id, day, {', '.join(FIGURES)}) "
    f"SELECT creditor_id, day, {', '.join(f'sum({name})' for name in FIGURES)} "
    "FROM ({parts}) parts GROUP BY creditor_id, day "
    "ON CONFLICT (creditor_id, day) DO UPDATE SET "
    + ", ".join(f"{name} = {TABLE}.{name} + excluded.{name}" for name in FIGURES)
    + ";"
)


def _signed(rows: str, sign: int, extra: str = "") -> str:
    return f"(SELECT x.*, {sign} AS s FROM {rows} x {extra})"


def _upsert(parts: str, *sources: tuple[str, int]) -> str:
    return _UPSERT.format(
        parts=" UNION ALL ".join(
            parts.format(rows=_signed(rows, sign), creditor="d.creditor_id")
            for rows, sign in sources
        )
    )


def _watch(table: str, name: str, parts: str) -> str:
    function = f"pilotage_activityday_{name}"
    return f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_upsert(parts, ("new_rows", 1))}
  ELSIF TG_OP = 'UPDATE' THEN
    {_upsert(parts, ("new_rows", 1), ("old_rows", -1))}
  ELSE
    {_upsert(parts, ("old_rows", -1))}
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS {function}_ins ON {table};
DROP TRIGGER IF EXISTS {function}_upd ON {table};
DROP TRIGGER IF EXISTS {function}_del ON {table};
CREATE TRIGGER {function}_ins AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {function}_upd AFTER UPDATE ON {table}
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {function}_del AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
"""


def _moved(parts: str, table: str) -> str:
    """A dossier's rows of ``table`` taken from its old creditor and given to its new one."""
    rows = f"(SELECT x.*, {{sign}} AS s FROM {table} x WHERE x.dossier_id = NEW.id)"
    return _UPSERT.format(
        parts=" UNION ALL ".join(
            parts.format(rows=rows.format(sign=sign), creditor=creditor)
            for sign, creditor in ((-1, "OLD.creditor_id"), (1, "NEW.creditor_id"))
        )
    )


POSTGRESQL = (
    _watch(CALLS, "calls", _CALL_PARTS)
    + _watch(PAYMENTS, "payments", _PAYMENT_PARTS)
    + f"""
CREATE OR REPLACE FUNCTION pilotage_activityday_creditor() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  {_moved(_CALL_PARTS, CALLS)}
  {_moved(_PAYMENT_PARTS, PAYMENTS)}
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS pilotage_activityday_creditor_upd ON {DOSSIERS};
CREATE TRIGGER pilotage_activityday_creditor_upd AFTER UPDATE OF creditor_id ON {DOSSIERS}
  FOR EACH ROW WHEN (OLD.creditor_id IS DISTINCT FROM NEW.creditor_id)
  EXECUTE FUNCTION pilotage_activityday_creditor();
"""
)
POSTGRESQL_DROP = (
    "".join(
        f"DROP TRIGGER IF EXISTS pilotage_activityday_{name}_{event} ON {table};\n"
        for name, table in (("calls", CALLS), ("payments", PAYMENTS))
        for event in ("ins", "upd", "del")
    )
    + f"DROP TRIGGER IF EXISTS pilotage_activityday_creditor_upd ON {DOSSIERS};\n"
    + "".join(
        f"DROP FUNCTION IF EXISTS pilotage_activityday_{name}();\n"
        for name in ("calls", "payments", "creditor")
    )
)


kept = triggers.kept


def install(schema_editor=None) -> None:
    """Create the triggers (the migration calls it; idempotent)."""
    triggers.run(POSTGRESQL, schema_editor)


def uninstall(schema_editor=None) -> None:
    triggers.run(POSTGRESQL_DROP, schema_editor)


def rebuild(schema_editor=None) -> int:
    """Compute the table again from the calls and payments (in one transaction, those locked
    against writes meanwhile); returns its number of rows."""
    return triggers.recompute(
        schema_editor, table=TABLE, lock=(CALLS, PAYMENTS),
        fill=(_upsert(_CALL_PARTS, (CALLS, 1)), _upsert(_PAYMENT_PARTS, (PAYMENTS, 1))),
    )  # fmt: skip


def rows() -> dict:
    """The table's rows that are not zero, by (creditor, day): what a rebuild compares."""
    if not kept():
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT creditor_id, day, {', '.join(FIGURES)} FROM {TABLE}")
        return {
            (creditor, str(day)): values
            for creditor, day, *figures in cursor.fetchall()
            if any(values := tuple(round(float(v), 2) for v in figures))
        }
