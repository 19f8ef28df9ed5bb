"""The managers' dashboards: every KPI of ``docs/kpi.md``, each an aggregate query.

``dashboard_data(**filters)`` reads everything in six queries, whatever the number of claims:
1. claims (portfolio, aging, DSO inputs, monthly invoicing for the count-back), one row of
   ``FILTER`` aggregates;
2. dossiers (open dossiers by state, evidence at formal notice, purges overdue), counted on the
   dossiers themselves (no DISTINCT over claims);
3. payments received per month;
4. sent reminders per level and channel: a window function marks the first of each level per
   dossier and cycle, the first payment after it is read once (payment within 7/15/30 days),
   evidence kept;
5. the cost settings row with scalar subqueries (the allocations by the period's end for the
   DSO, promises, plans, disputes, calls), each evaluated once;
6. the controllers with their figures (scalar subqueries per controller).
Conditional aggregation (``Sum(..., filter=Q(...))``, ``FILTER (WHERE ...)``) does the work;
Python only divides, formats and lays out the tables. Query 4 is PostgreSQL SQL.

Building and compiling the ~100 ORM expressions of queries 1, 2, 4, 5 and 6 costs about 20 ms
of Python, as much as the queries themselves on 10,000 claims: their SQL is compiled once per
process and set of filters (``_compiled``), and a page seen again with the same filters (the
default ones, all day long) only runs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    DateField,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncDate, TruncMonth
from django.utils import timezone

from accounts import roles
from dossiers.models import (
    ACTIVE_STATES,
    Claim,
    Debtor,
    Dispute,
    Dossier,
    DossierState,
    Evidence,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    Promise,
)
from dossiers.services._common import cents
from journal.personal_data import ANONYMISED
from legal import rules
from legal.calendar import MONTHS_FR, add_months, is_working_day
from pilotage.models import CostSettings
from relances.models import CallLog, Channel, Reminder, Stage

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)
# House choices of docs/kpi.md (not rules of law).
DEFAULT_PERIOD_MONTHS = 12
MAX_PERIOD_MONTHS = 36
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


# --- Filters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    today: date
    creditor: int | None = None
    controller: int | None = None
    debtor_kind: str | None = None
    # The creditors the manager is in charge of (``dossiers.scoping``); None: every creditor.
    creditors: tuple[int, ...] | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def scope(self, prefix: str = "", *, controller: bool = True) -> Q:
        """The dossier filters, seen from a model reaching the dossier through ``prefix``."""
        q = Q()
        if self.creditors:
            q &= Q(**{f"{prefix}creditor_id__in": self.creditors})
        elif self.creditors is not None:  # in charge of no creditor: nothing (an empty IN
            q &= Q(**{f"{prefix}creditor_id__isnull": True})  # would not compile to SQL)
        if self.creditor:
            q &= Q(**{f"{prefix}creditor_id": self.creditor})
        if self.controller and controller:
            q &= Q(**{f"{prefix}assigned_to_id": self.controller})
        if self.debtor_kind:
            q &= Q(**{f"{prefix}debtor__kind": self.debtor_kind})
        return q

    def period(self, name: str) -> Q:
        return Q(**{f"{name}__gte": self.start, f"{name}__lte": self.end})


def default_period(today: date) -> tuple[date, date]:
    """The last twelve calendar months, the current one included."""
    return add_months(today.replace(day=1), 1 - DEFAULT_PERIOD_MONTHS), today


def make_filters(
    *,
    period: tuple[date, date] | None = None,
    creditor=None,
    controller=None,
    start: date | None = None,
    end: date | None = None,
    debtor_kind: str | None = None,
    today: date | None = None,
    creditors=None,
) -> Filters:
    today = today or timezone.localdate()
    if period is not None:
        start, end = period
    default_start, default_end = default_period(today)
    return Filters(
        start=start or default_start,
        end=end or default_end,
        today=today,
        creditor=getattr(creditor, "pk", creditor) or None,
        controller=getattr(controller, "pk", controller) or None,
        debtor_kind=debtor_kind or None,
        creditors=None if creditors is None else tuple(sorted(creditors)),
    )


# --- The result ------------------------------------------------------------------------------


@dataclass
class Column:
    label: str
    kind: str = "text"  # text, int, money, percent, days, decimal


@dataclass
class Table:
    """One KPI table: what the page shows beside its chart, and what the exports write."""

    key: str
    title: str
    caption: str
    columns: list[Column]
    rows: list[list]
    chart: dict | None = None
    footer: list | None = None

    def chart_data(self) -> dict | None:
        return {"key": self.key, "title": self.title, **self.chart} if self.chart else None


@dataclass
class Dashboard:
    filters: Filters
    figures: dict = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    controllers: list = field(default_factory=list)
    costs: CostSettings | None = None

    def charts(self) -> list[dict]:
        return [t.chart_data() for t in self.tables.values() if t.chart]


def ratio(part, whole) -> Decimal | None:
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


def _as_float(value):
    return None if value is None else float(value)


def _chart(kind: str, labels, datasets, unit: str = "") -> dict:
    return {
        "type": kind,
        "unit": unit,
        "labels": [str(label) for label in labels],
        "datasets": [
            {"label": label, "data": [_as_float(v) for v in values]} for label, values in datasets
        ],
    }


def _scalar(queryset: QuerySet, aggregate, output_field=None) -> Subquery:
    """One aggregate of ``queryset`` as a scalar subquery (no GROUP BY: one row)."""
    return Subquery(
        _aggregates(queryset, v=aggregate), output_field=output_field or aggregate.output_field
    )


def _aggregates(queryset: QuerySet, **aggregates) -> QuerySet:
    """``queryset.aggregate(**aggregates)`` as a queryset: one row (no GROUP BY, even over no
    rows) whose SQL can be compiled once and run again."""
    return (
        queryset.order_by()
        .annotate(_one=Value(1))
        .values("_one")
        .annotate(**aggregates)
        .values(*aggregates)
    )


def _compiled(build, f: Filters) -> tuple[str, tuple]:
    """The SQL and parameters of the queryset ``build(f)``, built and compiled once per process
    and set of filters (see the module's docstring). The SQL depends on nothing else but the
    database and the time zone (day boundaries of ``TruncDate``), which are part of the key."""
    return _compile(build, f, connection.vendor, timezone.get_current_timezone_name())


@lru_cache(maxsize=64)
def _compile(build, f: Filters, vendor: str, time_zone: str) -> tuple[str, tuple]:
    queryset = build(f)
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return sql, tuple(params)


def _one_row(build, f: Filters) -> dict:
    sql, params = _compiled(build, f)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def month_starts(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


def month_label(month: date) -> str:
    return f"{MONTHS_FR[month.month - 1]} {month.year}"


# --- 1. Claims and their dossiers ------------------------------------------------------------


def _purge_overdue(today: date) -> Q:
    """Closed dossiers past their purge date whose debtor still carries its name.

    The purge date is closure + prescription (5 years, 2 for a consumer or an unknown kind) +
    the margin of ``settings.RGPD_PURGE_MARGIN_DAYS``; once dossiers store it (``purge_on``),
    it is read from there.
    """
    from django.conf import settings

    not_purged = ~Q(debtor__name=ANONYMISED)
    if any(f.name == "purge_on" for f in Dossier._meta.get_fields()):
        return Q(purge_on__lt=today) & not_purged
    margin = timedelta(days=getattr(settings, "RGPD_PURGE_MARGIN_DAYS", 0))
    pro = add_months(today - margin, -12 * rules.PRESCRIPTION_YEARS_PROFESSIONAL)
    other = add_months(today - margin, -12 * rules.PRESCRIPTION_YEARS_CONSUMER)
    return not_purged & (
        Q(debtor__kind=Debtor.Kind.PROFESSIONAL, closed_on__lt=pro)
        | (~Q(debtor__kind=Debtor.Kind.PROFESSIONAL) & Q(closed_on__lt=other))
    )


def _countback_months(end: date) -> list[tuple[date, date]]:
    """The months walked back by the count-back, the period's last (partial) month first."""
    months = []
    month_end = end
    for _ in range(COUNTBACK_MONTHS):
        month_start = month_end.replace(day=1)
        months.append((month_start, month_end))
        month_end = month_start - timedelta(days=1)
    return months


def _claims_query(f: Filters) -> dict:
    """Queries 1 and 2: the claims' and the dossiers' figures. A raw row skips the ORM's
    converters: SQLite sums decimals as floats, ``cents`` brings every sum back to cents
    (PostgreSQL's sums are exact already); the counts (``_n``) are integers on both."""
    row = _one_row(_claims_queryset, f)
    result = {key: value if key.endswith("_n") else cents(value) for key, value in row.items()}
    result.update(_one_row(_dossiers_queryset, f))
    return result


def _claims_queryset(f: Filters) -> QuerySet:
    today = f.today
    open_claim = Q(outstanding__gt=0, cancelled_on__isnull=True)
    aggregates = {"open_total": Sum("outstanding", filter=open_claim)}
    for key, _, (low, high) in AGING_BUCKETS:
        q = open_claim
        if low is not None:
            q &= Q(due_date__lte=today - timedelta(days=low))
        if high is not None:
            q &= Q(due_date__gte=today - timedelta(days=high))
        aggregates[f"aging_{key}"] = Sum("outstanding", filter=q)
        aggregates[f"aging_{key}_n"] = Count("pk", filter=q)

    # DSO: receivables at the period's end = issued by then, less what was paid or credited by
    # then (``allocated_end``, on the cost settings row of query 5), nothing for an invoice
    # cancelled by then.
    aggregates["issued_end"] = Sum("amount", filter=_alive_at(f.end))
    aggregates["sales"] = Sum("amount", filter=f.period("issue_date"))
    for index, (month_start, month_end) in enumerate(_countback_months(f.end)):
        aggregates[f"sales_m{index}"] = Sum(
            "amount", filter=Q(issue_date__gte=month_start, issue_date__lte=month_end)
        )

    return _aggregates(Claim.objects.filter(f.scope("dossier__")), **aggregates)


def _alive_at(day: date, prefix: str = "") -> Q:
    """Claims issued by ``day`` and not cancelled by then."""
    return Q(**{f"{prefix}issue_date__lte": day}) & (
        Q(**{f"{prefix}cancelled_on__isnull": True}) | Q(**{f"{prefix}cancelled_on__gt": day})
    )


def _dossiers_queryset(f: Filters) -> QuerySet:
    """Dossier counts (open by state, pieces at formal notice, purges overdue), read on the
    dossiers themselves (a dossier always holds its claims: no join, no DISTINCT)."""

    def dossiers(q: Q) -> Count:
        return Count("pk", filter=q)

    aggregates = {}
    active = Q(closed_on__isnull=True)
    for state in ACTIVE_STATES:
        aggregates[f"state_{state}"] = dossiers(active & Q(state=state))
    at_notice = active & Q(state__in=NOTICE_STATES)
    aggregates["notice"] = dossiers(at_notice)
    complete = at_notice
    for key, _, kinds in NOTICE_PIECES:
        has = Exists(Evidence.objects.filter(dossier=OuterRef("pk"), kind__in=kinds))
        aggregates[f"notice_{key}"] = dossiers(at_notice & Q(has))
        complete &= Q(has)
    aggregates["notice_complete"] = dossiers(complete)
    aggregates["purges_overdue"] = dossiers(Q(closed_on__isnull=False) & _purge_overdue(f.today))
    return _aggregates(Dossier.objects.filter(f.scope()), **aggregates)


# --- 2. Payments -----------------------------------------------------------------------------


def _payments_query(f: Filters) -> dict[date, tuple[int, Decimal]]:
    rows = (
        Payment.objects.filter(f.scope("dossier__"), f.period("received_on"))
        .filter(kind=Payment.Kind.PAYMENT)
        .annotate(month=TruncMonth("received_on", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(count=Count("pk"), total=Sum("amount"))
    )
    return {row["month"]: (row["count"], cents(row["total"])) for row in rows}


# --- 3. Reminders ----------------------------------------------------------------------------


def _reminders_query(f: Filters) -> list[dict]:
    """Sent reminders per level and channel, with the first of each level per dossier and cycle.

    One pass: a window function ranks each dossier's sent reminders of a level and cycle (all
    of them, before the period filter: a level started before the period is no first), and the
    first payment after each first reminder is read once; the windows compare against it.
    """
    inner_sql, inner_params = _compiled(_ranked_reminders, f)
    payment = Payment._meta.db_table
    counts = [
        "count(*) AS sent",
        "count(*) FILTER (WHERE r.traced) AS traced",
        "count(*) FILTER (WHERE r.rank = 1) AS first_n",
    ]
    params: list = []
    for days in PAYMENT_WINDOWS:
        mature = "r.rank = 1 AND r.sent_on <= %s"
        counts.append(f"count(*) FILTER (WHERE {mature}) AS due{days}")
        counts.append(
            f"count(*) FILTER (WHERE {mature} AND r.paid_on <= r.sent_on + {int(days)}) "
            f"AS paid{days}"
        )
        params += [f.today - timedelta(days=days)] * 2
    # Table names and Django's own SQL; every value is a parameter.
    sql = (
        f"SELECT r.step__stage, r.channel, {', '.join(counts)} FROM ("  # noqa: S608
        "SELECT r.step__stage, r.channel, r.traced, r.sent_on, r.rank, "
        f"CASE WHEN r.rank = 1 THEN (SELECT min(p.received_on) FROM {payment} p "
        "WHERE p.dossier_id = r.dossier_id AND p.kind = %s AND p.received_on > r.sent_on) "
        f"END AS paid_on FROM ({inner_sql}) r WHERE r.sent_on >= %s AND r.sent_on <= %s) r "
        "GROUP BY r.step__stage, r.channel"
    )
    params = [Payment.Kind.PAYMENT, *inner_params, f.start, f.end, *params]
    # the FILTER params come first in the SELECT list: reorder to match the text
    params = [*params[-2 * len(PAYMENT_WINDOWS) :], *params[: -2 * len(PAYMENT_WINDOWS)]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _ranked_reminders(f: Filters) -> QuerySet:
    return (
        Reminder.objects.filter(status=Reminder.Status.SENT, sent_at__isnull=False)
        .filter(f.scope("dossier__"))
        .annotate(
            sent_on=TruncDate("sent_at"),
            traced=ExpressionWrapper(~Q(content=""), output_field=BooleanField()),
            rank=Window(
                RowNumber(),
                partition_by=[F("dossier_id"), F("cycle"), F("step__stage")],
                order_by=[F("sent_at").asc(), F("pk").asc()],
            ),
        )
        .order_by()
        .values("dossier_id", "channel", "traced", "sent_on", "rank", "step__stage")
    )


# --- 4. Arrangements, calls and the cost settings (one row) ----------------------------------


def _arrangements_query(f: Filters) -> CostSettings:
    sql, params = _compiled(_arrangements_queryset, f)
    settings = next(iter(CostSettings.objects.raw(sql, params)), None)
    if settings is None:  # the migration creates the row; a flushed test database may not
        CostSettings.objects.get_or_create(pk=CostSettings.SINGLETON_PK)
        return _arrangements_query(f)
    # A raw row skips the ORM's converters: SQLite gives sums as floats and durations in
    # microseconds (PostgreSQL: Decimal and timedelta already).
    settings.allocated_end = cents(settings.allocated_end)
    mean = settings.disputes_mean
    if mean is not None and not isinstance(mean, timedelta):
        settings.disputes_mean = timedelta(microseconds=mean)
    return settings


def _arrangements_queryset(f: Filters) -> QuerySet:
    scope = f.scope("dossier__")
    count = Count("pk")
    promises = Promise.objects.filter(scope, f.period("settled_on"))
    plans = PaymentPlan.objects.filter(scope)
    honoured = Q(status=PaymentPlan.Status.COMPLETED) & f.period("ended_on")
    # The product does not mark plans completed yet: a plan whose dossier closed as paid is
    # honoured on the closing day.
    honoured |= Q(status=PaymentPlan.Status.ACTIVE, dossier__state=DossierState.PAID) & f.period(
        "dossier__closed_on"
    )
    disputes = Dispute.objects.filter(scope)
    resolved = disputes.exclude(status=Dispute.Status.OPEN).filter(f.period("resolved_on"))
    calls = CallLog.objects.filter(scope).annotate(on=TruncDate("called_at")).filter(f.period("on"))
    days = ExpressionWrapper(F("resolved_on") - F("opened_on"), output_field=DurationField())

    def n(queryset):
        return Coalesce(_scalar(queryset, count, IntegerField()), 0)

    # What was paid or credited by the period's end on the claims alive then (the DSO's
    # receivables are the claims' ``issued_end`` less this).
    allocated = PaymentAllocation.objects.filter(
        f.scope("claim__dossier__"), _alive_at(f.end, "claim__"), payment__received_on__lte=f.end
    )
    return (
        CostSettings.objects.filter(pk=CostSettings.SINGLETON_PK)
        .order_by()
        .annotate(
            allocated_end=_scalar(allocated, Sum("amount"), MONEY),
            promises_kept=n(promises.filter(status=Promise.Status.KEPT)),
            promises_broken=n(promises.filter(status=Promise.Status.BROKEN)),
            plans_honoured=n(plans.filter(honoured)),
            plans_broken=n(
                plans.filter(status=PaymentPlan.Status.BROKEN).filter(f.period("ended_on"))
            ),
            disputes_opened=n(disputes.filter(f.period("opened_on"))),
            disputes_resolved=n(resolved),
            disputes_upheld=n(resolved.filter(status=Dispute.Status.UPHELD)),
            disputes_open_now=n(disputes.filter(status=Dispute.Status.OPEN)),
            disputes_mean=_scalar(resolved, Avg(days), DurationField()),
            calls=n(calls),
            calls_traced=n(calls.exclude(summary="")),
        )
    )


# --- 5. The team -----------------------------------------------------------------------------


def _team_query(f: Filters) -> list:
    sql, params = _compiled(_team_queryset, f)
    return list(get_user_model().objects.raw(sql, params))


def _team_queryset(f: Filters) -> QuerySet:
    scope = f.scope("dossier__", controller=False)
    user = OuterRef("pk")
    count = Count("pk")

    def n(queryset):
        return Coalesce(_scalar(queryset, count, IntegerField()), 0)

    payments = Payment.objects.filter(scope, f.period("received_on"))
    return (
        get_user_model()
        .objects.filter(groups__name=roles.CONTROLLER)
        .annotate(
            held=n(
                Dossier.objects.filter(
                    f.scope(controller=False), assigned_to=user, closed_on__isnull=True
                )
            ),
            calls=n(
                CallLog.objects.filter(scope, called_by=user)
                .annotate(on=TruncDate("called_at"))
                .filter(f.period("on"))
            ),
            approvals=n(
                Reminder.objects.filter(scope, approved_by=user)
                .annotate(on=TruncDate("approved_at"))
                .filter(f.period("on"))
            ),
            recorded=n(payments.filter(recorded_by=user)),
            uploads=n(
                Evidence.objects.filter(scope, uploaded_by=user)
                .annotate(on=TruncDate("uploaded_at"))
                .filter(f.period("on"))
            ),
            recovered=Coalesce(
                _scalar(
                    payments.filter(kind=Payment.Kind.PAYMENT, dossier__assigned_to=user),
                    Sum("amount"),
                    MONEY,
                ),
                ZERO,
            ),
        )
        .order_by("last_name", "first_name", "username")
    )


# --- Putting it together ---------------------------------------------------------------------


def working_days(start: date, end: date) -> int:
    """Working days of the period (weekends and French public holidays excluded)."""
    return sum(
        1 for offset in range((end - start).days + 1) if is_working_day(start + timedelta(offset))
    )


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


def dashboard_data(**filters) -> Dashboard:
    """Every figure of the dashboard, in 6 queries.

    Filters (all optional, keyword-only): ``creditor`` and ``controller`` (instances or ids),
    ``start`` and ``end`` (or ``period=(start, end)``; default the last 12 months),
    ``debtor_kind`` (``Debtor.Kind``), ``today`` (default: the local date); or ``filters``, a
    ready ``Filters``.
    """
    f = filters.pop("filters", None) or make_filters(**filters)
    data = Dashboard(filters=f)
    claims = _claims_query(f)
    payments = _payments_query(f)
    reminders = _reminders_query(f)
    costs = _arrangements_query(f)
    team = _team_query(f)
    data.costs = costs
    data.controllers = team
    _portfolio(data, claims, payments)
    _dso(data, claims, costs)
    _cadence(data, reminders, costs)
    _cost(data, reminders, costs)
    _compliance(data, claims, reminders, costs)
    _team(data, team)
    return data


def _portfolio(data: Dashboard, claims: dict, payments: dict) -> None:
    f = data.filters
    data.figures["outstanding"] = claims["open_total"] or ZERO
    rows = [
        [label, claims[f"aging_{key}_n"], claims[f"aging_{key}"] or ZERO]
        for key, label, _ in AGING_BUCKETS
    ]
    data.tables["aging"] = Table(
        key="aging",
        title="Balance âgée",
        caption="Reste dû des factures ouvertes selon le retard à ce jour",
        columns=[Column("Retard"), Column("Factures", "int"), Column("Reste dû", "money")],
        rows=rows,
        footer=["Total", sum(r[1] for r in rows), data.figures["outstanding"]],
        chart=_chart("bar", [r[0] for r in rows], [("Reste dû (€)", [r[2] for r in rows])], "€"),
    )
    states = [
        [DossierState(state).label, claims[f"state_{state}"]]
        for state in ACTIVE_STATES
        if claims[f"state_{state}"]
    ]
    data.figures["open_dossiers"] = sum(r[1] for r in states)
    data.tables["states"] = Table(
        key="states",
        title="Dossiers ouverts par état",
        caption="Dossiers actifs à ce jour, par état",
        columns=[Column("État"), Column("Dossiers", "int")],
        rows=states,
        footer=["Total", data.figures["open_dossiers"]],
        chart=_chart("bar", [r[0] for r in states], [("Dossiers", [r[1] for r in states])]),
    )
    months = month_starts(f.start, f.end)
    rows = [[month_label(m), *payments.get(m, (0, ZERO))] for m in months]
    data.figures["recovered"] = sum((r[2] for r in rows), ZERO)
    data.tables["recovered"] = Table(
        key="recovered",
        title="Montants recouvrés par mois",
        caption="Paiements reçus (hors avoirs) sur la période",
        columns=[Column("Mois"), Column("Paiements", "int"), Column("Montant", "money")],
        rows=rows,
        footer=["Total", sum(r[1] for r in rows), data.figures["recovered"]],
        chart=_chart("line", [r[0] for r in rows], [("Recouvré (€)", [r[2] for r in rows])], "€"),
    )


def _dso(data: Dashboard, claims: dict, costs: CostSettings) -> None:
    f = data.filters
    receivables = claims["issued_end"] - costs.allocated_end
    sales = claims["sales"] or ZERO
    simple = receivables / sales * f.days if sales else None
    months = [
        (start, end, claims[f"sales_m{i}"] or ZERO)
        for i, (start, end) in enumerate(_countback_months(f.end))
    ]
    countback = countback_dso(receivables, months)
    data.figures.update(
        receivables_end=receivables, sales=sales, dso_simple=simple, dso_countback=countback
    )
    rows = [
        ["Méthode simple", simple],
        ["Méthode par épuisement (count-back)", countback],
    ]
    data.tables["dso"] = Table(
        key="dso",
        title="DSO (délai moyen de règlement)",
        caption=(
            f"Sur {f.days} jours ; encours au {f.end:%d/%m/%Y} : "
            f"{_money(receivables)} ; factures émises sur la période : {_money(sales)}"
        ),
        columns=[Column("Méthode"), Column("DSO", "days")],
        rows=rows,
        chart=_chart("bar", [r[0] for r in rows], [("Jours", [r[1] for r in rows])], "j"),
    )


def _money(amount) -> str:
    from legal.formatting import euros

    return euros(amount)


def _cadence(data: Dashboard, reminders: list[dict], costs) -> None:
    by_stage: dict[str, dict] = {}
    for row in reminders:
        stage = by_stage.setdefault(row["step__stage"], {})
        for key, value in row.items():
            if key not in ("step__stage", "channel"):
                stage[key] = stage.get(key, 0) + value
    rows = []
    for stage in Stage:
        if stage not in by_stage:
            continue
        counts = by_stage[stage]
        rows.append(
            [
                stage.label,
                counts["first_n"],
                *[ratio(counts[f"paid{d}"], counts[f"due{d}"]) for d in PAYMENT_WINDOWS],
            ]
        )
    data.tables["cadence"] = Table(
        key="cadence",
        title="Paiements après chaque niveau de relance",
        caption=(
            "Part des dossiers relancés qui ont payé dans les 7, 15 et 30 jours suivant la "
            "première relance de chaque niveau (relances émises sur la période)"
        ),
        columns=[
            Column("Niveau"),
            Column("Dossiers relancés", "int"),
            *[Column(f"Payé sous {d} j", "percent") for d in PAYMENT_WINDOWS],
        ],
        rows=rows,
        chart=_chart(
            "bar",
            [r[0] for r in rows],
            [
                (f"sous {d} j (%)", [None if r[2 + i] is None else r[2 + i] * 100 for r in rows])
                for i, d in enumerate(PAYMENT_WINDOWS)
            ],
            "%",
        ),
    )
    promise_due = costs.promises_kept + costs.promises_broken
    plan_due = costs.plans_honoured + costs.plans_broken
    rows = [
        [
            "Promesses de paiement",
            promise_due,
            costs.promises_kept,
            ratio(costs.promises_kept, promise_due),
        ],
        ["Échéanciers", plan_due, costs.plans_honoured, ratio(costs.plans_honoured, plan_due)],
    ]
    data.tables["commitments"] = Table(
        key="commitments",
        title="Promesses tenues et échéanciers honorés",
        caption="Engagements arrivés à terme sur la période",
        columns=[
            Column("Engagement"),
            Column("Arrivés à terme", "int"),
            Column("Tenus", "int"),
            Column("Taux", "percent"),
        ],
        rows=rows,
        chart=_chart(
            "bar",
            [r[0] for r in rows],
            [("Taux (%)", [None if r[3] is None else r[3] * 100 for r in rows])],
            "%",
        ),
    )
    mean = costs.disputes_mean
    mean_days = Decimal(mean.total_seconds() / 86400).quantize(Decimal("0.1")) if mean else None
    rows = [
        ["Ouvertes sur la période", costs.disputes_opened],
        ["Closes sur la période", costs.disputes_resolved],
        ["dont fondées (facture annulée)", costs.disputes_upheld],
        ["En cours à ce jour", costs.disputes_open_now],
    ]
    data.figures["dispute_mean_days"] = mean_days
    data.tables["disputes"] = Table(
        key="disputes",
        title="Contestations",
        caption=(
            "Délai moyen de résolution des contestations closes sur la période : "
            + (f"{_number(mean_days, 1)} jours" if mean_days is not None else "—")
        ),
        columns=[Column("Contestations"), Column("Nombre", "int")],
        rows=rows,
        chart=_chart("bar", [r[0] for r in rows], [("Contestations", [r[1] for r in rows])]),
    )


def _number(value, places: int) -> str:
    from django.utils.formats import number_format

    return number_format(value, places, use_l10n=True, force_grouping=True)


def _cost(data: Dashboard, reminders: list[dict], costs: CostSettings) -> None:
    sent = {}
    for row in reminders:
        sent[row["channel"]] = sent.get(row["channel"], 0) + row["sent"]
    rows = []
    for channel, name in COST_CHANNELS:
        unit = getattr(costs, name)
        rows.append(
            [Channel(channel).label, sent.get(channel, 0), unit, unit * sent.get(channel, 0)]
        )
    call_unit = costs.call_minute * costs.call_minutes
    rows.append(
        [
            f"Appels ({_number(costs.call_minutes, 1)} min × {_money(costs.call_minute)})",
            costs.calls,
            call_unit,
            call_unit * costs.calls,
        ]
    )
    total = sum((r[3] for r in rows), Decimal("0"))
    recovered = data.figures["recovered"]
    data.figures["cost_total"] = total
    data.figures["cost_per_euro"] = total / recovered if recovered else None
    data.figures["costs_set"] = costs.is_set
    data.tables["cost"] = Table(
        key="cost",
        title="Coût des actions",
        caption="Actions de la période au coût unitaire fixé par le responsable",
        columns=[
            Column("Canal"),
            Column("Actions", "int"),
            Column("Coût unitaire", "money"),
            Column("Coût", "money"),
        ],
        rows=rows,
        footer=["Total", sum(r[1] for r in rows), None, total],
        chart=_chart("doughnut", [r[0] for r in rows], [("Coût (€)", [r[3] for r in rows])], "€"),
    )


def _compliance(data: Dashboard, claims: dict, reminders: list[dict], costs) -> None:
    actions = sum(r["sent"] for r in reminders) + costs.calls
    traced = sum(r["traced"] for r in reminders) + costs.calls_traced
    notice = claims["notice"]
    rows = [
        ["Actions tracées (contenu conservé)", traced, actions, ratio(traced, actions)],
        [
            "Dossiers en mise en demeure au dossier complet",
            claims["notice_complete"],
            notice,
            ratio(claims["notice_complete"], notice),
        ],
        *[
            [
                f"— dont avec « {label} »",
                claims[f"notice_{key}"],
                notice,
                ratio(claims[f"notice_{key}"], notice),
            ]
            for key, label, _ in NOTICE_PIECES
        ],
        ["Purges en retard (dossiers clos)", claims["purges_overdue"], None, None],
    ]
    data.figures["purges_overdue"] = claims["purges_overdue"]
    data.tables["compliance"] = Table(
        key="compliance",
        title="Conformité",
        caption=(
            "Traçabilité des actions de la période ; pièces des dossiers en mise en demeure "
            "et purges dépassées à ce jour"
        ),
        columns=[
            Column("Indicateur"),
            Column("Nombre", "int"),
            Column("Sur", "int"),
            Column("Part", "percent"),
        ],
        rows=rows,
        chart=_chart(
            "bar",
            [r[0] for r in rows[:2]],
            [("Part (%)", [None if r[3] is None else r[3] * 100 for r in rows[:2]])],
            "%",
        ),
    )


def _team(data: Dashboard, team: list) -> None:
    f = data.filters
    days = working_days(f.start, f.end)
    data.figures["working_days"] = days
    shown = [u for u in team if not f.controller or u.pk == f.controller]
    rows = []
    for user in shown:
        actions = user.calls + user.approvals + user.recorded + user.uploads
        rows.append(
            [
                user.get_full_name() or user.username,
                user.held,
                actions,
                Decimal(actions) / days if days else None,
                cents(user.recovered),
            ]
        )
    data.tables["team"] = Table(
        key="team",
        title="Équipe",
        caption=(
            f"Par chargé(e) : dossiers détenus à ce jour ; actions (appels, courriers validés, "
            f"paiements saisis, pièces déposées) et montants recouvrés sur la période "
            f"({days} jours ouvrés)"
        ),
        columns=[
            Column("Chargé(e) de recouvrement"),
            Column("Dossiers détenus", "int"),
            Column("Actions", "int"),
            Column("Actions par jour ouvré", "decimal"),
            Column("Montant recouvré", "money"),
        ],
        rows=rows,
        chart=_chart("bar", [r[0] for r in rows], [("Recouvré (€)", [r[4] for r in rows])], "€"),
    )
