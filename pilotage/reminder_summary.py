# ruff: noqa: S608 — table and column names of this module only; no value is formatted in.
"""The dashboard's summary of the sent reminders (``ReminderDay``), kept by the database itself
(PostgreSQL; the demo's SQLite reads the reminders, ``pilotage.queries``).

The cadence's figures of the dashboard (docs/kpi.md §3, §4, §5: reminders sent and traced per
level and channel, a dossier's first contact at each level in a cycle and whether a payment
followed within 7, 15, 30 days while that level was still the last one sent, the period's
payments given to the last level sent before them) ranked every sent reminder and looked, for
each payment, for the last reminder before it: minutes at 100,000 claims. They are sums by
creditor, level, channel and day, so ``pilotage_reminderday`` holds them (``channel`` empty:
the payments received that day, by the level they are given to):

- ``sent``, ``traced``: the reminders sent that day (``sent_at``'s local date), those whose
  content is kept;
- ``first_n``: the first contacts of their level in their cycle sent that day; ``paid_7``,
  ``paid_15``, ``paid_30``: those followed by a payment (not taken back by the bank) received
  in ]day, day + N] before any reminder of another level went out on a day before that
  payment (the dashboard counts them for the contacts whose N days are over);
- ``payments_n``, ``payments_amount``: the payments (not credit notes, not taken back by the
  bank) received that day whose last reminder sent on a day before went out at most 30 days
  before, by that reminder's level.

A payment, or a reminder sent later, changes the figures of the reminders sent before it on
the same dossier: the figures are not a sum of independent rows. So each dossier's part is kept
in ``pilotage_reminderdossierday``, and a write on a dossier's sent reminders or payments
(**statement triggers**, from their transition tables: the cadence's batch is one statement)
takes the dossiers' parts away from the summary and adds them computed again
(``pilotage_reminderday_refresh``), in the write's transaction. The dossiers' rows are locked
meanwhile (``FOR NO KEY UPDATE``, the lock an update of the dossier takes), so that two
transactions writing on one dossier refresh its part one after the other, the second seeing
the first's rows. A level renamed on a step, a dossier moved to another creditor refresh their
dossiers too.

``rebuild()`` (``manage.py rebuild_summaries``) computes both tables again from the reminders
and payments; the tests check that a random walk of writes leaves the tables a rebuild would
make, and that the dashboard reads from the summary the figures the reminders give.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from dossiers.models import Dossier, Payment
from pilotage import triggers
from pilotage.kpis import PAYMENT_WINDOWS
from relances.models import CadenceStep, Reminder

TABLE = "pilotage_reminderday"
PARTS = "pilotage_reminderdossierday"
REMINDERS = Reminder._meta.db_table
PAYMENTS = Payment._meta.db_table
STEPS = CadenceStep._meta.db_table
DOSSIERS = Dossier._meta.db_table
SENT = Reminder.Status.SENT.value
PAYMENT = Payment.Kind.PAYMENT.value
LONGEST = PAYMENT_WINDOWS[-1]

PAID = [f"paid_{days}" for days in PAYMENT_WINDOWS]
FIGURES = ["sent", "traced", "first_n", *PAID, "payments_n", "payments_amount"]
KEY = ["creditor_id", "stage", "channel", "day"]
COLUMNS = ", ".join([*KEY, *FIGURES])


def _local_day(column: str) -> str:
    """The local date of a timestamp, as Django's ``TruncDate`` gives it in the site's zone."""
    zone = settings.TIME_ZONE.replace("'", "")
    return f"({column} AT TIME ZONE '{zone}')::date"


def _parts(reminders_scope: str, payments_scope: str) -> str:
    """Each dossier's part (a row per dossier, level, channel and day; ``channel`` empty for
    the payments) of the dossiers the two conditions keep (``r.dossier_id …``,
    ``p.dossier_id …``).

    - ``ranked``: every sent reminder, numbered in its dossier, cycle and level (1: the first
      contact), and in ``run`` the runs of reminders of one level in the dossier's order
      (``sent_at``, then id);
    - ``bound``: the day the next run (another level) started: a payment counts for a first
      contact if it came after its day and not after that one (no reminder of another level
      sent on a day before the payment);
    - the payments: each one's last reminder sent on a day before it (through the reminders'
      dossier index), if at most ``LONGEST`` days before.
    """
    paid = ", ".join(
        f"count(*) FILTER (WHERE rank = 1 AND paid_on <= sent_on + {int(days)}) AS {name}"
        for days, name in zip(PAYMENT_WINDOWS, PAID, strict=True)
    )
    zeros = ", ".join("0" for _ in PAYMENT_WINDOWS)
    return f"""
    WITH sent AS (
      SELECT r.id, r.dossier_id, s.stage, r.channel, r.cycle, r.sent_at,
             {_local_day("r.sent_at")} AS sent_on, r.content <> '' AS traced
        FROM {REMINDERS} r JOIN {STEPS} s ON s.id = r.step_id
       WHERE r.status = '{SENT}' AND r.sent_at IS NOT NULL AND {reminders_scope}
    ), marked AS (
      SELECT sent.*,
             row_number() OVER (PARTITION BY dossier_id, cycle, stage ORDER BY sent_at, id)
               AS rank,
             CASE WHEN stage = lag(stage) OVER by_dossier THEN 0 ELSE 1 END AS starts
        FROM sent WINDOW by_dossier AS (PARTITION BY dossier_id ORDER BY sent_at, id)
    ), ranked AS (
      SELECT marked.*,
             sum(starts) OVER (PARTITION BY dossier_id ORDER BY sent_at, id) AS run
        FROM marked
    ), bound AS (
      SELECT dossier_id, run - 1 AS run, min(sent_on) AS bound
        FROM ranked WHERE starts = 1 GROUP BY dossier_id, run
    ), firsts AS (
      SELECT r.*, CASE WHEN r.rank = 1 THEN (
               SELECT min(p.received_on) FROM {PAYMENTS} p
                WHERE p.dossier_id = r.dossier_id AND p.kind = '{PAYMENT}'
                  AND p.reversed_on IS NULL AND p.received_on > r.sent_on
                  AND (b.bound IS NULL OR p.received_on <= b.bound)) END AS paid_on
        FROM ranked r LEFT JOIN bound b ON b.dossier_id = r.dossier_id AND b.run = r.run
    ), parts AS (
      SELECT dossier_id, stage, channel, sent_on AS day, count(*) AS sent,
             count(*) FILTER (WHERE traced) AS traced,
             count(*) FILTER (WHERE rank = 1) AS first_n, {paid},
             0 AS payments_n, 0 AS payments_amount
        FROM firsts GROUP BY dossier_id, stage, channel, sent_on
      UNION ALL
      SELECT p.dossier_id, l.stage, '', p.received_on, 0, 0, 0, {zeros},
             count(*), sum(p.amount)
        FROM {PAYMENTS} p CROSS JOIN LATERAL (
               SELECT s.stage, {_local_day("x.sent_at")} AS sent_on
                 FROM {REMINDERS} x JOIN {STEPS} s ON s.id = x.step_id
                WHERE x.dossier_id = p.dossier_id AND x.status = '{SENT}'
                  AND x.sent_at IS NOT NULL AND {_local_day("x.sent_at")} < p.received_on
                ORDER BY x.sent_at DESC, x.id DESC LIMIT 1) l
       WHERE p.kind = '{PAYMENT}' AND p.reversed_on IS NULL
         AND p.received_on <= l.sent_on + {int(LONGEST)}
         AND {payments_scope}
       GROUP BY p.dossier_id, l.stage, p.received_on
    )
    SELECT d.creditor_id, parts.* FROM parts JOIN {DOSSIERS} d ON d.id = parts.dossier_id
    """


def _add(source: str, sign: str) -> str:
    """Add the rows of ``source`` (a CTE of dossiers' parts) to the summary, times ``sign``."""
    sums = ", ".join(f"{sign} * sum({name})" for name in FIGURES)
    updates = ", ".join(f"{name} = {TABLE}.{name} + excluded.{name}" for name in FIGURES)
    return (
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {', '.join(KEY)}, {sums} FROM {source} "
        f"GROUP BY {', '.join(KEY)} ON CONFLICT (creditor_id, stage, channel, day) "
        f"DO UPDATE SET {updates}"
    )


_PART_COLUMNS = f"dossier_id, {COLUMNS}"
_FRESH = (
    f"WITH fresh AS (INSERT INTO {PARTS} ({_PART_COLUMNS}) "
    f"SELECT dossier_id, {COLUMNS} FROM ("
    + _parts("r.dossier_id = ANY($1)", "p.dossier_id = ANY($1)")
    + ") computed RETURNING *) "
    + _add("fresh", "1")
)
_GONE = f"WITH gone AS (DELETE FROM {PARTS} WHERE dossier_id = ANY($1) RETURNING *) " + _add(
    "gone", "-1"
)


def _changed(old: str, new: str, columns: list[str], relevant: str) -> str:
    """The dossiers of the rows an update changed in a way the summary sees."""
    before = ", ".join(f"o.{c}" for c in columns)
    after = ", ".join(f"n.{c}" for c in columns)
    return (
        f"SELECT array_agg(DISTINCT x) FROM (SELECT unnest(ARRAY[o.dossier_id, n.dossier_id]) x "
        f"FROM {old} o JOIN {new} n ON n.id = o.id "
        f"WHERE ({relevant.format(t='o')} OR {relevant.format(t='n')}) "
        f"AND ROW({before}) IS DISTINCT FROM ROW({after})) changed"
    )


def _watch(table: str, name: str, relevant: str, columns: list[str]) -> str:
    """The trigger function and the three statement triggers on ``table``."""
    function = f"pilotage_reminderday_{name}"
    rows = "SELECT array_agg(DISTINCT dossier_id) FROM {rows} t WHERE " + relevant.format(t="t")
    return f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids bigint[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    ids := ({rows.format(rows="new_rows")});
  ELSIF TG_OP = 'DELETE' THEN
    ids := ({rows.format(rows="old_rows")});
  ELSE
    ids := ({_changed("old_rows", "new_rows", columns, relevant)});
  END IF;
  PERFORM pilotage_reminderday_refresh(ids);
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


POSTGRESQL = (
    f"""
CREATE OR REPLACE FUNCTION pilotage_reminderday_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  -- one refresh of a dossier at a time; each statement below sees the rows committed before
  EXECUTE 'SELECT count(*) FROM (SELECT 1 FROM {DOSSIERS} WHERE id = ANY($1) ORDER BY id
           FOR NO KEY UPDATE) locked' USING ids;
  EXECUTE $q${_GONE}$q$ USING ids;
  EXECUTE $q${_FRESH}$q$ USING ids;
END $$;
"""
    + _watch(
        REMINDERS,
        "reminders",
        "{t}.status = '" + SENT + "'",
        ["status", "sent_at", "step_id", "cycle", "channel", "content <> ''", "dossier_id"],
    )
    + _watch(
        PAYMENTS,
        "payments",
        "{t}.kind = '" + PAYMENT + "'",
        ["kind", "received_on", "amount", "dossier_id", "reversed_on"],
    )
    + f"""
CREATE OR REPLACE FUNCTION pilotage_reminderday_steps() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pilotage_reminderday_refresh((
    SELECT array_agg(DISTINCT r.dossier_id) FROM {REMINDERS} r
     WHERE r.status = '{SENT}' AND r.step_id IN (
       SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.stage <> o.stage)));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS pilotage_reminderday_steps_upd ON {STEPS};
CREATE TRIGGER pilotage_reminderday_steps_upd AFTER UPDATE ON {STEPS}
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pilotage_reminderday_steps();
CREATE OR REPLACE FUNCTION pilotage_reminderday_creditor() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pilotage_reminderday_refresh(ARRAY[NEW.id]);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS pilotage_reminderday_creditor_upd ON {DOSSIERS};
CREATE TRIGGER pilotage_reminderday_creditor_upd AFTER UPDATE OF creditor_id ON {DOSSIERS}
  FOR EACH ROW WHEN (OLD.creditor_id IS DISTINCT FROM NEW.creditor_id)
  EXECUTE FUNCTION pilotage_reminderday_creditor();
"""
)

_TRIGGERS = [
    *(
        (f"pilotage_reminderday_{name}_{event}", table)
        for name, table in (("reminders", REMINDERS), ("payments", PAYMENTS))
        for event in ("ins", "upd", "del")
    ),
    ("pilotage_reminderday_steps_upd", STEPS),
    ("pilotage_reminderday_creditor_upd", DOSSIERS),
]
POSTGRESQL_DROP = (
    "".join(f"DROP TRIGGER IF EXISTS {name} ON {table};\n" for name, table in _TRIGGERS)
    + "".join(
        f"DROP FUNCTION IF EXISTS pilotage_reminderday_{name}();\n"
        for name in ("reminders", "payments", "steps", "creditor")
    )
    + "DROP FUNCTION IF EXISTS pilotage_reminderday_refresh(bigint[]);\n"
)


kept = triggers.kept


def install(schema_editor=None) -> None:
    """Create the triggers (the migration calls it; idempotent)."""
    triggers.run(POSTGRESQL, schema_editor)


def uninstall(schema_editor=None) -> None:
    triggers.run(POSTGRESQL_DROP, schema_editor)


def rebuild(schema_editor=None) -> int:
    """Compute both tables again from the reminders and payments (in one transaction, those
    locked against writes meanwhile); returns the summary's number of rows."""
    parts = (
        f"INSERT INTO {PARTS} ({_PART_COLUMNS}) "
        f"SELECT dossier_id, {COLUMNS} FROM ({_parts('true', 'true')}) computed"
    )
    return triggers.recompute(
        schema_editor, table=TABLE, lock=(REMINDERS, PAYMENTS, STEPS),
        fill=(parts, _add(PARTS, "1")), clear_too=(PARTS,),
    )  # fmt: skip


def rows() -> dict:
    """The summary's rows that are not zero, by key, and the dossiers' parts summed by the same
    key: what a rebuild compares."""
    if not kept():
        return {}
    out = {}
    with connection.cursor() as cursor:
        for table in (TABLE, PARTS):
            sums = ", ".join(f"sum({name})" for name in FIGURES)
            cursor.execute(
                f"SELECT {', '.join(KEY)}, {sums} FROM {table} GROUP BY {', '.join(KEY)}"
            )
            out[table] = {
                (creditor, stage, channel, str(day)): values
                for creditor, stage, channel, day, *figures in cursor.fetchall()
                if any(values := tuple(round(float(v), 2) for v in figures))
            }
    return out
