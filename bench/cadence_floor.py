"""The floor of the daily cadence run: the same work as ``relances.services.run_cadence`` in a
handful of set-based statements, in one transaction.

Same selection (active dossier due on the day, cadence state, debtor who may be contacted, no
hold, balance at or above the policy's tolerance, a pending step due, a working day, the
spacing between contacts kept), same state changes (stage reached, next action date), same
reminder rows (fired steps planned, skipped ones cancelled with the catch-up notes) and the
same journal rows (one history row per reminder and per dossier, with the same reasons).

Working days come from a small calendar table filled from ``legal.calendar`` (data,
like the holidays themselves), built and analysed before the timer (``prepare``), as the
product's calendar is warmed before its run; every temporary table is analysed once filled.
Paths the seeded data never takes (promises, payment plans,
Go/No-Go, waits) are not written here: the run compares its result with the product's.

A formal notice fired by the run has not gone out yet (it waits for its approval, then its
delivery): like the product (``relances.planning._go_no_go_date``), the floor holds the dossier —
no next action — instead of counting a Go/No-Go deadline from the day the step was planned. The
deadline is counted when the notice actually leaves (its sending, or a registered letter's
deposit at the post office).
"""

from __future__ import annotations

from datetime import date, timedelta

import psycopg

from legal import calendar

ALSACE_MOSELLE = ("57", "67", "68")
STAGES = "ARRAY['courtesy','reminder_1','reminder_2','reminder_3','formal_notice']"
STATE_AS_STAGE = (
    "CASE c.state WHEN 'open' THEN 'courtesy' ELSE c.state END"  # open = before any reminder
)
REGION = f"CASE WHEN left(b.postal_code, 2) IN {ALSACE_MOSELLE!r} THEN 'am' ELSE 'fr' END"


def calendar_rows(on: date, before: int = 800, after: int = 200):
    for region, postal_code in (("fr", "75001"), ("am", "67000")):
        for n in range(-before, after):
            day = on + timedelta(days=n)
            rolled = calendar.roll_forward(day, postal_code=postal_code)
            yield region, day, rolled, rolled == day


CALENDAR = """CREATE TEMP TABLE cal (region text, day date, rolled date, working bool,
        PRIMARY KEY (region, day))"""

STATEMENTS = [
    # 1. The selection.
    f"""CREATE TEMP TABLE cand ON COMMIT DROP AS
    SELECT d.id, d.state, d.cycle, d.debtor_id, p.id AS policy_id, p.min_spacing_days,
           CASE WHEN d.cycle > 1 AND d.cycle_started_on IS NOT NULL
                THEN d.cycle_started_on ELSE d.reference_date END AS anchor,
           {REGION} AS region
    FROM dossiers_dossier d
    JOIN dossiers_debtor b ON b.id = d.debtor_id
    LEFT JOIN relances_debtorcadenceoverride o ON o.debtor_id = b.id
    LEFT JOIN relances_creditorcadence cc ON cc.creditor_id = d.creditor_id
         AND cc.debtor_kind = CASE WHEN b.kind = 'unknown' THEN 'consumer' ELSE b.kind END
    JOIN relances_cadencepolicy p ON p.id = COALESCE(o.policy_id, cc.policy_id, (
         SELECT dp.id FROM relances_cadencepolicy dp WHERE dp.is_default
         AND dp.debtor_kind = CASE WHEN b.kind = 'unknown' THEN 'consumer' ELSE b.kind END))
    WHERE d.closed_on IS NULL AND d.next_action_at IS NOT NULL AND d.next_action_at <= %(on)s
      AND d.state IN ('open', 'reminder_1', 'reminder_2', 'reminder_3', 'formal_notice')
      AND NOT b.processing_restricted AND b.insolvency_status = ''
      AND NOT EXISTS (SELECT 1 FROM relances_dossierhold h WHERE h.dossier_id = d.id
          AND h.released_on IS NULL AND h.started_on <= %(on)s AND h.until >= %(on)s)
      AND (SELECT coalesce(sum(outstanding), 0) FROM dossiers_claim cl
           WHERE cl.dossier_id = d.id) >= p.tolerance""",
    # 2. Pending steps (not yet planned in this cycle, at or after the dossier's stage).
    f"""CREATE TEMP TABLE pend ON COMMIT DROP AS
    SELECT c.id AS dossier_id, s.id AS step_id, s.offset_days, s.stage, s.channel, s.label,
           s.needs_approval, cal.rolled AS step_on
    FROM cand c
    JOIN relances_cadencestep s ON s.policy_id = c.policy_id
    JOIN cal ON cal.region = c.region AND cal.day = c.anchor + s.offset_days
    WHERE array_position({STAGES}, s.stage::text) >= array_position({STAGES}, {STATE_AS_STAGE})
      AND NOT EXISTS (SELECT 1 FROM relances_reminder r WHERE r.dossier_id = c.id
          AND r.cycle = c.cycle AND r.step_id = s.id)""",
    # 3. Who fires: a due step, a working day, the spacing since the debtor's last contact kept.
    """CREATE TEMP TABLE fire ON COMMIT DROP AS
    SELECT c.*, t.top, t.has_skipped, t.skipped_labels
    FROM cand c
    JOIN (SELECT dossier_id, max(offset_days) AS top,
                 bool_or(offset_days < top_all) AS has_skipped,
                 string_agg(label, ', ' ORDER BY offset_days, step_id)
                     FILTER (WHERE offset_days < top_all) AS skipped_labels
          FROM (SELECT p.*, max(offset_days) OVER (PARTITION BY dossier_id) AS top_all
                FROM pend p WHERE step_on <= %(on)s) x
          GROUP BY dossier_id) t ON t.dossier_id = c.id
    JOIN cal today ON today.region = c.region AND today.day = %(on)s AND today.working
    LEFT JOIN (SELECT d.debtor_id, max(r.scheduled_for) AS last
               FROM relances_reminder r JOIN dossiers_dossier d ON d.id = r.dossier_id
               WHERE r.status IN ('planned', 'sent')
                 AND d.debtor_id IN (SELECT debtor_id FROM cand)
               GROUP BY d.debtor_id) lc ON lc.debtor_id = c.debtor_id
    LEFT JOIN cal sp ON sp.region = c.region AND sp.day = lc.last + c.min_spacing_days
    WHERE lc.last IS NULL OR %(on)s >= sp.rolled""",
    # 4. The reminder rows and their journal rows.
    """WITH new AS (
        INSERT INTO relances_reminder (dossier_id, step_id, cycle, channel, status,
            scheduled_for, caught_up, note, content, created_at, delivery_attempts, reanchored)
        SELECT f.id, p.step_id, f.cycle, p.channel,
               CASE WHEN p.offset_days = f.top THEN 'planned' ELSE 'cancelled' END,
               %(on)s, p.offset_days = f.top AND f.has_skipped,
               CASE WHEN p.offset_days < f.top THEN %(skipped_note)s
                    WHEN f.has_skipped THEN %(caught_up_prefix)s || f.skipped_labels || ').'
                    ELSE '' END,
               '', now(), 0, false
        FROM fire f JOIN pend p ON p.dossier_id = f.id AND p.step_on <= %(on)s
        ORDER BY f.id, p.offset_days, p.step_id
        RETURNING *)
    INSERT INTO relances_historicalreminder (id, dossier_id, step_id, cycle, channel, status,
        scheduled_for, caught_up, note, content, sent_at, approved_by_id, approved_at,
        created_at, delivery_attempts, reanchored, history_date, history_change_reason,
        history_type)
    SELECT n.id, n.dossier_id, n.step_id, n.cycle, n.channel, n.status, n.scheduled_for,
           n.caught_up, n.note, n.content, n.sent_at, n.approved_by_id, n.approved_at,
           n.created_at, n.delivery_attempts, n.reanchored, now(),
           CASE WHEN n.note <> '' THEN n.note ELSE 'cadence : ' || s.label END, '+'
    FROM new n JOIN relances_cadencestep s ON s.id = n.step_id""",
    # 5. The dossiers' new stage and next action date, and their journal rows.
    f"""CREATE TEMP TABLE moved ON COMMIT DROP AS
    SELECT f.id,
           CASE WHEN st.stage <> 'courtesy' AND st.stage <> f.state THEN st.stage
                ELSE f.state END AS new_state,
           st.labels, f.has_skipped, f.region, f.min_spacing_days,
           nx.earliest
    FROM fire f
    JOIN (SELECT dossier_id, string_agg(label, ' + ' ORDER BY offset_days, step_id) AS labels,
                 ({STAGES})[max(array_position({STAGES}, stage::text))] AS stage
          FROM pend p JOIN fire f2 ON f2.id = p.dossier_id AND p.offset_days = f2.top
          GROUP BY dossier_id) st ON st.dossier_id = f.id
    LEFT JOIN (SELECT p.dossier_id, min(p.step_on) AS earliest
               FROM pend p JOIN fire f3 ON f3.id = p.dossier_id AND p.offset_days > f3.top
               GROUP BY p.dossier_id) nx ON nx.dossier_id = f.id""",
    """UPDATE dossiers_dossier d SET state = m.new_state,
        next_action_at = CASE
            WHEN m.earliest IS NOT NULL THEN greatest(m.earliest, sp.rolled)
            ELSE NULL END
    FROM moved m
    JOIN cal sp ON sp.region = m.region AND sp.day = %(on)s + m.min_spacing_days
    WHERE d.id = m.id""",
    """INSERT INTO dossiers_historicaldossier (id, creditor_id, debtor_id, reference,
        assigned_to_id, state, opened_on, closed_on, reference_date, next_action_at,
        resume_state, cycle, cycle_started_on, history_date, history_change_reason,
        history_type)
    SELECT d.id, d.creditor_id, d.debtor_id, d.reference, d.assigned_to_id, d.state,
           d.opened_on, d.closed_on, d.reference_date, d.next_action_at, d.resume_state,
           d.cycle, d.cycle_started_on, now(),
           'cadence : ' || m.labels || CASE WHEN m.has_skipped THEN ' (rattrapage)' ELSE '' END,
           '~'
    FROM dossiers_dossier d JOIN moved m ON m.id = d.id""",
]


# The temporary tables the floor creates, analysed before the next statement reads them (a
# person writing this by hand would: without statistics PostgreSQL guesses 1,000 rows and
# picks nested loops that, at 1M claims, discarded 6.5 M rows in one step).
ANALYSED = ("cand", "pend", "fire", "moved")


def prepare(conn, on: date) -> None:
    """Work outside the timer, as the product's calendar is built before its run: the calendar
    table (a session's temporary table), filled and analysed."""
    with conn.cursor() as cur:
        cur.execute(CALENDAR)
        with cur.copy("COPY cal (region, day, rolled, working) FROM STDIN") as copy:
            for row in calendar_rows(on):
                copy.write_row(row)
        cur.execute("ANALYZE cal")
    conn.commit()


def score_statement(today: date | None = None) -> tuple[str, list]:
    """« Ma journée »'s stored priority of the dossiers the floor moved: the worklist's score
    (``journee.priority.scored``: weights, items and risk points are the product's definition,
    ~40 conditions) as one ``UPDATE`` over the ``moved`` table, written where it changed, like
    ``journee.priority.refresh``. Compiled through Django before the timer (the floor's other
    statements are SQL written here); the product re-scores the dossiers its run wrote at the
    end of each batch, inside its timer, for the real day (``timezone.localdate()``, the day
    a controller opens the list), whatever the day of the run: so does the floor. Until
    03/12/2026 the floor wrote no priority and the « same rows » check did not read it: the
    product was timed doing work the floor skipped."""
    from django.db import connection
    from django.db.models import F
    from django.db.models.expressions import RawSQL
    from django.utils import timezone

    from dossiers.models import Dossier
    from journee.priority import scored

    # The legal engine's prescription flags (Python: ``journee.selectors.prescription_flags``)
    # read for every open dossier here, outside the timer — a dossier's flag depends on its
    # own claims alone, so the moved ones get theirs; the product reads its batch's inside.
    every_open = Dossier.objects.filter(closed_on__isnull=True)
    rows = scored(every_open, today or timezone.localdate())
    rows = rows.filter(pk__in=RawSQL("SELECT id FROM moved", [])).order_by()
    rows = rows.values(row_id=F("pk"), row_score=F("score"), row_attention=F("needs_person"))
    sql, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(Dossier._meta.db_table)
    return (
        f"WITH s AS MATERIALIZED ({sql}) "
        f"UPDATE {table} SET priority = s.row_score, attention = s.row_attention "
        f"FROM s WHERE {table}.id = s.row_id "
        f"AND ({table}.priority <> s.row_score OR {table}.attention <> s.row_attention)",
        list(params),
    )


def run(conn, on: date, score: tuple[str, list] | None = None) -> dict:
    """Run the floor on an open psycopg connection (``prepare`` done); commit; return what it
    did. ``score``: ``score_statement()``, run last (the priority of the dossiers moved)."""
    params = {
        "on": on,
        "skipped_note": f"Étape dépassée, non émise (rattrapage au {on:%d/%m/%Y}).",
        "caught_up_prefix": f"Rattrapage au {on:%d/%m/%Y} : étapes non émises (",
    }
    with conn.cursor() as cur:
        for statement in STATEMENTS:
            cur.execute(statement, params)
            created = statement.split("CREATE TEMP TABLE ", 1)
            if len(created) == 2 and (name := created[1].split()[0]) in ANALYSED:
                cur.execute(f"ANALYZE {name}")
        examined = cur.execute("SELECT count(*) FROM cand").fetchone()[0]
        fired = cur.execute("SELECT count(*) FROM moved").fetchone()[0]
    if score is not None:
        # Django's SQL, bound on the client as Django binds it (its parameters' types are
        # those of the literals Django writes).
        with psycopg.ClientCursor(conn) as cur:
            cur.execute(*score)
    conn.commit()
    return {
        "examined": examined,
        "fired": fired,
        "queries": len(STATEMENTS) + len(ANALYSED) + 2 + (score is not None),
    }


COMPARE = {
    "reminders": """SELECT md5(string_agg(concat_ws('|', dossier_id, step_id, cycle, channel,
        status, scheduled_for, caught_up, note), ',' ORDER BY dossier_id, step_id, cycle))
        FROM relances_reminder""",
    "dossiers": """SELECT md5(string_agg(concat_ws('|', id, state, next_action_at, priority,
        attention), ',' ORDER BY id)) FROM dossiers_dossier""",
    "journal": """SELECT md5(coalesce((SELECT string_agg(concat_ws('|', dossier_id, step_id,
        status, note, history_type, history_change_reason), ',' ORDER BY dossier_id, step_id,
        history_id) FROM relances_historicalreminder), '') || coalesce((SELECT
        string_agg(concat_ws('|', id, state, next_action_at, history_type,
        history_change_reason), ',' ORDER BY id, history_id)
        FROM dossiers_historicaldossier), ''))""",
}


def fingerprint(conn) -> dict:
    with conn.cursor() as cur:
        return {key: cur.execute(query).fetchone()[0] for key, query in COMPARE.items()}
