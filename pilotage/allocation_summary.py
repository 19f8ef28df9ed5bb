# ruff: noqa: S608 — table and column names of this module only; no value is formatted in.
"""The dashboard's summary of the allocations (``AllocationDay``), kept by the database itself
(PostgreSQL; the demo's SQLite reads the allocations, ``pilotage.queries``).

The DSO's receivables at the period's end are the claims issued by then and not cancelled by
then (``ClaimDay``), less what payments and credit notes received by then allocated to those
claims: a sum over every allocation joined to its claim and payment, 1.2 s at 1M claims. An
allocation counts at a day D when its claim was issued and its payment received by D, and its
claim not cancelled by D; so ``pilotage_allocationday`` holds, per creditor and day:

- ``allocated``: the allocations by the later of their claim's issue date and their payment's
  date;
- ``cancelled``: those of the cancelled claims again, by the latest of those two dates and the
  cancellation date (what counts at D is ``allocated`` less ``cancelled`` up to D).

**Kept in the same transaction as the write**, by statement triggers (from their transition
tables) on the allocations (their part added or taken away), on the claims (an issue date, a
cancellation or a creditor changed: their allocations' parts moved) and on the payments (a
date changed: likewise). ``rebuild()`` (``manage.py rebuild_summaries``) computes the table
again; the tests check that a random walk of writes leaves the table a rebuild would make.
"""

from __future__ import annotations

from django.db import connection

from dossiers.models import Claim, Payment, PaymentAllocation
from pilotage import triggers

TABLE = "pilotage_allocationday"
ALLOCATIONS = PaymentAllocation._meta.db_table
CLAIMS = Claim._meta.db_table
PAYMENTS = Payment._meta.db_table

# The parts of the allocations ``a`` (with ``s``, their sign) of the claims ``c`` and payments
# ``p`` (each a row source with the columns of its table).
_PARTS = """
    SELECT c.creditor_id, greatest(c.issue_date, p.received_on) AS day,
           s * a.amount AS allocated, 0 AS cancelled
      FROM {rows}
    UNION ALL
    SELECT c.creditor_id, greatest(c.issue_date, p.received_on, c.cancelled_on), 0, s * a.amount
      FROM {rows} WHERE c.cancelled_on IS NOT NULL
"""
_UPSERT = f"""
    INSERT INTO {TABLE} (creditor_id, day, allocated, cancelled)
    SELECT creditor_id, day, sum(allocated), sum(cancelled)
      FROM ({{parts}}) parts GROUP BY creditor_id, day
    ON CONFLICT (creditor_id, day) DO UPDATE SET
      allocated = {TABLE}.allocated + excluded.allocated,
      cancelled = {TABLE}.cancelled + excluded.cancelled;
"""


def _upsert(*sources: str) -> str:
    return _UPSERT.format(parts=" UNION ALL ".join(_PARTS.format(rows=rows) for rows in sources))


# The allocations written, with their claim and payment as they are now.
_ALLOCATIONS = (
    "(SELECT a.*, {sign} AS s FROM {rows} a) a JOIN " + CLAIMS + " c ON c.id = a.claim_id "
    "JOIN " + PAYMENTS + " p ON p.id = a.payment_id"
)
# The allocations of the claims whose dates or creditor changed, with the claim before (-1)
# and after (+1) the change.
_CLAIM_MOVED = (
    "ROW(o.issue_date, o.cancelled_on, o.creditor_id) "
    "IS DISTINCT FROM ROW(n.issue_date, n.cancelled_on, n.creditor_id)"
)
_CLAIMS = (
    "(SELECT x.*, {sign} AS s FROM {rows} x JOIN old_rows o ON o.id = x.id "
    "JOIN new_rows n ON n.id = x.id WHERE " + _CLAIM_MOVED + ") c "
    "JOIN " + ALLOCATIONS + " a ON a.claim_id = c.id JOIN " + PAYMENTS + " p ON p.id = a.payment_id"
)
_PAYMENT_MOVED = "o.received_on IS DISTINCT FROM n.received_on"
_PAYMENTS = (
    "(SELECT x.*, {sign} AS s FROM {rows} x JOIN old_rows o ON o.id = x.id "
    "JOIN new_rows n ON n.id = x.id WHERE " + _PAYMENT_MOVED + ") p "
    "JOIN " + ALLOCATIONS + " a ON a.payment_id = p.id JOIN " + CLAIMS + " c ON c.id = a.claim_id"
)


# The rows before and after an update, identical ones once (UNION): an id left twice changed
# its ``columns``. Grouped, never joined: transition tables have no statistics and a join of
# them may be planned as a nested loop (minutes for 40,000 rows).
_BOTH = "SELECT id, {columns} FROM old_rows UNION SELECT id, {columns} FROM new_rows"


def _if_moved(columns: str, statement: str) -> str:
    """``statement`` only when some row's dates or creditor changed: most updates of the claims
    and payments (balances, states) change none, and the statement would otherwise join the
    transition tables and scan the allocations and payments for nothing — ~0.3 s per statement
    at 1M claims, paid by each batch of a bank statement's posting (issue #24)."""
    return (
        f"IF EXISTS (SELECT 1 FROM ({_BOTH.format(columns=columns)}) r GROUP BY id "
        "HAVING count(*) > 1) THEN\n"
        f"    {statement}\n  END IF;"
    )


def _function(name: str, insert: str, update: str, delete: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION pilotage_allocationday_{name}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {insert}
  ELSIF TG_OP = 'UPDATE' THEN
    {update}
  ELSE
    {delete}
  END IF;
  RETURN NULL;
END $$;
"""


def _triggers(table: str, name: str, events: tuple[str, ...]) -> str:
    function = f"pilotage_allocationday_{name}"
    out = []
    for event in events:
        trigger = f"{function}_{event[:3].lower()}"
        rows = {
            "INSERT": "NEW TABLE AS new_rows",
            "UPDATE": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
            "DELETE": "OLD TABLE AS old_rows",
        }[event]
        out.append(
            f"DROP TRIGGER IF EXISTS {trigger} ON {table};\n"
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} REFERENCING {rows} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();\n"
        )
    return "".join(out)


NOTHING = "NULL;"
POSTGRESQL = (
    _function(
        "allocations",
        _upsert(_ALLOCATIONS.format(sign=1, rows="new_rows")),
        _upsert(
            _ALLOCATIONS.format(sign=1, rows="new_rows"),
            _ALLOCATIONS.format(sign=-1, rows="old_rows"),
        ),
        _upsert(_ALLOCATIONS.format(sign=-1, rows="old_rows")),
    )
    + _triggers(ALLOCATIONS, "allocations", ("INSERT", "UPDATE", "DELETE"))
    + _function(
        "claims",
        NOTHING,
        _if_moved(
            "issue_date, cancelled_on, creditor_id",
            _upsert(
                _CLAIMS.format(sign=1, rows="new_rows"), _CLAIMS.format(sign=-1, rows="old_rows")
            ),
        ),
        NOTHING,
    )
    + _triggers(CLAIMS, "claims", ("UPDATE",))
    + _function(
        "payments",
        NOTHING,
        _if_moved(
            "received_on",
            _upsert(
                _PAYMENTS.format(sign=1, rows="new_rows"),
                _PAYMENTS.format(sign=-1, rows="old_rows"),
            ),
        ),
        NOTHING,
    )
    + _triggers(PAYMENTS, "payments", ("UPDATE",))
)
POSTGRESQL_DROP = "".join(
    f"DROP TRIGGER IF EXISTS pilotage_allocationday_{name}_{event} ON {table};\n"
    for name, table, events in (
        ("allocations", ALLOCATIONS, ("ins", "upd", "del")),
        ("claims", CLAIMS, ("upd",)),
        ("payments", PAYMENTS, ("upd",)),
    )
    for event in events
) + "".join(
    f"DROP FUNCTION IF EXISTS pilotage_allocationday_{name}();\n"
    for name in ("allocations", "claims", "payments")
)


kept = triggers.kept


def install(schema_editor=None) -> None:
    """Create the triggers (the migration calls it; idempotent)."""
    triggers.run(POSTGRESQL, schema_editor)


def uninstall(schema_editor=None) -> None:
    triggers.run(POSTGRESQL_DROP, schema_editor)


def rebuild(schema_editor=None) -> int:
    """Compute the table again from the allocations (in one transaction, the allocations,
    claims and payments locked against writes meanwhile); returns its number of rows."""
    rows = (
        f"(SELECT *, 1 AS s FROM {ALLOCATIONS}) a JOIN {CLAIMS} c ON c.id = a.claim_id "
        f"JOIN {PAYMENTS} p ON p.id = a.payment_id"
    )
    return triggers.recompute(
        schema_editor, table=TABLE, lock=(ALLOCATIONS, CLAIMS, PAYMENTS), fill=(_upsert(rows),)
    )


def rows() -> dict:
    """The table's rows that are not zero, by (creditor, day): what a rebuild compares."""
    if not kept():
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT creditor_id, day, allocated, cancelled FROM {TABLE} "
            "WHERE allocated <> 0 OR cancelled <> 0"
        )
        return {
            (creditor, str(day)): (round(float(allocated), 2), round(float(cancelled), 2))
            for creditor, day, allocated, cancelled in cursor.fetchall()
        }
