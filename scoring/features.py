"""What the score knows about a dossier on a given day, computed the same way for the past (to
learn) and for today (to score): one place, so the model never learns on something it does not
see when it scores.

``load()`` reads the base's facts once, as dates and numbers (never a name, an address, a note
or anything a person typed: ``SOURCES`` lists every field read, and tests/scoring checks it
against the personal-data registry); ``snapshot(history, day)`` gives, for every dossier open
that day with something left to pay, its features as they stood that day, and (for a day at
least 30 days back) whether it was paid in full within the next 30 days.

The facts of a debtor's other dossiers count only with the same creditor: each creditor is the
controller of its own data (GDPR art. 5-1-b), one creditor's history never scores another's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db.models import F, FloatField, Q
from django.db.models.functions import Cast, TruncDate

from dossiers.models import (
    Claim,
    Debtor,
    Dispute,
    Dossier,
    DossierState,
    Installment,
    Payment,
    PaymentPlan,
    Promise,
)
from portail.models import PortalEvent
from relances.models import CallLog, Reminder
from scoring import sectors

NEVER = 10**7  # an ordinal after every date: « not yet »
HORIZON_DAYS = 30
# A balance this small is paid (rounding, bank fees).
PAID_TOLERANCE = 1.0


@dataclass(frozen=True)
class Feature:
    name: str
    group: str


KINDS = ("consumer", "unknown")  # professional is the reference
FEATURES: tuple[Feature, ...] = (
    Feature("amount_log", "amount"),
    Feature("age_months", "age"),
    Feature("open_claims", "claims"),
    Feature("paid_share", "paid"),
    *(Feature(f"kind_{kind}", "kind") for kind in KINDS),
    *(Feature(f"sector_{letter}", "sector") for letter in sectors.LETTERS),
    Feature("pair_paid", "history"),
    Feature("pair_unpaid", "history"),
    Feature("promises_kept", "promises"),
    Feature("promises_broken", "promises"),
    Feature("promise_pending", "promise_pending"),
    Feature("plan_active", "plan"),
    Feature("installments_missed", "plan"),
    Feature("dispute_open", "dispute"),
    Feature("calls_reached", "calls"),
    Feature("calls_unreached", "calls"),
    Feature("reminders_sent", "reminders"),
    Feature("reminders_failed", "failed"),
    Feature("formal_notice", "notice"),
    Feature("portal_visits", "portal"),
    Feature("portal_actions", "portal"),
    Feature("insolvency", "insolvency"),
)
NAMES = tuple(f.name for f in FEATURES)
INDEX = {name: i for i, name in enumerate(NAMES)}
GROUPS = tuple(dict.fromkeys(f.group for f in FEATURES))

# Every field the score reads, per model: dates, amounts, codes and counts. Nothing a person
# typed, no identity, no address, no contact (tests/scoring/test_lawful.py).
SOURCES: dict[str, tuple[str, ...]] = {
    "dossiers.dossier": (
        "id", "creditor", "debtor", "opened_on", "closed_on", "state", "formal_notice_sent_on",
    ),
    "dossiers.debtor": ("kind", "naf_code", "insolvency_opened_on"),
    "dossiers.claim": ("dossier", "issue_date", "due_date", "amount", "cancelled_on"),
    "dossiers.payment": ("dossier", "received_on", "amount", "kind", "reversed_on"),
    "dossiers.promise": ("dossier", "made_on", "settled_on", "status"),
    "dossiers.paymentplan": ("dossier", "accepted_on", "ended_on"),
    "dossiers.installment": ("plan", "missed_on"),
    "dossiers.dispute": ("dossier", "opened_on", "resolved_on"),
    "relances.calllog": ("dossier", "called_at", "outcome"),
    "relances.reminder": ("dossier", "sent_at", "scheduled_for", "status"),
    "portail.portalevent": ("dossier", "at", "kind"),
}  # fmt: skip

PAID_STATES = (DossierState.PAID,)
UNPAID_STATES = (DossierState.LITIGATION, DossierState.WRITTEN_OFF)
PROMISE_CODES = {Promise.Status.PENDING: 0, Promise.Status.KEPT: 1, Promise.Status.BROKEN: 2}
PORTAL_ACTIONS = (
    PortalEvent.Kind.PROMISE,
    PortalEvent.Kind.PLAN,
    PortalEvent.Kind.PLAN_PROPOSED,
    PortalEvent.Kind.ALREADY_PAID,
)


def _ordinal(day) -> int:
    return day.toordinal() if day is not None else NEVER


_EPOCH = date(1970, 1, 1).toordinal()


def _dates(values) -> np.ndarray:
    """Dates (None: ``NEVER``) as ordinals, converted by numpy in one pass."""
    days = np.array(values, dtype="datetime64[D]")
    ordinals = days.astype(np.int64) + _EPOCH
    ordinals[np.isnat(days)] = NEVER
    return ordinals


@dataclass
class History:
    """The base's facts as arrays; events carry the index of their dossier in ``ids``."""

    ids: np.ndarray
    pair: np.ndarray
    opened: np.ndarray
    closed: np.ndarray
    ended_paid: np.ndarray
    ended_unpaid: np.ndarray
    kind: np.ndarray  # 0 professional, 1 consumer, 2 unknown
    sector: np.ndarray  # index in sectors.LETTERS, -1 none
    insolvency: np.ndarray
    notice: np.ndarray
    events: dict[str, dict[str, np.ndarray]]
    first_day: int | None


def _columns(queryset, names: list[str]) -> list[list]:
    rows = list(queryset.values_list(*names))
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in names]


def load(*, open_only: bool = False) -> History:
    """Read the facts. ``open_only``: the events of open dossiers only (scoring today; the
    earlier dossiers of each creditor-debtor pair are still read, without their events)."""
    cols = _columns(
        Dossier.objects.order_by("pk"),
        [
            "pk", "creditor_id", "debtor_id", "opened_on", "closed_on", "state",
            "formal_notice_sent_on", "debtor__kind", "debtor__naf_code",
            "debtor__insolvency_opened_on",
        ],
    )  # fmt: skip
    ids = np.asarray(cols[0], dtype=np.int64)
    state = np.asarray(cols[5], dtype=object)
    kind_codes = {Debtor.Kind.CONSUMER: 1, Debtor.Kind.UNKNOWN: 2}
    letters = {letter: i for i, letter in enumerate(sectors.LETTERS)}
    history = History(
        ids=ids,
        pair=np.asarray(cols[1], dtype=np.int64) * (1 << 32) + np.asarray(cols[2], dtype=np.int64),
        opened=_dates(cols[3]),
        closed=_dates(cols[4]),
        ended_paid=np.isin(state, [str(s) for s in PAID_STATES]),
        ended_unpaid=np.isin(state, [str(s) for s in UNPAID_STATES]),
        kind=np.fromiter((kind_codes.get(k, 0) for k in cols[7]), dtype=np.int8, count=len(ids)),
        sector=np.fromiter(
            (letters.get(sectors.section(code), -1) for code in cols[8]),
            dtype=np.int8,
            count=len(ids),
        ),
        insolvency=_dates(cols[9]),
        notice=_dates(cols[6]),
        events={},
        first_day=None,
    )
    scope = Q(dossier__closed_on__isnull=True) if open_only else Q()

    def index(dossier_ids) -> np.ndarray:
        return np.searchsorted(ids, np.asarray(dossier_ids, dtype=np.int64))

    amount = Cast("amount", FloatField())
    c = _columns(
        Claim.objects.filter(scope).annotate(f=amount),
        ["dossier_id", "issue_date", "due_date", "f", "cancelled_on"],
    )
    history.events["claims"] = {
        "d": index(c[0]), "issue": _dates(c[1]), "due": _dates(c[2]),
        "amount": np.asarray(c[3], dtype=np.float64), "cancelled": _dates(c[4]),
    }  # fmt: skip
    c = _columns(
        Payment.objects.filter(scope).annotate(f=amount),
        ["dossier_id", "received_on", "f", "kind", "reversed_on"],
    )
    history.events["payments"] = {
        "d": index(c[0]), "day": _dates(c[1]), "amount": np.asarray(c[2], dtype=np.float64),
        "is_payment": np.asarray([k == Payment.Kind.PAYMENT for k in c[3]], dtype=bool),
        "reversed": _dates(c[4]),
    }  # fmt: skip
    c = _columns(
        Promise.objects.filter(scope).exclude(status=Promise.Status.CANCELLED),
        ["dossier_id", "made_on", "settled_on", "status"],
    )
    history.events["promises"] = {
        "d": index(c[0]), "made": _dates(c[1]), "settled": _dates(c[2]),
        "status": np.asarray([PROMISE_CODES.get(s, 0) for s in c[3]], dtype=np.int8),
    }  # fmt: skip
    c = _columns(PaymentPlan.objects.filter(scope), ["dossier_id", "accepted_on", "ended_on"])
    history.events["plans"] = {"d": index(c[0]), "accepted": _dates(c[1]), "ended": _dates(c[2])}
    c = _columns(
        Installment.objects.filter(
            Q(plan__dossier__closed_on__isnull=True) if open_only else Q(),
            missed_on__isnull=False,
        ),
        ["plan__dossier_id", "missed_on"],
    )
    history.events["missed"] = {"d": index(c[0]), "day": _dates(c[1])}
    c = _columns(Dispute.objects.filter(scope), ["dossier_id", "opened_on", "resolved_on"])
    history.events["disputes"] = {
        "d": index(c[0]),
        "opened": _dates(c[1]),
        "resolved": _dates(c[2]),
    }
    c = _columns(
        CallLog.objects.filter(scope).annotate(day=TruncDate("called_at")),
        ["dossier_id", "day", "outcome"],
    )
    history.events["calls"] = {
        "d": index(c[0]), "day": _dates(c[1]),
        "reached": np.asarray([o == CallLog.Outcome.REACHED for o in c[2]], dtype=bool),
    }  # fmt: skip
    c = _columns(
        Reminder.objects.filter(scope, status__in=[Reminder.Status.SENT, Reminder.Status.FAILED])
        .annotate(day=TruncDate("sent_at"))
        .annotate(planned=F("scheduled_for")),
        ["dossier_id", "day", "planned", "status"],
    )
    sent_day = [d if d is not None else p for d, p in zip(c[1], c[2], strict=True)]
    history.events["reminders"] = {
        "d": index(c[0]), "day": _dates(sent_day),
        "sent": np.asarray([s == Reminder.Status.SENT for s in c[3]], dtype=bool),
    }  # fmt: skip
    c = _columns(
        PortalEvent.objects.filter(scope, dossier__isnull=False).annotate(day=TruncDate("at")),
        ["dossier_id", "day", "kind"],
    )
    history.events["portal"] = {
        "d": index(c[0]), "day": _dates(c[1]),
        "view": np.asarray([k == PortalEvent.Kind.VIEW for k in c[2]], dtype=bool),
        "action": np.isin(np.asarray(c[2], dtype=object), [str(k) for k in PORTAL_ACTIONS]),
    }  # fmt: skip
    days = history.events["claims"]["due"]
    history.first_day = int(days.min()) if len(days) else None
    return history


@dataclass
class Snapshot:
    day: date
    rows: np.ndarray  # indexes into history.ids
    dossier_ids: np.ndarray
    X: np.ndarray  # float32, one column per FEATURES
    balance: np.ndarray
    paid: np.ndarray | None  # paid in full within HORIZON_DAYS (None: the future is unknown)


def _count(n: int, d: np.ndarray, mask: np.ndarray, weights=None) -> np.ndarray:
    if weights is not None:
        return np.bincount(d[mask], weights=weights[mask], minlength=n)
    return np.bincount(d[mask], minlength=n).astype(np.float64)


# The facts of a dossier on a day, before they become features (``_matrix``): sums, counts and
# dates (ordinals, ``NEVER`` for none), one array each. ``snapshot`` counts them from the events
# read by ``load``; ``scoring_snapshot`` has PostgreSQL count them, for today's scoring.
FACTS = (
    "owed", "claims", "oldest", "paid", "kind", "sector", "pair_paid", "pair_unpaid",
    "promises_kept", "promises_broken", "promises_pending", "plans_active", "installments_missed",
    "disputes_open", "calls_reached", "calls_unreached", "reminders_sent", "reminders_failed",
    "notice", "portal_visits", "portal_actions", "insolvency",
)  # fmt: skip


def _matrix(t: int, f: dict[str, np.ndarray]) -> np.ndarray:
    """The features (one column per FEATURES, float64) from the facts ``f`` on day ``t``."""
    owed, paid_before = f["owed"], f["paid"]
    balance = owed - paid_before
    n = len(owed)
    X = np.zeros((n, len(FEATURES)), dtype=np.float64)
    col = INDEX
    X[:, col["amount_log"]] = np.log10(1 + np.clip(balance, 0, None))
    X[:, col["age_months"]] = np.clip(t - f["oldest"], 0, 730) / 30.0
    X[:, col["open_claims"]] = np.log1p(f["claims"])
    X[:, col["paid_share"]] = np.divide(
        np.clip(paid_before, 0, None), owed, out=np.zeros(n), where=owed > 0
    ).clip(0, 1)
    X[:, col["kind_consumer"]] = f["kind"] == 1
    X[:, col["kind_unknown"]] = f["kind"] == 2
    for i, letter in enumerate(sectors.LETTERS):
        X[:, col[f"sector_{letter}"]] = f["sector"] == i
    X[:, col["pair_paid"]] = f["pair_paid"].clip(0, 10)
    X[:, col["pair_unpaid"]] = f["pair_unpaid"].clip(0, 10)
    X[:, col["promises_kept"]] = f["promises_kept"].clip(0, 10)
    X[:, col["promises_broken"]] = f["promises_broken"].clip(0, 10)
    X[:, col["promise_pending"]] = f["promises_pending"] > 0
    X[:, col["plan_active"]] = f["plans_active"] > 0
    X[:, col["installments_missed"]] = f["installments_missed"].clip(0, 10)
    X[:, col["dispute_open"]] = f["disputes_open"] > 0
    X[:, col["calls_reached"]] = f["calls_reached"].clip(0, 10)
    X[:, col["calls_unreached"]] = f["calls_unreached"].clip(0, 10)
    X[:, col["reminders_sent"]] = f["reminders_sent"].clip(0, 10)
    X[:, col["reminders_failed"]] = f["reminders_failed"].clip(0, 10)
    X[:, col["formal_notice"]] = f["notice"] <= t
    X[:, col["portal_visits"]] = np.log1p(f["portal_visits"])
    X[:, col["portal_actions"]] = f["portal_actions"].clip(0, 10)
    X[:, col["insolvency"]] = f["insolvency"] <= t
    return X


def snapshot(history: History, day: date, *, label: bool = False, rows=None) -> Snapshot:
    """The features of every dossier open on ``day`` with something left to pay; ``label``:
    whether each was paid in full within the next HORIZON_DAYS (a day far enough back).
    ``rows``: a subset of those dossiers (indexes into ``history.ids``), e.g. a sample."""
    t = day.toordinal()
    n = len(history.ids)
    ev = history.events
    c = ev["claims"]
    in_claims = (c["issue"] <= t) & (c["cancelled"] > t)
    oldest = np.full(n, NEVER, dtype=np.int64)
    np.minimum.at(oldest, c["d"][in_claims], c["due"][in_claims])
    p = ev["payments"]
    settled = (p["day"] <= t) & (p["reversed"] > t)
    f = {
        "owed": _count(n, c["d"], in_claims, c["amount"]),
        "claims": _count(n, c["d"], in_claims),
        "oldest": oldest,
        "paid": _count(n, p["d"], settled, p["amount"]),
        "kind": history.kind,
        "sector": history.sector,
        "notice": history.notice,
        "insolvency": history.insolvency,
    }
    balance = f["owed"] - f["paid"]
    open_ = (history.opened <= t) & (history.closed > t) & (balance > PAID_TOLERANCE)
    selected = (
        np.flatnonzero(open_) if rows is None else np.intersect1d(rows, np.flatnonzero(open_))
    )
    # The same creditor's earlier dossiers for this debtor, closed by this day.
    f["pair_paid"] = f["pair_unpaid"] = np.zeros(n)
    closed = history.closed <= t
    keys, inverse = np.unique(history.pair[closed], return_inverse=True)
    if len(keys):
        paid_n = np.bincount(inverse, weights=history.ended_paid[closed], minlength=len(keys))
        unpaid_n = np.bincount(inverse, weights=history.ended_unpaid[closed], minlength=len(keys))
        at = np.searchsorted(keys, history.pair).clip(0, len(keys) - 1)
        found = keys[at] == history.pair
        f["pair_paid"] = np.where(found, paid_n[at], 0)
        f["pair_unpaid"] = np.where(found, unpaid_n[at], 0)
    pr = ev["promises"]
    done = pr["settled"] <= t
    f["promises_kept"] = _count(n, pr["d"], done & (pr["status"] == 1))
    f["promises_broken"] = _count(n, pr["d"], done & (pr["status"] == 2))
    f["promises_pending"] = _count(n, pr["d"], (pr["made"] <= t) & ~done)
    pl = ev["plans"]
    f["plans_active"] = _count(n, pl["d"], (pl["accepted"] <= t) & (pl["ended"] > t))
    mi = ev["missed"]
    f["installments_missed"] = _count(n, mi["d"], mi["day"] <= t)
    di = ev["disputes"]
    f["disputes_open"] = _count(n, di["d"], (di["opened"] <= t) & (di["resolved"] > t))
    ca = ev["calls"]
    before = ca["day"] <= t
    f["calls_reached"] = _count(n, ca["d"], before & ca["reached"])
    f["calls_unreached"] = _count(n, ca["d"], before & ~ca["reached"])
    re = ev["reminders"]
    before = re["day"] <= t
    f["reminders_sent"] = _count(n, re["d"], before & re["sent"])
    f["reminders_failed"] = _count(n, re["d"], before & ~re["sent"])
    po = ev["portal"]
    before = po["day"] <= t
    f["portal_visits"] = _count(n, po["d"], before & po["view"])
    f["portal_actions"] = _count(n, po["d"], before & po["action"])
    X = _matrix(t, {name: values[selected] for name, values in f.items()})

    paid = None
    if label:
        end = t + HORIZON_DAYS
        window = (p["day"] > t) & (p["day"] <= end) & (p["reversed"] > end) & p["is_payment"]
        received = _count(n, p["d"], window, p["amount"])
        paid = (received >= balance - PAID_TOLERANCE)[selected]
    return Snapshot(
        day=day,
        rows=selected,
        dossier_ids=history.ids[selected],
        X=X.astype(np.float32),
        balance=balance[selected],
        paid=paid,
    )


# --- Today's facts counted by PostgreSQL (the daily scoring) --------------------------------


def _facts_sql(tzname: str) -> tuple[str, dict]:
    """One statement giving, for each dossier open today (not closed, opened by ``t``), the
    facts ``snapshot`` counts from ``load(open_only=True)``'s events, each counted the same way
    (tests/scoring/test_scoring_db.py compares them): sums and counts grouped by dossier, the
    same creditor's closed dossiers grouped by creditor and debtor, dates as ordinals."""
    from django.db import connection

    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    zone: list = []

    def day_of(column: str) -> str:  # the local day of a timestamp, as TruncDate reads it
        sql, params = connection.ops.datetime_cast_date_sql(column, (), tzname)
        zone[:] = params
        return sql.replace("%s", "%(tz)s")

    def ordinal(expression: str) -> str:  # date.toordinal(), NEVER for none
        return f"coalesce(({expression}) - DATE '0001-01-01' + 1, {NEVER})"

    # The section of each division 0–99 (its index in sectors.LETTERS, -1 none), read by index.
    letters = {letter: i for i, letter in enumerate(sectors.LETTERS)}
    divisions = ",".join(
        str(letters.get(sectors.section(f"{division:02d}"), -1)) for division in range(100)
    )
    columns = [
        "d.id",
        "coalesce(cl.owed, 0)",
        "coalesce(cl.n, 0)",
        ordinal("cl.oldest"),
        "coalesce(pa.paid, 0)",
        "CASE b.kind WHEN %(consumer)s THEN 1 WHEN %(unknown)s THEN 2 ELSE 0 END",
        "CASE WHEN substr(b.naf_code, 1, 2) ~ '^[0-9]+$' THEN "
        f"('{{{divisions}}}'::int[])[substr(b.naf_code, 1, 2)::int + 1] ELSE -1 END",
        "coalesce(pair.paid, 0)",
        "coalesce(pair.unpaid, 0)",
        "coalesce(pr.kept, 0)",
        "coalesce(pr.broken, 0)",
        "coalesce(pr.pending, 0)",
        "coalesce(pl.active, 0)",
        "coalesce(mi.missed, 0)",
        "coalesce(di.open, 0)",
        "coalesce(ca.reached, 0)",
        "coalesce(ca.unreached, 0)",
        "coalesce(re.sent, 0)",
        "coalesce(re.failed, 0)",
        ordinal("d.formal_notice_sent_on"),
        "coalesce(po.visits, 0)",
        "coalesce(po.actions, 0)",
        ordinal("b.insolvency_opened_on"),
    ]  # the id, then FACTS in order
    sql = f"""
    WITH d AS (
        SELECT id, creditor_id, debtor_id, formal_notice_sent_on FROM {table(Dossier)}
        WHERE closed_on IS NULL AND opened_on <= %(t)s
    ), cl AS (
        SELECT c.dossier_id AS id, sum(c.amount) AS owed, count(*) AS n, min(c.due_date) AS oldest
        FROM {table(Claim)} c JOIN d ON d.id = c.dossier_id
        WHERE c.issue_date <= %(t)s AND (c.cancelled_on IS NULL OR c.cancelled_on > %(t)s)
        GROUP BY c.dossier_id
    ), pa AS (
        SELECT p.dossier_id AS id, sum(p.amount) AS paid
        FROM {table(Payment)} p JOIN d ON d.id = p.dossier_id
        WHERE p.received_on <= %(t)s AND (p.reversed_on IS NULL OR p.reversed_on > %(t)s)
        GROUP BY p.dossier_id
    ), pair AS (
        SELECT creditor_id, debtor_id,
            count(*) FILTER (WHERE state = ANY(%(paid_states)s)) AS paid,
            count(*) FILTER (WHERE state = ANY(%(unpaid_states)s)) AS unpaid
        FROM {table(Dossier)} WHERE closed_on <= %(t)s GROUP BY creditor_id, debtor_id
    ), pr AS (
        SELECT p.dossier_id AS id,
            count(*) FILTER (WHERE p.settled_on <= %(t)s AND p.status = %(kept)s) AS kept,
            count(*) FILTER (WHERE p.settled_on <= %(t)s AND p.status = %(broken)s) AS broken,
            count(*) FILTER (
                WHERE p.made_on <= %(t)s AND (p.settled_on IS NULL OR p.settled_on > %(t)s)
            ) AS pending
        FROM {table(Promise)} p JOIN d ON d.id = p.dossier_id
        WHERE p.status <> %(cancelled)s GROUP BY p.dossier_id
    ), pl AS (
        SELECT p.dossier_id AS id, count(*) AS active
        FROM {table(PaymentPlan)} p JOIN d ON d.id = p.dossier_id
        WHERE p.accepted_on <= %(t)s AND (p.ended_on IS NULL OR p.ended_on > %(t)s)
        GROUP BY p.dossier_id
    ), mi AS (
        SELECT p.dossier_id AS id, count(*) AS missed
        FROM {table(Installment)} i JOIN {table(PaymentPlan)} p ON p.id = i.plan_id
        JOIN d ON d.id = p.dossier_id
        WHERE i.missed_on <= %(t)s GROUP BY p.dossier_id
    ), di AS (
        SELECT x.dossier_id AS id, count(*) AS open
        FROM {table(Dispute)} x JOIN d ON d.id = x.dossier_id
        WHERE x.opened_on <= %(t)s AND (x.resolved_on IS NULL OR x.resolved_on > %(t)s)
        GROUP BY x.dossier_id
    ), ca AS (
        SELECT x.dossier_id AS id,
            count(*) FILTER (WHERE x.outcome = %(reached)s) AS reached,
            count(*) FILTER (WHERE x.outcome <> %(reached)s) AS unreached
        FROM {table(CallLog)} x JOIN d ON d.id = x.dossier_id
        WHERE {day_of("x.called_at")} <= %(t)s GROUP BY x.dossier_id
    ), re AS (
        SELECT x.dossier_id AS id,
            count(*) FILTER (WHERE x.status = %(sent)s) AS sent,
            count(*) FILTER (WHERE x.status <> %(sent)s) AS failed
        FROM {table(Reminder)} x JOIN d ON d.id = x.dossier_id
        WHERE x.status IN (%(sent)s, %(failed)s)
            AND coalesce({day_of("x.sent_at")}, x.scheduled_for) <= %(t)s
        GROUP BY x.dossier_id
    ), po AS (
        SELECT x.dossier_id AS id,
            count(*) FILTER (WHERE x.kind = %(view)s) AS visits,
            count(*) FILTER (WHERE x.kind = ANY(%(actions)s)) AS actions
        FROM {table(PortalEvent)} x JOIN d ON d.id = x.dossier_id
        WHERE {day_of("x.at")} <= %(t)s GROUP BY x.dossier_id
    )
    -- One value holding every number as 8 bytes (a row per dossier, by id), which numpy
    -- reads as it is: a row sent at a time cost the driver ~0.1 ms each (20 s for 200,000
    -- dossiers), a text of numbers 2 s of parsing.
    SELECT string_agg({" || ".join(f"float8send(({column})::float8)" for column in columns)},
        ''::bytea ORDER BY d.id)
    FROM d
    JOIN {table(Debtor)} b ON b.id = d.debtor_id
    LEFT JOIN cl ON cl.id = d.id
    LEFT JOIN pa ON pa.id = d.id
    LEFT JOIN pair ON pair.creditor_id = d.creditor_id AND pair.debtor_id = d.debtor_id
    LEFT JOIN pr ON pr.id = d.id
    LEFT JOIN pl ON pl.id = d.id
    LEFT JOIN mi ON mi.id = d.id
    LEFT JOIN di ON di.id = d.id
    LEFT JOIN ca ON ca.id = d.id
    LEFT JOIN re ON re.id = d.id
    LEFT JOIN po ON po.id = d.id
    """  # noqa: S608 (tables and numbers from the code; the values are parameters)
    params = {
        "tz": zone[0] if zone else None,
        "paid_states": [str(s) for s in PAID_STATES],
        "unpaid_states": [str(s) for s in UNPAID_STATES],
        "kept": str(Promise.Status.KEPT),
        "broken": str(Promise.Status.BROKEN),
        "cancelled": str(Promise.Status.CANCELLED),
        "reached": str(CallLog.Outcome.REACHED),
        "sent": str(Reminder.Status.SENT),
        "failed": str(Reminder.Status.FAILED),
        "view": str(PortalEvent.Kind.VIEW),
        "actions": [str(k) for k in PORTAL_ACTIONS],
        "consumer": str(Debtor.Kind.CONSUMER),
        "unknown": str(Debtor.Kind.UNKNOWN),
    }
    return sql, params


def scoring_snapshot(day: date) -> Snapshot:
    """``snapshot(load(open_only=True), day)`` counted by PostgreSQL: the facts of each dossier
    open on ``day`` in one statement, grouped on the server, sent as one value of 8-byte
    numbers read by numpy as they are; then the same ``_matrix``. The daily scoring's
    path (200,000 open dossiers: one statement instead of ten reads of every event)."""
    from django.db import connection
    from django.utils import timezone

    sql, params = _facts_sql(timezone.get_current_timezone_name())
    params["t"] = day
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        packed = cursor.fetchone()[0] or b""
    data = np.frombuffer(packed, dtype=">f8").astype(np.float64).reshape(-1, 1 + len(FACTS))
    ids = data[:, 0].astype(np.int64)
    f = {name: data[:, 1 + i] for i, name in enumerate(FACTS)}
    for name in ("oldest", "notice", "insolvency"):
        f[name] = f[name].astype(np.int64)
    f["kind"] = f["kind"].astype(np.int8)
    f["sector"] = f["sector"].astype(np.int8)
    balance = f["owed"] - f["paid"]
    keep = balance > PAID_TOLERANCE
    f = {name: values[keep] for name, values in f.items()}
    return Snapshot(
        day=day,
        rows=np.flatnonzero(keep),
        dossier_ids=ids[keep],
        X=_matrix(day.toordinal(), f).astype(np.float32),
        balance=balance[keep],
        paid=None,
    )


# What each feature means, in the words of the manager's page and of the processing register.
LABELS: dict[str, str] = {
    "amount_log": "montant restant dû (échelle logarithmique)",
    "age_months": "ancienneté du retard (mois, plafonnée à 24)",
    "open_claims": "nombre de factures impayées",
    "paid_share": "part de la somme déjà réglée",
    "kind_consumer": "débiteur consommateur (plutôt que professionnel)",
    "kind_unknown": "type de débiteur inconnu",
    **{f"sector_{letter}": f"secteur : {label}" for letter, label in sectors.LABELS.items()},
    "pair_paid": "dossiers précédents réglés (même créancier)",
    "pair_unpaid": "dossiers précédents non réglés (contentieux, perte ; même créancier)",
    "promises_kept": "promesses de paiement tenues",
    "promises_broken": "promesses de paiement non tenues",
    "promise_pending": "promesse de paiement en cours",
    "plan_active": "échéancier en cours",
    "installments_missed": "échéances impayées",
    "dispute_open": "contestation en cours",
    "calls_reached": "appels où le débiteur a été joint",
    "calls_unreached": "appels sans réponse ou faux numéro",
    "reminders_sent": "relances envoyées",
    "reminders_failed": "envois en échec",
    "formal_notice": "mise en demeure envoyée",
    "portal_visits": "consultations de l'espace en ligne",
    "portal_actions": "réponses en ligne (promesse, échéancier, « déjà payé »)",
    "insolvency": "procédure collective ouverte",
}
