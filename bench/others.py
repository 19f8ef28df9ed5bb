"""Letters, dashboard and purge: the product's function against its floor, or "pending" while
the product function does not exist yet (its import fails)."""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path

from bench.measure import QueryCounter, _django

ON = date(2026, 11, 24)
LETTER_HTML = (Path(__file__).parent / "letter.html").read_text()


def _pending(name: str, error: Exception) -> dict:
    return {"status": "pending", "missing": name, "error": f"{type(error).__name__}: {error}"}


def _on_cue(calls: int, call, cued: bool, budget: float | None = None) -> list[float]:
    """The times of ``call(0)`` … ``call(calls - 1)``. ``cued``: bench/run.py runs the product
    and its floor side by side (``measure_in_turns``) and cues their calls in turn, so that a
    burst of load on the shared machine falls on both; each call waits for its cue and
    answers with its time."""
    if cued:
        print(json.dumps({"ready": True}), flush=True)
    seconds = []
    for index in range(calls):
        if cued and not sys.stdin.readline():
            break
        start = time.perf_counter()
        call(index)
        seconds.append(time.perf_counter() - start)
        if cued:
            print(json.dumps({"call": seconds[-1]}), flush=True)
        if budget and sum(seconds) >= budget:
            break  # a page this slow is measured on fewer calls (the row says how many)
    return seconds


# --- Letters ----------------------------------------------------------------------------------


DISTINCT_LETTERS = 100  # both sides render the same letters, in the same order, cycled
LETTERS: list[dict] = []  # what the floor prints: filled before the workers fork
_FONTS: list = []  # the floor's WeasyPrint font configuration, made once, like the product's


def _bare_pdf(n: int) -> int:
    """One letter with WeasyPrint alone: the product's HTML, options and metadata (PDF/A-3b,
    title, author, dates, language), so that the bytes are the product's; then its SHA-256."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    if not _FONTS:
        _FONTS.append(FontConfiguration())
    letter = LETTERS[n % len(LETTERS)]
    document = HTML(string=letter["html"].replace("{n}", f"{n:07d}")).render(font_config=_FONTS[0])
    for name, value in letter["metadata"].items():
        setattr(document.metadata, name, value)
    pdf = document.write_pdf(**letter["options"])
    hashlib.sha256(pdf).hexdigest()
    return len(pdf)


def _letter_reminder_ids(count: int) -> list[int]:
    from relances.models import Channel, Reminder

    return list(
        Reminder.objects.filter(channel__in=[Channel.LETTER, Channel.REGISTERED_LETTER])
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )


def _product_letters(database: str, distinct: int = DISTINCT_LETTERS) -> list[dict]:
    """What the product prints for the first letters (HTML, WeasyPrint options, metadata),
    when its pipeline exists; checked against the product's own PDF of the first one."""
    _django(database)
    try:
        from courriers.rendering import PDF_VARIANT, reminder_document
    except ImportError:
        return []
    from relances.models import Reminder

    letters = []
    for pk in _letter_reminder_ids(distinct):
        try:
            document = reminder_document(Reminder.objects.get(pk=pk))
        except Exception:  # a pipeline still being written: the sample letter stands in
            return []
        stamp = f"{document.on:%Y-%m-%d}T00:00:00+00:00"
        metadata = {
            "title": document.subject,
            "authors": [document.dossier.creditor.legal_name],
            "created": stamp,
            "modified": stamp,
            "lang": "fr",
        }
        options = {"pdf_variant": PDF_VARIANT} if PDF_VARIANT else {}
        letters.append({"html": document.print_html, "metadata": metadata, "options": options})
        if len(letters) == 1:
            letters[0]["product_pdf"] = document.pdf
    return letters


def _pool_run(func, items, workers: int, turns: int, cued: bool, initializer=None, initargs=()):
    """The letters in ``turns`` batches (each on its cue), by ``workers`` processes forked once
    the first letter is made; returns the batches' times."""
    size = -(-len(items) // turns)
    batches = [items[start : start + size] for start in range(0, len(items), size)]
    if workers == 1:
        if initializer:
            initializer(*initargs)
        return _on_cue(len(batches), lambda i: [func(item) for item in batches[i]], cued)
    with get_context("fork").Pool(workers, initializer, initargs) as pool:
        return _on_cue(
            len(batches), lambda i: list(pool.imap_unordered(func, batches[i], chunksize=2)), cued
        )


def _letters_result(seconds: list[float], count: int, workers: int) -> dict:
    return {
        "seconds": sum(seconds),
        "letters": count,
        "workers": workers,
        "batches": [round(s, 3) for s in seconds],
    }


def letters_floor(
    database: str, count: str = "1000", workers: str = "1", turns: str = "1", cued: str = "0"
) -> dict:
    """Bare WeasyPrint (plus a SHA-256), ``count`` letters: the HTML, options and metadata the
    product prints for the same reminders once it exists, else ``bench/letter.html``."""
    from django.db import connections

    LETTERS[:] = _product_letters(database) or [
        {"html": LETTER_HTML, "metadata": {}, "options": {}}
    ]
    connections.close_all()
    product_pdf = LETTERS[0].pop("product_pdf", None)
    _bare_pdf(0)  # fonts and CSS machinery loaded once, as in a warm worker
    seconds = _pool_run(_bare_pdf, range(int(count)), int(workers), int(turns), cued == "1")
    result = _letters_result(seconds, int(count), int(workers))
    result["html"] = "product" if product_pdf is not None else "bench/letter.html"
    if product_pdf is not None:
        from weasyprint import HTML

        letter = LETTERS[0]
        document = HTML(string=letter["html"]).render(font_config=_FONTS[0])
        for name, value in letter["metadata"].items():
            setattr(document.metadata, name, value)
        result["same_bytes"] = document.write_pdf(**letter["options"]) == product_pdf
    return result


def _render(reminder_id: int) -> int:
    from courriers import rendering
    from courriers.rendering import render_letter
    from relances.models import Reminder

    # The letters cycle over DISTINCT_LETTERS: keep none, so that each one is rendered (the
    # bench measures the rendering, not ``rendering._RENDERED``).
    rendering.RENDERED_KEPT = 0
    return len(render_letter(Reminder.objects.get(pk=reminder_id)))


def _worker_init(database: str) -> None:
    from django.db import connections

    connections.close_all()  # each worker opens its own connection


def letters(
    database: str, count: str = "1000", workers: str = "1", turns: str = "1", cued: str = "0"
) -> dict:
    """The product's letter pipeline, ``courriers.rendering.render_letter(reminder) -> bytes``."""
    _django(database)
    try:
        from courriers.rendering import render_letter  # noqa: F401
    except ImportError as error:
        return _pending("courriers.rendering.render_letter", error)
    from django.db import connections

    ids = _letter_reminder_ids(min(int(count), DISTINCT_LETTERS))
    if not ids:
        return {"status": "no letter reminders in the database"}
    items = [ids[i % len(ids)] for i in range(int(count))]
    try:
        _render(items[0])
    except Exception as error:  # a pipeline still being written
        return _pending("courriers.rendering.render_letter (call)", error)
    connections.close_all()
    seconds = _pool_run(
        _render, items, int(workers), int(turns), cued == "1", _worker_init, (database,)
    )
    return _letters_result(seconds, len(items), int(workers))


# --- Dashboard --------------------------------------------------------------------------------

# The same figures as ``pilotage.selectors.dashboard_data()`` (every KPI of docs/kpi.md, default
# filters: the twelve months to the day of the run), in hand-written SQL.
_OPEN = "outstanding > 0 AND cancelled_on IS NULL"
_AGING = [(None, 0), (1, 30), (31, 60), (61, 90), (91, 180), (181, None)]
_ACTIVE = ["open", "reminder_1", "reminder_2", "reminder_3", "formal_notice", "go_no_go",
           "promise", "payment_plan", "disputed", "insolvency", "restricted",
           "accessories"]  # fmt: skip
_PIECES = [("contract", "order"), ("invoice",), ("delivery_note",)]
_PIECE_KEYS = ["contract_or_order", "invoice", "delivery"]  # the product's names (kpis)
_BUCKETS = ["not_due", "d1_30", "d31_60", "d61_90", "d91_180", "d180"]  # _AGING's, named
_NOTICE = "d.closed_on IS NULL AND d.state IN ('formal_notice', 'go_no_go')"
_TZ = "'Europe/Paris'"


def _aging(low, high) -> str:
    q = _OPEN
    if low is not None:
        q += f" AND due_date <= %(on)s::date - {low}"
    if high is not None:
        q += f" AND due_date >= %(on)s::date - {high}"
    return f"sum(outstanding) FILTER (WHERE {q}), count(*) FILTER (WHERE {q})"


def _evidence(kinds) -> str:
    listed = ", ".join(f"'{k}'" for k in kinds)
    return f"EXISTS (SELECT 1 FROM dossiers_evidence e WHERE e.dossier_id = d.id AND e.kind IN ({listed}))"  # noqa: E501


_PIECE_SQL = [_evidence(kinds) for kinds in _PIECES]
_ON_DAY = "(%s AT TIME ZONE 'Europe/Paris')::date BETWEEN %%(start)s AND %%(on)s"
_CLAIM_KEYS = [
    "open_total",
    *[f"aging_{key}{n}" for key in _BUCKETS for n in ("", "_n")],
    "issued_end",
    "allocated_end",
    "sales",
    *[f"sales_m{i}" for i in range(24)],
]
_REMINDER_KEYS = ["sent", "traced", "first_n", "due7", "paid7", "due15", "paid15", "due30",
                  "paid30", "payments_n", "payments_amount"]  # fmt: skip
_ARRANGEMENT_KEYS = ["promises_kept", "promises_broken", "plans_honoured", "plans_broken",
                     "disputes_opened", "disputes_resolved", "disputes_upheld",
                     "disputes_open_now", "calls", "calls_traced"]  # fmt: skip
_TEAM_KEYS = ["held", "calls", "approvals", "recorded", "uploads", "recovered"]
_PAYMENT = "kind = 'payment' AND reversed_on IS NULL"
# The payment windows of the sent reminders: the first of a level counts once its N days are
# over by the day of the run; paid if a payment came within N days while that level was still
# the last one sent.
_WINDOWS = ", ".join(
    f"count(*) FILTER (WHERE rank = 1 AND sent_on <= %(on)s::date - {d}), "
    f"count(*) FILTER (WHERE rank = 1 AND sent_on <= %(on)s::date - {d} "
    f"AND paid_on <= sent_on + {d})"
    for d in (7, 15, 30)
)
_SENT = """SELECT r.id, r.dossier_id, r.channel, s.stage, r.content <> '' AS traced, r.sent_at,
       (r.sent_at AT TIME ZONE 'Europe/Paris')::date AS sent_on,
       row_number() OVER (PARTITION BY r.dossier_id, r.cycle, s.stage
                          ORDER BY r.sent_at, r.id) AS rank
FROM relances_reminder r JOIN relances_cadencestep s ON s.id = r.step_id
WHERE r.status = 'sent' AND r.sent_at IS NOT NULL"""
# The last sent reminder of the payment's dossier before it (``col``: its level or its day).
_LAST = """(SELECT {col} FROM relances_reminder x JOIN relances_cadencestep s ON s.id = x.step_id
   WHERE x.dossier_id = p.dossier_id AND x.status = 'sent' AND x.sent_at IS NOT NULL
     AND (x.sent_at AT TIME ZONE 'Europe/Paris')::date < p.received_on
   ORDER BY x.sent_at DESC, x.id DESC LIMIT 1)"""
DASHBOARD_SQL = [
    # Claims: outstanding, aging balance, receivables at the end (less allocations), invoicing
    # of the period and of each count-back month.
    "SELECT sum(outstanding) FILTER (WHERE "
    + _OPEN
    + "), "
    + ", ".join(_aging(low, high) for low, high in _AGING)
    + """, sum(amount) FILTER (WHERE issue_date <= %(on)s
                                  AND (cancelled_on IS NULL OR cancelled_on > %(on)s)),
       (SELECT sum(a.amount) FROM dossiers_paymentallocation a
        JOIN dossiers_payment p ON p.id = a.payment_id JOIN dossiers_claim c ON c.id = a.claim_id
        WHERE p.received_on <= %(on)s AND c.issue_date <= %(on)s
          AND (c.cancelled_on IS NULL OR c.cancelled_on > %(on)s)),
       sum(amount) FILTER (WHERE issue_date BETWEEN %(start)s AND %(on)s), """
    + ", ".join(
        f"sum(amount) FILTER (WHERE issue_date BETWEEN %(m{i}s)s AND %(m{i}e)s)" for i in range(24)
    )
    + " FROM dossiers_claim",
    # Dossiers: open by state, pieces at formal notice, purges overdue.
    "SELECT "
    + ", ".join(f"count(*) FILTER (WHERE d.closed_on IS NULL AND d.state = '{s}')" for s in _ACTIVE)
    + f", count(*) FILTER (WHERE {_NOTICE}), "
    + ", ".join(f"count(*) FILTER (WHERE {_NOTICE} AND {p})" for p in _PIECE_SQL)
    + f", count(*) FILTER (WHERE {_NOTICE} AND {' AND '.join(_PIECE_SQL)}),"
    + """ count(*) FILTER (WHERE d.closed_on IS NOT NULL AND d.purge_on < %(on)s
                               AND b.name <> '[anonymisé]')
       FROM dossiers_dossier d JOIN dossiers_debtor b ON b.id = d.debtor_id""",
    # Payments received per month (not credit notes, not taken back by the bank).
    f"""SELECT date_trunc('month', received_on)::date, count(*), sum(amount)
       FROM dossiers_payment WHERE {_PAYMENT} AND received_on BETWEEN %(start)s AND %(on)s
       GROUP BY 1""",
    # Sent reminders per level and channel; the first of each level per dossier and cycle, and
    # whether a payment came within 7, 15, 30 days of it while that level was still the last
    # one sent (before the first later reminder of another level: ``other_on``); then the
    # period's payments by the last level sent at most 30 days before them (channel NULL).
    f"""WITH sent AS ({_SENT})
    SELECT stage, channel, count(*), count(*) FILTER (WHERE traced),
           count(*) FILTER (WHERE rank = 1), {_WINDOWS}, 0, 0
    FROM (SELECT r.*, CASE WHEN rank = 1 THEN (
              SELECT min(p.received_on) FROM dossiers_payment p
              WHERE p.dossier_id = r.dossier_id AND p.{_PAYMENT.replace(" AND ", " AND p.")}
                AND p.received_on > r.sent_on
                AND (r.other_on IS NULL OR p.received_on <= r.other_on)) END AS paid_on
          FROM (SELECT r.*, CASE WHEN rank = 1 THEN (
                    SELECT min(x.sent_on) FROM sent x WHERE x.dossier_id = r.dossier_id
                    AND x.stage <> r.stage
                    AND (x.sent_at > r.sent_at OR (x.sent_at = r.sent_at AND x.id > r.id)))
                    END AS other_on
                FROM sent r WHERE sent_on BETWEEN %(start)s AND %(on)s) r) r
    GROUP BY stage, channel
    UNION ALL
    SELECT stage, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, count(*), sum(amount)
    FROM (SELECT p.amount, p.received_on, {_LAST.format(col="s.stage")} AS stage,
                 {_LAST.format(col="(x.sent_at AT TIME ZONE 'Europe/Paris')::date")} AS sent_on
          FROM dossiers_payment p
          WHERE p.{_PAYMENT.replace(" AND ", " AND p.")}
            AND p.received_on BETWEEN %(start)s AND %(on)s) a
    WHERE stage IS NOT NULL AND received_on <= sent_on + 30
    GROUP BY stage""",
    # Promises, plans, disputes and calls of the period.
    """SELECT
       (SELECT count(*) FILTER (WHERE status = 'kept') FROM dossiers_promise
        WHERE settled_on BETWEEN %(start)s AND %(on)s),
       (SELECT count(*) FILTER (WHERE status = 'broken') FROM dossiers_promise
        WHERE settled_on BETWEEN %(start)s AND %(on)s),
       (SELECT count(*) FROM dossiers_paymentplan p JOIN dossiers_dossier d ON d.id = p.dossier_id
        WHERE (p.status = 'completed' AND p.ended_on BETWEEN %(start)s AND %(on)s)
           OR (p.status = 'active' AND d.state = 'paid'
               AND d.closed_on BETWEEN %(start)s AND %(on)s)
           OR (p.status = 'active' AND d.state = 'accessories'
               AND d.accessories_since BETWEEN %(start)s AND %(on)s)),
       (SELECT count(*) FROM dossiers_paymentplan
        WHERE status = 'broken' AND ended_on BETWEEN %(start)s AND %(on)s),
       (SELECT count(*) FROM dossiers_dispute WHERE opened_on BETWEEN %(start)s AND %(on)s),
       (SELECT count(*) FROM dossiers_dispute
        WHERE status <> 'open' AND resolved_on BETWEEN %(start)s AND %(on)s),
       (SELECT count(*) FROM dossiers_dispute
        WHERE status = 'upheld' AND resolved_on BETWEEN %(start)s AND %(on)s),
       (SELECT count(*) FROM dossiers_dispute WHERE status = 'open'),
       (SELECT count(*) FROM relances_calllog WHERE """
    + _ON_DAY % "called_at"
    + """), (SELECT count(*) FROM relances_calllog WHERE summary <> '' AND """
    + _ON_DAY % "called_at"
    + ")",
    # The controllers: dossiers held, actions and amounts recovered over the period.
    """SELECT u.username,
       (SELECT count(*) FROM dossiers_dossier d WHERE d.assigned_to_id = u.id
        AND d.closed_on IS NULL),
       (SELECT count(*) FROM relances_calllog c WHERE c.called_by_id = u.id AND """
    + _ON_DAY % "c.called_at"
    + """),
       (SELECT count(*) FROM relances_reminder r WHERE r.approved_by_id = u.id AND """
    + _ON_DAY % "r.approved_at"
    + """),
       (SELECT count(*) FROM dossiers_payment p WHERE p.recorded_by_id = u.id
        AND p.received_on BETWEEN %(start)s AND %(on)s),
       (SELECT count(*) FROM dossiers_evidence e WHERE e.uploaded_by_id = u.id AND """
    + _ON_DAY % "e.uploaded_at"
    + """),
       (SELECT coalesce(sum(p.amount), 0) FROM dossiers_payment p
        JOIN dossiers_dossier d ON d.id = p.dossier_id
        WHERE p.kind = 'payment' AND p.reversed_on IS NULL AND d.assigned_to_id = u.id
        AND p.received_on BETWEEN %(start)s AND %(on)s)
       FROM auth_user u WHERE EXISTS (
         SELECT 1 FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id
         WHERE ug.user_id = u.id AND g.name = 'controller')
       ORDER BY u.last_name, u.first_name, u.username""",
]

# The second floor: the same figures read from the summary tables the page reads
# (``pilotage``: claims, sent reminders, allocations, calls and payments by creditor and day,
# open dossiers by creditor, controller and state, payments by controller and day), kept by
# triggers; what no summary holds (evidence at formal notice, purges, promises, plans,
# disputes, the controllers' own actions) read from its table, as the page does.
_MATURE = ", ".join(
    f"sum(first_n) FILTER (WHERE day <= %(on)s::date - {d}), "
    f"sum(paid_{d}) FILTER (WHERE day <= %(on)s::date - {d})"
    for d in (7, 15, 30)
)
SUMMARY_SQL = [
    "SELECT sum(open_amount), "
    + ", ".join(
        "sum(open_amount) FILTER (WHERE {w}), sum(open_count) FILTER (WHERE {w})".format(
            w=" AND ".join(
                ([f"day <= %(on)s::date - {low}"] if low is not None else [])
                + ([f"day >= %(on)s::date - {high}"] if high is not None else [])
            )
        )
        for low, high in _AGING
    )
    + """, coalesce(sum(issued) FILTER (WHERE day <= %(on)s), 0)
           - coalesce(sum(cancelled) FILTER (WHERE day <= %(on)s), 0),
       (SELECT coalesce(sum(allocated), 0) - coalesce(sum(cancelled), 0)
        FROM pilotage_allocationday WHERE day <= %(on)s),
       sum(issued) FILTER (WHERE day BETWEEN %(start)s AND %(on)s), """
    + ", ".join(
        f"sum(issued) FILTER (WHERE day BETWEEN %(m{i}s)s AND %(m{i}e)s)" for i in range(24)
    )
    + " FROM pilotage_claimday",
    "WITH states AS (SELECT state, sum(open_count) AS n FROM pilotage_dossierstatecount "
    "GROUP BY state) SELECT "
    + ", ".join(f"(SELECT coalesce(sum(n), 0) FROM states WHERE state = '{s}')" for s in _ACTIVE)
    + ", n.*, g.* FROM (SELECT count(*), "
    + ", ".join(f"count(*) FILTER (WHERE {p})" for p in _PIECE_SQL)
    + f", count(*) FILTER (WHERE {' AND '.join(_PIECE_SQL)}) FROM dossiers_dossier d "
    + f"WHERE {_NOTICE}) n, "
    + """(SELECT count(*) FROM dossiers_dossier d JOIN dossiers_debtor b ON b.id = d.debtor_id
          WHERE d.closed_on IS NOT NULL AND d.purge_on < %(on)s
            AND b.name <> '[anonymisé]') g""",
    """SELECT date_trunc('month', day)::date, sum(payments_n), sum(payments_amount)
       FROM pilotage_activityday WHERE day BETWEEN %(start)s AND %(on)s
       GROUP BY 1 HAVING sum(payments_n) > 0""",
    f"""SELECT stage, nullif(channel, ''), sum(sent), sum(traced), sum(first_n), {_MATURE},
           sum(payments_n), sum(payments_amount)
       FROM pilotage_reminderday WHERE day BETWEEN %(start)s AND %(on)s
       GROUP BY stage, channel HAVING sum(sent) > 0 OR sum(payments_n) > 0""",
    DASHBOARD_SQL[4]
    .replace(
        "(SELECT count(*) FROM relances_calllog WHERE " + _ON_DAY % "called_at" + ")",
        "(SELECT coalesce(sum(calls), 0) FROM pilotage_activityday "
        "WHERE day BETWEEN %(start)s AND %(on)s)",
    )
    .replace(
        "(SELECT count(*) FROM relances_calllog WHERE summary <> '' AND "
        + _ON_DAY % "called_at"
        + ")",
        "(SELECT coalesce(sum(calls_traced), 0) FROM pilotage_activityday "
        "WHERE day BETWEEN %(start)s AND %(on)s)",
    ),
    DASHBOARD_SQL[5]
    .replace(
        """(SELECT count(*) FROM dossiers_dossier d WHERE d.assigned_to_id = u.id
        AND d.closed_on IS NULL)""",
        "(SELECT coalesce(sum(open_count), 0) FROM pilotage_dossierstatecount s "
        "WHERE s.assignee = u.id)",
    )
    .replace(
        """(SELECT coalesce(sum(p.amount), 0) FROM dossiers_payment p
        JOIN dossiers_dossier d ON d.id = p.dossier_id
        WHERE p.kind = 'payment' AND p.reversed_on IS NULL AND d.assigned_to_id = u.id
        AND p.received_on BETWEEN %(start)s AND %(on)s)""",
        "(SELECT coalesce(sum(recovered), 0) FROM pilotage_teamday t "
        "WHERE t.assignee = u.id AND t.day BETWEEN %(start)s AND %(on)s)",
    ),
]
assert SUMMARY_SQL[4] != DASHBOARD_SQL[4] and SUMMARY_SQL[5] != DASHBOARD_SQL[5]


def _money(value) -> str:
    return f"{Decimal(value or 0):.2f}"


def _figures(rows: list[list]) -> dict:
    """The dashboard's figures from the rows of ``DASHBOARD_SQL`` or ``SUMMARY_SQL`` (same
    shapes), named as the product names them (``product_figures``): the « same result »
    check compares these."""
    claims, dossiers, payments, reminders, arrangements, team = rows
    out: dict = {"claims": {}, "dossiers": {}}
    for key, value in zip(_CLAIM_KEYS, claims[0], strict=True):
        out["claims"][key] = int(value or 0) if key.endswith("_n") else _money(value)
    names = [f"state_{s}" for s in _ACTIVE] + ["notice"]
    names += [f"notice_{key}" for key in _PIECE_KEYS] + ["notice_complete", "purges_overdue"]
    out["dossiers"] = {key: int(v or 0) for key, v in zip(names, dossiers[0], strict=True)}
    out["payments"] = {str(m): [int(n), _money(t)] for m, n, t in payments}
    out["reminders"] = {
        f"{stage}|{channel or ''}": [int(v or 0) for v in values[:-1]] + [_money(values[-1])]
        for stage, channel, *values in reminders
    }
    out["arrangements"] = {
        key: int(v or 0) for key, v in zip(_ARRANGEMENT_KEYS, arrangements[0], strict=True)
    }
    out["team"] = {
        name: [int(v or 0) for v in values[:-1]] + [_money(values[-1])] for name, *values in team
    }
    return out


def product_figures(today: date = ON) -> dict:
    """The figures the dashboard's page reads (``pilotage.queries``, default filters: every
    creditor, the twelve months to the day of the run), in ``_figures``'s shape."""
    from pilotage import queries
    from pilotage.filters import make_filters

    f = make_filters(today=today)
    claims = queries.claims_query(f)
    costs = queries.arrangements_query(f)
    out: dict = {
        "claims": {key: claims[key] for key in _CLAIM_KEYS if key != "allocated_end"},
        "dossiers": {},
    }
    out["claims"] = {
        key: int(value or 0) if key.endswith("_n") else _money(value)
        for key, value in out["claims"].items()
    }
    out["claims"]["allocated_end"] = _money(costs.allocated_end)
    names = [f"state_{s}" for s in _ACTIVE] + ["notice"]
    names += [f"notice_{key}" for key in _PIECE_KEYS] + ["notice_complete", "purges_overdue"]
    out["dossiers"] = {key: int(claims[key] or 0) for key in names}
    payments = queries.payments_query(f)
    out["payments"] = {str(m): [int(n), _money(total)] for m, (n, total) in payments.items()}
    out["reminders"] = {
        f"{row['step__stage']}|{row['channel'] or ''}": [
            int(row[key] or 0) for key in _REMINDER_KEYS[:-1]
        ]
        + [_money(row["payments_amount"])]
        for row in queries.reminders_query(f)
    }
    out["arrangements"] = {key: int(getattr(costs, key) or 0) for key in _ARRANGEMENT_KEYS}
    out["team"] = {
        user.username: [int(getattr(user, key) or 0) for key in _TEAM_KEYS[:-1]]
        + [_money(user.recovered)]
        for user in queries.team_query(f)
    }
    return out


def digest(figures: dict) -> str:
    return hashlib.sha256(json.dumps(figures, sort_keys=True).encode()).hexdigest()


def differences(product: dict, floor: dict, limit: int = 8) -> list[str]:
    """The first figures that differ (section, key: product / floor), for the JSON."""
    out = []
    for section in sorted(set(product) | set(floor)):
        a, b = product.get(section, {}), floor.get(section, {})
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                out.append(f"{section} {key}: {a.get(key)} / {b.get(key)}")
    return out[:limit]


def _dashboard_params(on: date = ON) -> dict:
    """The day of the run, the period's first day (twelve months, the current one included)
    and the count-back months (the current one to the day of the run, then 23 whole ones)."""
    first = on.replace(day=1)
    year, month = divmod(first.year * 12 + first.month - 1 - 11, 12)
    params = {"on": on, "start": date(year, month + 1, 1)}
    month_end = on
    for i in range(24):
        month_start = month_end.replace(day=1)
        params[f"m{i}s"], params[f"m{i}e"] = month_start, month_end
        month_end = month_start - timedelta(days=1)
    return params


# The dashboard is a page served by a long-lived worker: each side opens its connection first,
# makes one call that is not counted (the first of the process: imports, Django compiling the
# queries, the calendar), then ``runs`` calls; the median counts, the first call is kept as
# information.


# A dashboard side stops once its calls took this long (``DASHBOARD_BUDGET``, seconds): with a
# realistic seed the product's page took ~50 s per call at 100k, and `make bench SIZE=1M` must
# fit in 15 minutes. The row then shows the median of the calls made.
DASHBOARD_BUDGET = float(os.environ.get("DASHBOARD_BUDGET", "60"))


def _timed_calls(call, runs: int, cued: bool) -> dict:
    seconds = _on_cue(runs + 1, lambda _: call(), cued, DASHBOARD_BUDGET)
    first, warm = seconds[0], seconds[1:] or seconds
    return {
        "seconds": statistics.median(warm),
        "best_seconds": min(warm),
        "all_seconds": [round(s, 4) for s in warm],
        "first_call_seconds": first,
    }


def _floor(database: str, statements: list[str], runs: str, cued: str) -> dict:
    from bench import db

    params = _dashboard_params()
    rows: list = []
    # Like Django's: autocommit, and no statement prepared after five runs (psycopg's default
    # when Django's is none), so that each call parses and plans its queries as a page does.
    with (
        db.connect(database, autocommit=True, prepare_threshold=None) as conn,
        conn.cursor() as cur,
    ):

        def call():
            rows.clear()
            for query in statements:
                cur.execute(query, params)
                rows.append(cur.fetchall())

        result = _timed_calls(call, int(runs), cued == "1")
    figures = _figures(rows)
    return {**result, "queries": len(statements), "figures": figures, "digest": digest(figures)}


def dashboard_floor(database: str, runs: str = "7", cued: str = "0") -> dict:
    """The first floor: the page's figures by aggregate SQL on the base tables."""
    return _floor(database, DASHBOARD_SQL, runs, cued)


def dashboard_summary_floor(database: str, runs: str = "7", cued: str = "0") -> dict:
    """The second floor: the same figures read from the summary tables (``SUMMARY_SQL``)."""
    return _floor(database, SUMMARY_SQL, runs, cued)


def dashboard(database: str, runs: str = "7", cued: str = "0") -> dict:
    _django(database)
    try:
        from pilotage.selectors import dashboard_data
    except ImportError as error:
        return _pending("pilotage.selectors.dashboard_data", error)
    from django.db import connection

    connection.ensure_connection()
    counter = QueryCounter()

    def call():
        counter.count = 0
        with connection.execute_wrapper(counter):
            dashboard_data(today=ON)

    result = _timed_calls(call, int(runs), cued == "1")
    figures = product_figures()  # after the timed calls: the « same result » check
    return {**result, "queries": counter.count, "figures": figures, "digest": digest(figures)}


def same_result(sides: dict) -> None:
    """« Same result »: each dashboard floor's figures against the product's (``figures``,
    popped from the JSON: ``digest`` and, when they differ, the first ``differences`` stay)."""
    product = sides["dashboard"].pop("figures", None)
    for name in ("dashboard_floor", "dashboard_summary_floor"):
        side = sides.get(name)
        if not side:
            continue
        floor = side.pop("figures", None)
        side["same_result"] = product is not None and floor is not None and product == floor
        if product is not None and floor is not None and product != floor:
            side["differences"] = differences(product, floor)


# --- Purge ------------------------------------------------------------------------------------


def _purge_targets():
    """(table, columns, how to reach the debtor) for every live and history table listed in
    ``journal.personal_data``."""
    from django.apps import apps

    from journal.personal_data import PERSONAL_FIELDS, TRANSIENT, anonymised_value

    targets = []
    for label, names in PERSONAL_FIELDS.items():
        if not names or label in TRANSIENT:
            continue  # working data cleared by age, not by debtor
        model = apps.get_model(label)
        models = [model]
        history = getattr(model, "history", None)
        if history is not None:
            models.append(history.model)
        for m in models:
            sets, params = [], []
            kept = {f.name for f in m._meta.concrete_fields}
            for name in names:
                if name not in kept:
                    continue  # left out of the history table
                field = m._meta.get_field(name)
                sets.append(f'"{field.column}" = %s')
                params.append(anonymised_value(field))
            columns = {f.column for f in m._meta.concrete_fields}
            if label == "dossiers.debtor":
                key = "id"
            elif "debtor_id" in columns:
                key = "debtor_id"
            elif "dossier_id" in columns:
                key = "dossier_id"
            else:
                key = "claim_id"
            targets.append((m._meta.db_table, ", ".join(sets), params, key))
    return targets


def _allow_purged_contacts(cur) -> None:
    """Before the GDPR purge lands, a contact must keep an e-mail or a phone: on this copy
    only, let a contact marked as purged keep neither (the rule of the purge's branch)."""
    from journal.personal_data import ANONYMISED

    definition = cur.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conname = 'debtor_contact_reachable'"
    ).fetchone()
    if definition and ANONYMISED not in definition[0]:
        cur.execute(
            "ALTER TABLE dossiers_debtorcontact DROP CONSTRAINT debtor_contact_reachable, "
            "ADD CONSTRAINT debtor_contact_reachable CHECK "
            f"(email <> '' OR phone <> '' OR name = {_quote(ANONYMISED)})"
        )
        cur.connection.commit()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def purge_floor(database: str) -> dict:
    """Raw SQL anonymisation of the same rows: every personal field of the purgeable debtors,
    in the live tables and their history tables, one UPDATE per table."""
    _django(database)
    from bench import db

    targets = _purge_targets()
    with db.connect(database) as conn, conn.cursor() as cur:
        _allow_purged_contacts(cur)
        start = time.perf_counter()
        # History tables are append-only (journal triggers) except through the purge's door,
        # ``journal_open_rewrite``, which needs a purge record (docs/journal.md §3).
        certificate = cur.execute(
            "INSERT INTO rgpd_purgecertificate (ran_at, purge_date, operator_label, debtors, "
            "dossiers, live_rows, history_rows, files_deleted, counts) "
            "VALUES (now(), %(on)s, 'plancher bench', 0, 0, 0, 0, 0, '{}') RETURNING id",
            {"on": ON},
        ).fetchone()[0]
        cur.execute("SELECT journal_open_rewrite(%s)", [f"rgpd.purgecertificate:{certificate}"])
        has_purge_on = cur.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'dossiers_dossier' "
            "AND column_name = 'purge_on'"
        ).fetchone()
        due = "d.purge_on IS NULL OR d.purge_on > %(on)s" if has_purge_on else "false"
        cur.execute(
            "CREATE TEMP TABLE gone ON COMMIT DROP AS SELECT b.id FROM dossiers_debtor b "
            "WHERE EXISTS (SELECT 1 FROM dossiers_dossier d WHERE d.debtor_id = b.id) "
            "AND NOT EXISTS (SELECT 1 FROM dossiers_dossier d WHERE d.debtor_id = b.id "
            f"AND (d.closed_on IS NULL OR {due}))",
            {"on": ON},
        )
        cur.execute(
            "CREATE TEMP TABLE gone_d ON COMMIT DROP AS "
            "SELECT d.id FROM dossiers_dossier d JOIN gone g ON g.id = d.debtor_id"
        )
        cur.execute(
            "CREATE TEMP TABLE gone_c ON COMMIT DROP AS "
            "SELECT c.id FROM dossiers_claim c JOIN gone_d g ON g.id = c.dossier_id"
        )
        cur.execute("ANALYZE gone; ANALYZE gone_d; ANALYZE gone_c")
        rows = 0
        for table, sets, params, key in targets:
            scope = {"dossier_id": "gone_d", "claim_id": "gone_c"}.get(key, "gone")
            cur.execute(
                f'UPDATE "{table}" SET {sets} WHERE "{key}" IN (SELECT id FROM {scope})',
                params,
            )
            rows += cur.rowcount
        debtors = cur.execute("SELECT count(*) FROM gone").fetchone()[0]
        conn.commit()
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "debtors": debtors, "rows": rows, "queries": len(targets) + 5}


def seal(database: str) -> dict:
    """The journal's seal of every history row (``journal.chain.seal``): the purge's base is
    sealed before its measure, as the beat (``journal.seal``, every 10 minutes) keeps a real
    base; unsealed, the purge would time sealing six years of history."""
    _django(database)
    from journal.chain import seal as journal_seal

    start = time.perf_counter()
    links = journal_seal()
    return {"seconds": time.perf_counter() - start, "links": links}


def purge(database: str) -> dict:
    _django(database)
    try:
        from rgpd.services import purge_run
    except ImportError as error:
        return _pending("rgpd.services.purge_run", error)
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        report = purge_run(on=ON)
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "debtors": getattr(report, "debtors", None),
        "queries": counter.count,
    }


if os.environ.get("BENCH_DEBUG"):  # pragma: no cover
    print(_purge_targets())
