"""The KPI maths of docs/kpi.md on the rows ``pilotage.queries`` reads: totals, ratios, the DSO
(simple and count-back), the cost of the actions, the actions per working day.

Apart from the SQL and from the page so that each formula is plain arithmetic on numbers, read
and checked on its own against docs/kpi.md; no query runs here and no table is laid out. The
house choices of docs/kpi.md (aging buckets, payment windows, count-back depth, the pieces
asked at formal notice, the channels with a cost) are defined here too: the queries count by
them and the page names them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from dossiers.models import ACTIVE_STATES, DossierState, Evidence
from dossiers.services._common import cents
from legal.calendar import add_months, is_working_day
from pilotage.filters import Filters
from relances.models import Channel, Stage

ZERO = Decimal("0.00")
# House choices of docs/kpi.md (not rules of law).
COUNTBACK_MONTHS = 24
PAYMENT_WINDOWS = (7, 15, 30)
AGING_BUCKETS = (
    # key, label, (min days overdue, max days overdue) — None: open-ended.
    ("not_due", "Non échu", (None, 0)),
    ("d1_30", "1 à 30 jours", (1, 30)),
    ("d31_60", "31 à 60 jours", (31, 60)),
    ("d61_90", "61 à 90 jours", (61, 90)),
    ("d91_180", "91 à 180 jours", (91, 180)),
    ("d180", "Plus de 180 jours", (181, None)),
)
# Dossiers "at formal notice": the notice went out, the deadline runs or has passed.
NOTICE_STATES = (DossierState.FORMAL_NOTICE, DossierState.GO_NO_GO)
# The file the Go/No-Go checklist asks for (contract or order, invoice, delivery proof).
NOTICE_PIECES = (
    (
        "contract_or_order",
        "Contrat ou bon de commande",
        (Evidence.Kind.CONTRACT, Evidence.Kind.ORDER),
    ),
    ("invoice", "Facture", (Evidence.Kind.INVOICE,)),
    ("delivery", "Preuve de livraison", (Evidence.Kind.DELIVERY_NOTE,)),
)
COST_CHANNELS = (
    (Channel.EMAIL, "email"),
    (Channel.SMS, "sms"),
    (Channel.LETTER, "letter"),
    (Channel.REGISTERED_LETTER, "registered_letter"),
)


@dataclass
class Kpis:
    """Every number of the dashboard before it is laid out: ``figures``, the headline ones by
    name (they become ``Dashboard.figures``), and the series the tables show, keyed by what
    they count rather than by a label."""

    figures: dict = field(default_factory=dict)
    aging: dict = field(default_factory=dict)  # bucket key: (open invoices, outstanding)
    states: list = field(default_factory=list)  # (active state, dossiers), if any
    months: list = field(default_factory=list)  # (first day, payments, amount)
    # (Stage, dossiers reminded, [paid share], (payments of the period, amount))
    stages: list = field(default_factory=list)
    commitments: dict = field(default_factory=dict)  # promises, plans: (due, kept, share)
    channels: list = field(default_factory=list)  # (channel, actions, unit cost, cost)
    calls: tuple = ()  # (calls, unit cost, cost)
    compliance: dict = field(default_factory=dict)  # indicator: (count, out of, share)
    team: list = field(default_factory=list)  # (user, held, actions, per working day, recovered)


def ratio(part, whole) -> Decimal | None:
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


def month_starts(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


def working_days(start: date, end: date) -> int:
    """Working days of the period (weekends and French public holidays excluded)."""
    return sum(
        1 for offset in range((end - start).days + 1) if is_working_day(start + timedelta(offset))
    )


def countback_months(end: date) -> list[tuple[date, date]]:
    """The months walked back by the count-back, the period's last (partial) month first."""
    months = []
    month_end = end
    for _ in range(COUNTBACK_MONTHS):
        month_start = month_end.replace(day=1)
        months.append((month_start, month_end))
        month_end = month_start - timedelta(days=1)
    return months


def countback_dso(receivables: Decimal, months: list[tuple[date, date, Decimal]]) -> Decimal | None:
    """Count-back: walk back month by month, taking each month's invoicing off the receivables
    until they are used up; whole months count their days, the last one its share.
    ``months``: (first day, last day, invoicing), the period's last month first."""
    if receivables is None or receivables <= 0:
        return Decimal("0")
    left, days = receivables, Decimal("0")
    for month_start, month_end, sales in months:
        span = (month_end - month_start).days + 1
        if sales and left <= sales:
            return days + left / sales * span
        left -= sales or ZERO
        days += span
    return None  # more receivables than COUNTBACK_MONTHS of invoicing


def compute(f: Filters, claims: dict, payments: dict, reminders: list[dict], costs, team) -> Kpis:
    """The KPIs of the rows of ``pilotage.queries`` (``claims``, ``payments``, ``reminders``,
    ``arrangements`` as ``costs``, ``team``); the figures in docs/kpi.md's order."""
    k = Kpis()
    _portfolio(k, f, claims, payments)
    _dso(k, f, claims, costs)
    _cadence(k, reminders, costs)
    _cost(k, reminders, costs)
    _compliance(k, claims, reminders, costs)
    _team(k, f, team)
    return k


def _portfolio(k: Kpis, f: Filters, claims: dict, payments: dict) -> None:
    k.figures["outstanding"] = claims["open_total"] or ZERO
    k.aging = {
        key: (claims[f"aging_{key}_n"], claims[f"aging_{key}"] or ZERO)
        for key, _, _ in AGING_BUCKETS
    }
    k.states = [
        (state, claims[f"state_{state}"]) for state in ACTIVE_STATES if claims[f"state_{state}"]
    ]
    k.figures["open_dossiers"] = sum(n for _, n in k.states)
    k.months = [(m, *payments.get(m, (0, ZERO))) for m in month_starts(f.start, f.end)]
    k.figures["recovered"] = sum((amount for _, _, amount in k.months), ZERO)


def _dso(k: Kpis, f: Filters, claims: dict, costs) -> None:
    receivables = claims["issued_end"] - costs.allocated_end
    sales = claims["sales"] or ZERO
    simple = receivables / sales * f.days if sales else None
    months = [
        (start, end, claims[f"sales_m{i}"] or ZERO)
        for i, (start, end) in enumerate(countback_months(f.end))
    ]
    countback = countback_dso(receivables, months)
    k.figures.update(
        receivables_end=receivables, sales=sales, dso_simple=simple, dso_countback=countback
    )


def _cadence(k: Kpis, reminders: list[dict], costs) -> None:
    by_stage: dict[str, dict] = {}
    for row in reminders:
        stage = by_stage.setdefault(row["step__stage"], {})
        for key, value in row.items():
            if key not in ("step__stage", "channel"):
                stage[key] = stage.get(key, 0) + (value or 0)
    for stage in Stage:
        if stage not in by_stage:
            continue
        counts = by_stage[stage]
        rates = [ratio(counts[f"paid{d}"], counts[f"due{d}"]) for d in PAYMENT_WINDOWS]
        paid = (counts["payments_n"], cents(counts["payments_amount"] or ZERO))
        k.stages.append((stage, counts["first_n"], rates, paid))
    promise_due = costs.promises_kept + costs.promises_broken
    plan_due = costs.plans_honoured + costs.plans_broken
    k.commitments = {
        "promises": (promise_due, costs.promises_kept, ratio(costs.promises_kept, promise_due)),
        "plans": (plan_due, costs.plans_honoured, ratio(costs.plans_honoured, plan_due)),
    }
    mean = costs.disputes_mean
    mean_days = Decimal(mean.total_seconds() / 86400).quantize(Decimal("0.1")) if mean else None
    k.figures["dispute_mean_days"] = mean_days


def _cost(k: Kpis, reminders: list[dict], costs) -> None:
    sent = {}
    for row in reminders:
        if row["channel"] is None:  # the payments' rows
            continue
        sent[row["channel"]] = sent.get(row["channel"], 0) + row["sent"]
    for channel, name in COST_CHANNELS:
        unit = getattr(costs, name)
        k.channels.append((channel, sent.get(channel, 0), unit, unit * sent.get(channel, 0)))
    call_unit = costs.call_minute * costs.call_minutes
    k.calls = (costs.calls, call_unit, call_unit * costs.calls)
    total = sum((*(cost for *_, cost in k.channels), k.calls[2]), Decimal("0"))
    recovered = k.figures["recovered"]
    k.figures["cost_total"] = total
    k.figures["cost_per_euro"] = total / recovered if recovered else None
    k.figures["costs_set"] = costs.is_set


def _compliance(k: Kpis, claims: dict, reminders: list[dict], costs) -> None:
    actions = sum(r["sent"] for r in reminders) + costs.calls
    traced = sum(r["traced"] for r in reminders) + costs.calls_traced
    notice = claims["notice"]

    def share(count, whole) -> tuple:
        return (count, whole, ratio(count, whole))

    k.compliance = {
        "traced": share(traced, actions),
        "notice_complete": share(claims["notice_complete"], notice),
        **{f"notice_{key}": share(claims[f"notice_{key}"], notice) for key, _, _ in NOTICE_PIECES},
    }
    k.figures["purges_overdue"] = claims["purges_overdue"]


def _team(k: Kpis, f: Filters, team: list) -> None:
    days = working_days(f.start, f.end)
    k.figures["working_days"] = days
    shown = [u for u in team if not f.controller or u.pk == f.controller]
    for user in shown:
        actions = user.calls + user.approvals + user.recorded + user.uploads
        per_day = Decimal(actions) / days if days else None
        k.team.append((user, user.held, actions, per_day, cents(user.recovered)))


def bank_figures(f: Filters, bank: dict) -> dict:
    """Cash in (docs/kpi.md §Encaissements): the share of bank payments matched automatically,
    the mean days from the bank's booking to the posting that stops the cadence, and the
    credits still waiting (amount, count, age of the oldest in days)."""
    delay = bank["delay"]
    since = bank["waiting_since"]
    return {
        "bank_posted": bank["posted"],
        "bank_automatic_share": ratio(bank["automatic"], bank["posted"]),
        "bank_delay_days": (
            None
            if delay is None
            else Decimal(delay.total_seconds() / 86400).quantize(Decimal("0.1"))
        ),
        "bank_waiting": bank["waiting"],
        "bank_waiting_amount": cents(bank["waiting_amount"]),
        "bank_waiting_age_days": None if since is None else (f.today - since).days,
    }
