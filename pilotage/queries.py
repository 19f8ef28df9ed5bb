"""The dashboard's SQL: every figure of docs/kpi.md read by an aggregate query, whatever the
number of claims; ``pilotage.kpis`` does the maths on the rows, ``pilotage.presentation`` lays
them out.

Six queries:
1. claims (portfolio, aging, DSO inputs, monthly invoicing for the count-back), one row of
   ``FILTER`` aggregates — read from the claims' summary by creditor and day
   (``pilotage.summaries``, kept by triggers) unless a controller or a debtor kind is chosen;
2. dossiers (open dossiers by state, evidence at formal notice, purges overdue), counted on the
   dossiers themselves (no DISTINCT over claims);
3. payments received per month;
4. sent reminders per level and channel: a window function marks the first of each level per
   dossier and cycle, the first payment after it while that level is still the last one sent is
   read once (payment within 7/15/30 days), evidence kept; and the period's payments by the
   last level sent before them;
5. the cost settings row with scalar subqueries (the allocations by the period's end for the
   DSO, promises, plans, disputes, calls), each evaluated once;
6. the controllers with their figures (scalar subqueries per controller).
Conditional aggregation (``Sum(..., filter=Q(...))``, ``FILTER (WHERE ...)``) does the work.
Query 4 is hand-written SQL that runs on PostgreSQL and on SQLite (``make demo``): its date
arithmetic goes through ``plus_days``.

Building and compiling the ~100 ORM expressions of queries 1, 2, 4, 5 and 6 costs about 20 ms
of Python, as much as the queries themselves on 10,000 claims: their SQL is compiled once per
process and set of filters (``_compiled``), and a page seen again with the same filters (the
default ones, all day long) only runs it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
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
    Min,
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
    EcbRate,
    Evidence,
    LegalInterestRate,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    Promise,
)
from dossiers.services._common import cents
from imports.statements.matching import CERTAIN
from imports.statements.models import BankTransaction
from journal.personal_data import ANONYMISED
from legal import rules
from legal.calendar import add_months
from legal.rates import HalfYear, missing_from_facts
from pilotage import (
    activity_summary,
    allocation_summary,
    dossier_summary,
    reminder_summary,
    team_summary,
)
from pilotage.filters import Filters
from pilotage.kpis import (
    AGING_BUCKETS,
    NOTICE_PIECES,
    NOTICE_STATES,
    PAYMENT_WINDOWS,
    ZERO,
    countback_months,
)
from pilotage.models import (
    ActivityDay,
    AllocationDay,
    ClaimDay,
    CostSettings,
    DossierStateCount,
    ReminderDay,
    TeamDay,
)
from portail.models import PortalEvent
from relances.models import CallLog, Reminder

MONEY = DecimalField(max_digits=14, decimal_places=2)


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
def _compile(build, f: Filters, vendor: str, time_zone: str) -> tuple:
    """``build(f)``'s SQL and parameters; for a tuple of querysets, the tuple of their SQL
    and the tuple of their parameters."""
    built = build(f)
    if isinstance(built, tuple):
        compiled = [_sql(queryset) for queryset in built]
        return tuple(sql for sql, _ in compiled), tuple(params for _, params in compiled)
    return _sql(built)


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return sql, tuple(params)


def _one_row(build, f: Filters) -> dict:
    sql, params = _compiled(build, f)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


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


def claims_query(f: Filters) -> dict:
    """Queries 1 and 2: the claims' and the dossiers' figures. A raw row skips the ORM's
    converters: SQLite sums decimals as floats, ``cents`` brings every sum back to cents
    (PostgreSQL's sums are exact already); the counts (``_n``) are integers on both."""
    summary = f.controller is None and f.debtor_kind is None
    row = _one_row(_summary_queryset if summary else _claims_queryset, f)
    result = {
        key: int(value or 0) if key.endswith("_n") else cents(value) for key, value in row.items()
    }
    result.update(dossiers_query(f))
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
    for index, (month_start, month_end) in enumerate(countback_months(f.end)):
        aggregates[f"sales_m{index}"] = Sum(
            "amount", filter=Q(issue_date__gte=month_start, issue_date__lte=month_end)
        )

    return _aggregates(Claim.objects.filter(f.scope("dossier__")), **aggregates)


def _summary_queryset(f: Filters) -> QuerySet:
    """The same figures as ``_claims_queryset``, read from the claims' summary by creditor and
    day (``pilotage.summaries``: ~20,000 rows at 1M claims, kept by triggers). Only for filters
    that name no controller and no debtor kind (the summary is by creditor)."""
    today = f.today
    aggregates = {"open_total": Sum("open_amount")}
    for key, _, (low, high) in AGING_BUCKETS:
        q = Q()
        if low is not None:
            q &= Q(day__lte=today - timedelta(days=low))
        if high is not None:
            q &= Q(day__gte=today - timedelta(days=high))
        aggregates[f"aging_{key}"] = Sum("open_amount", filter=q)
        aggregates[f"aging_{key}_n"] = Sum("open_count", filter=q)
    # Issued by the period's end, less what was cancelled by then (``ClaimDay.cancelled`` is
    # by the later of the issue and cancellation dates): ``_alive_at(f.end)``'s claims.
    aggregates["issued_end"] = Coalesce(
        Sum("issued", filter=Q(day__lte=f.end)), ZERO, output_field=MONEY
    ) - Coalesce(Sum("cancelled", filter=Q(day__lte=f.end)), ZERO, output_field=MONEY)
    aggregates["sales"] = Sum("issued", filter=f.period("day"))
    for index, (month_start, month_end) in enumerate(countback_months(f.end)):
        aggregates[f"sales_m{index}"] = Sum(
            "issued", filter=Q(day__gte=month_start, day__lte=month_end)
        )
    return _aggregates(ClaimDay.objects.filter(f.scope()), **aggregates)


def _alive_at(day: date, prefix: str = "") -> Q:
    """Claims issued by ``day`` and not cancelled by then."""
    return Q(**{f"{prefix}issue_date__lte": day}) & (
        Q(**{f"{prefix}cancelled_on__isnull": True}) | Q(**{f"{prefix}cancelled_on__gt": day})
    )


def dossiers_query(f: Filters) -> dict:
    """Dossier counts (open by state, pieces at formal notice, purges overdue), read on the
    dossiers themselves (a dossier always holds its claims: no join, no DISTINCT), in one
    statement of three parts, each through its index (``_dossier_parts``): the open dossiers
    counted by state (``dossier_open_state_idx``, the index alone), the evidence looked up
    for the dossiers at formal notice only, the purges overdue on the closed dossiers by their
    purge date (the debtor's name read for those only). One pass of ~12 filtered counts over
    every dossier joined to its debtor took 1 s at 200,000 dossiers."""
    (states, notice, purges), params = _compiled(_dossier_parts, f)
    # Names of this module only; every value is a parameter.
    columns = ", ".join(
        f"(SELECT coalesce(sum(s.n), 0) FROM states s WHERE s.state = %s) AS state_{state}"  # noqa: S608
        for state in ACTIVE_STATES
    )
    sql = (
        f"WITH states AS ({states}) SELECT {columns}, notice.*, purges.* "  # noqa: S608
        f"FROM ({notice}) notice, ({purges}) purges"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params[0], *ACTIVE_STATES, *params[1], *params[2]])
        names = [column[0] for column in cursor.description]
        row = dict(zip(names, cursor.fetchone(), strict=True))
    return {key: int(value or 0) for key, value in row.items()}


def _dossier_parts(f: Filters) -> tuple[QuerySet, QuerySet, QuerySet]:
    """The three parts of ``dossiers_query`` (compiled together by ``_compiled``); the open
    dossiers by state read from their count by creditor, controller and state
    (``DossierStateCount``, kept by triggers) unless a debtor kind is chosen."""
    open_dossiers = Dossier.objects.filter(f.scope(), closed_on__isnull=True)
    states = open_dossiers.order_by().values("state").annotate(n=Count("pk"))
    if _counted(f):
        counts = DossierStateCount.objects.filter(f.scope(controller=False))
        if f.controller:
            counts = counts.filter(assignee=f.controller)
        states = counts.order_by().values("state").annotate(n=Sum("open_count"))
    at_notice = open_dossiers.filter(state__in=NOTICE_STATES)
    notice = {"notice": Count("pk")}
    complete = Q()
    for key, _, kinds in NOTICE_PIECES:
        has = Exists(Evidence.objects.filter(dossier=OuterRef("pk"), kind__in=kinds))
        notice[f"notice_{key}"] = Count("pk", filter=Q(has))
        complete &= Q(has)
    notice["notice_complete"] = Count("pk", filter=complete)
    overdue = Dossier.objects.filter(f.scope(), closed_on__isnull=False).filter(
        _purge_overdue(f.today)
    )
    return (
        states,
        _aggregates(at_notice, **notice),
        _aggregates(overdue, purges_overdue=Count("pk")),
    )


def _counted(f: Filters) -> bool:
    """Whether the open dossiers' counts by creditor, controller and state answer for these
    filters (``pilotage.dossier_summary``): kept on this database, and no debtor kind."""
    return f.debtor_kind is None and dossier_summary.kept()


# --- 2. Payments -----------------------------------------------------------------------------


def _by_creditor(f: Filters, summary) -> bool:
    """Whether ``summary`` (a module keeping a table by creditor and day) answers for these
    filters: kept on this database, and no controller nor debtor kind chosen (the summaries
    are by creditor); a day taken from a timestamp is in ``TIME_ZONE``."""
    return (
        f.controller is None
        and f.debtor_kind is None
        and summary.kept()
        and timezone.get_current_timezone_name() == settings.TIME_ZONE
    )


def payments_query(f: Filters) -> dict[date, tuple[int, Decimal]]:
    if _by_creditor(f, activity_summary):
        # Compiled once per set of filters, as the other queries; a raw row skips the ORM's
        # converters (SQLite gives the month as text and the sums as floats).
        sql, params = _compiled(_payment_months, f)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return {_day(month): (int(count), cents(total)) for month, count, total in rows}
    rows = (
        Payment.objects.filter(f.scope("dossier__"), f.period("received_on"))
        .filter(kind=Payment.Kind.PAYMENT, reversed_on__isnull=True)
        .annotate(month=TruncMonth("received_on", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(count=Count("pk"), total=Sum("amount"))
    )
    return {row["month"]: (row["count"], cents(row["total"])) for row in rows}


def _payment_months(f: Filters) -> QuerySet:
    return (
        ActivityDay.objects.filter(f.scope(), f.period("day"))
        .annotate(month=TruncMonth("day", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(count=Sum("payments_n"), total=Sum("payments_amount"))
        .filter(count__gt=0)
        .values_list("month", "count", "total")
    )


def _day(value) -> date | None:
    """A date read from a raw row: PostgreSQL gives a date (a timestamp for a month truncated
    by ``date_trunc``), SQLite its ISO text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- 3. Reminders ----------------------------------------------------------------------------


def plus_days(column: str, days: int, vendor: str | None = None) -> str:
    """SQL for the date ``column`` plus ``days`` days. PostgreSQL adds an integer to a date;
    SQLite (``make demo``) stores dates as text, where « date + 7 » is a number that no date
    ever reaches: it takes ``date(x, '+7 days')``."""
    vendor = vendor or connection.vendor
    if vendor == "sqlite":
        return f"date({column}, '+{int(days)} days')"
    return f"({column} + {int(days)})"


def reminders_query(f: Filters) -> list[dict]:
    """Sent reminders per level and channel, with the first of each level per dossier and cycle,
    and the period's payments by the last level sent before them: read from the sent reminders'
    summary (``pilotage.reminder_summary``, kept by triggers on PostgreSQL) when the filters
    name no controller and no debtor kind, else from the reminders (``_reminders_from_base``).
    """
    if _by_creditor(f, reminder_summary):
        return _reminders_from_summary(f)
    return _reminders_from_base(f)


def _reminders_from_summary(f: Filters) -> list[dict]:
    """``_reminders_from_base``'s rows summed from ``ReminderDay`` (a few thousand rows at 1M
    claims): the contacts whose N days are over by today are those sent by today - N."""
    sql, params = _compiled(_reminder_days, f)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    out = []
    for row in rows:
        item = {"step__stage": row["stage"], "channel": row["channel"] or None}
        # PostgreSQL sums integers as numerics: the counts are integers again
        item.update({key: int(row[f"n_{key}"] or 0) for key in _REMINDER_FIGURES[:-1]})
        item["payments_amount"] = cents(row["n_payments_amount"] or 0)
        out.append(item)
    return out


_REMINDER_FIGURES = (
    "sent",
    "traced",
    "first_n",
    *(f"{kind}{days}" for days in PAYMENT_WINDOWS for kind in ("due", "paid")),
    "payments_n",
    "payments_amount",
)


def _reminder_days(f: Filters) -> QuerySet:
    sums = {
        "n_sent": Sum("sent"),
        "n_traced": Sum("traced"),
        "n_first_n": Sum("first_n"),
        "n_payments_n": Sum("payments_n"),
        "n_payments_amount": Sum("payments_amount"),
    }
    for days in PAYMENT_WINDOWS:
        mature = Q(day__lte=f.today - timedelta(days=days))
        sums[f"n_due{days}"] = Sum("first_n", filter=mature)
        sums[f"n_paid{days}"] = Sum(f"paid_{days}", filter=mature)
    return (
        ReminderDay.objects.filter(f.scope(), f.period("day"))
        .order_by()
        .values("stage", "channel")
        .annotate(**sums)
        .filter(Q(n_sent__gt=0) | Q(n_payments_n__gt=0))
        .values("stage", "channel", *sums)
    )


def _reminders_from_base(f: Filters) -> list[dict]:
    """The sent reminders' figures read from the reminders and the payments.

    One statement: a window function ranks each dossier's sent reminders of a level and cycle
    (all of them, before the period filter: a level started before the period is no first); for
    each first reminder, the first payment that came after it while its level was still the last
    one sent (``paid_on``) is read once and the windows compare against it. A second branch
    (``UNION ALL``, channel NULL) gives each payment of the period to the last reminder sent
    before it, if that one was sent at most ``PAYMENT_WINDOWS[-1]`` days before.
    """
    ranked_sql, ranked_params = _compiled(_ranked_reminders, f)
    paid_sql, paid_params = _compiled(_period_payments, f)
    payment = Payment._meta.db_table
    longest = PAYMENT_WINDOWS[-1]
    counts, zeros = [], []
    params: list = []
    for days in PAYMENT_WINDOWS:
        mature = "r.rank = 1 AND r.sent_on <= %s"
        counts.append(f"count(*) FILTER (WHERE {mature}) AS due{days}")
        counts.append(
            f"count(*) FILTER (WHERE {mature} AND r.paid_on <= {plus_days('r.sent_on', days)}) "
            f"AS paid{days}"
        )
        zeros += [f"0 AS due{days}", f"0 AS paid{days}"]
        params += [f.today - timedelta(days=days)] * 2
    # The last sent reminder before a payment ``p``, among the dossier's (``r`` below).
    last = (
        "(SELECT x.{col} FROM ranked x WHERE x.dossier_id = p.dossier_id "
        "AND x.sent_on < p.received_on ORDER BY x.sent_at DESC, x.id DESC LIMIT 1)"
    )
    # Table names and Django's own SQL; every value is a parameter.
    sql = (
        f"WITH ranked AS ({ranked_sql}), paid AS ({paid_sql}) "  # noqa: S608
        f"SELECT r.step__stage, r.channel, count(*) AS sent, "
        "count(*) FILTER (WHERE r.traced) AS traced, "
        f"count(*) FILTER (WHERE r.rank = 1) AS first_n, {', '.join(counts)}, "
        "0 AS payments_n, 0 AS payments_amount FROM ("
        "SELECT r.step__stage, r.channel, r.traced, r.sent_on, r.rank, "
        f"CASE WHEN r.rank = 1 THEN (SELECT min(p.received_on) FROM {payment} p "
        "WHERE p.dossier_id = r.dossier_id AND p.kind = %s AND p.reversed_on IS NULL "
        "AND p.received_on > r.sent_on "
        # the level is still the last one sent: no other level went out after it, before p
        "AND NOT EXISTS (SELECT 1 FROM ranked x WHERE x.dossier_id = r.dossier_id "
        "AND x.step__stage <> r.step__stage AND x.sent_on < p.received_on "
        "AND (x.sent_at > r.sent_at OR (x.sent_at = r.sent_at AND x.id > r.id)))) "
        "END AS paid_on FROM ranked r WHERE r.sent_on >= %s AND r.sent_on <= %s) r "
        "GROUP BY r.step__stage, r.channel "
        "UNION ALL "
        f"SELECT a.stage, NULL, 0, 0, 0, {', '.join(zeros)}, count(*), sum(a.amount) FROM ("
        f"SELECT p.amount, p.received_on, {last.format(col='step__stage')} AS stage, "
        f"{last.format(col='sent_on')} AS sent_on FROM paid p) a "
        f"WHERE a.stage IS NOT NULL AND a.received_on <= {plus_days('a.sent_on', longest)} "
        "GROUP BY a.stage"
    )
    params = [
        *ranked_params,
        *paid_params,
        *params,
        Payment.Kind.PAYMENT,
        f.start,
        f.end,
    ]
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
        .values(
            "id", "dossier_id", "channel", "traced", "sent_at", "sent_on", "rank", "step__stage"
        )
    )


def _period_payments(f: Filters) -> QuerySet:
    """The payments (not credit notes, not taken back by the bank) received in the period."""
    return (
        Payment.objects.filter(f.scope("dossier__"), f.period("received_on"))
        .filter(kind=Payment.Kind.PAYMENT, reversed_on__isnull=True)
        .order_by()
        .values("dossier_id", "received_on", "amount")
    )


# --- 4. Arrangements, calls and the cost settings (one row) ----------------------------------


def arrangements_query(f: Filters) -> CostSettings:
    sql, params = _compiled(_arrangements_queryset, f)
    settings = next(iter(CostSettings.objects.raw(sql, params)), None)
    if settings is None:  # the migration creates the row; a flushed test database may not
        CostSettings.objects.get_or_create(pk=CostSettings.SINGLETON_PK)
        return arrangements_query(f)
    # A raw row skips the ORM's converters: SQLite gives sums as floats and durations in
    # microseconds (PostgreSQL: Decimal and timedelta already).
    settings.allocated_end = cents(settings.allocated_end)
    settings.calls, settings.calls_traced = int(settings.calls), int(settings.calls_traced)
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
    # Its principal paid in full, the dossier is left with its accessories (C. com. L441-10 II).
    honoured |= Q(
        status=PaymentPlan.Status.ACTIVE, dossier__state=DossierState.ACCESSORIES
    ) & f.period("dossier__accessories_since")
    disputes = Dispute.objects.filter(scope)
    resolved = disputes.exclude(status=Dispute.Status.OPEN).filter(f.period("resolved_on"))
    calls = CallLog.objects.filter(scope).annotate(on=TruncDate("called_at")).filter(f.period("on"))
    days = ExpressionWrapper(F("resolved_on") - F("opened_on"), output_field=DurationField())

    def n(queryset):
        return Coalesce(_scalar(queryset, count, IntegerField()), 0)

    calls = {"calls": n(calls), "calls_traced": n(calls.exclude(summary=""))}
    if _by_creditor(f, activity_summary):
        # From the calls' summary by creditor and day (``ActivityDay``, kept by triggers).
        call_days = ActivityDay.objects.filter(f.scope(), f.period("day"))
        calls = {
            name: Coalesce(_scalar(call_days, Sum(name), IntegerField()), 0)
            for name in ("calls", "calls_traced")
        }

    # What was paid or credited by the period's end on the claims alive then (the DSO's
    # receivables are the claims' ``issued_end`` less this).
    allocated = _scalar(
        PaymentAllocation.objects.filter(
            f.scope("claim__dossier__"),
            _alive_at(f.end, "claim__"),
            payment__received_on__lte=f.end,
        ),
        Sum("amount"),
        MONEY,
    )
    if _by_creditor(f, allocation_summary):
        # Read from the allocations' summary by creditor and day (``AllocationDay``, kept by
        # triggers): allocated by the end, less those of the claims cancelled by then.
        until = Q(day__lte=f.end)
        allocated = _scalar(
            AllocationDay.objects.filter(f.scope()),
            Coalesce(Sum("allocated", filter=until), ZERO, output_field=MONEY)
            - Coalesce(Sum("cancelled", filter=until), ZERO, output_field=MONEY),
            MONEY,
        )
    return (
        CostSettings.objects.filter(pk=CostSettings.SINGLETON_PK)
        .order_by()
        .annotate(
            allocated_end=allocated,
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
            **calls,
            **_portal_annotations(f, n),
            **_rate_annotations(f.today),
        )
    )


def _rate_annotations(today: date) -> dict:
    """Whether the current half-year has its reference rates (docs/legal.md, *Never carried
    forward*), read in this query the page runs anyway: the missing-rate banner costs no query
    of its own (``legal.rates.missing_from_facts``)."""
    half_year = HalfYear.containing(today)
    reference_day = half_year.ecb_reference_day
    return {
        "rate_legal_known": Exists(
            LegalInterestRate.objects.filter(half_year_start=half_year.start)
        ),
        "rate_ecb_on_or_after": Exists(EcbRate.objects.filter(effective_from__gte=reference_day)),
        "rate_ecb_on_or_before": Exists(EcbRate.objects.filter(effective_from__lte=reference_day)),
    }


def rates_missing(costs: CostSettings, today: date) -> list[str]:
    """The French messages of the current half-year's missing rates, from the row of
    ``arrangements_query`` (SQLite gives the booleans as integers)."""
    return missing_from_facts(
        HalfYear.containing(today),
        legal_known=bool(costs.rate_legal_known),
        ecb_on_or_after=bool(costs.rate_ecb_on_or_after),
        ecb_on_or_before=bool(costs.rate_ecb_on_or_before),
    )


def _portal_annotations(f: Filters, n) -> dict:
    """The debtor's space (portail): the actions the debtors took on their page over the
    period, the dossiers that used it, and the dossiers resolved by the debtor alone — closed
    as paid over the period after a promise, a plan or a look at the means of payment on their
    page, with no call logged by a controller."""
    events = PortalEvent.objects.filter(f.scope("dossier__"))
    in_period = events.annotate(on=TruncDate("at")).filter(f.period("on"))
    actions = in_period.filter(kind__in=PortalEvent.ACTIONS)
    used = Exists(
        PortalEvent.objects.filter(
            dossier=OuterRef("pk"),
            kind__in=[PortalEvent.Kind.PROMISE, PortalEvent.Kind.PLAN, PortalEvent.Kind.PAY],
        )
    )
    called = Exists(CallLog.objects.filter(dossier=OuterRef("pk")))
    self_resolved = (
        Dossier.objects.filter(f.scope(), f.period("closed_on"), state=DossierState.PAID)
        .filter(used)
        .exclude(called)
    )
    return {
        "portal_actions": n(actions),
        "portal_promises": n(actions.filter(kind=PortalEvent.Kind.PROMISE)),
        "portal_plans": n(actions.filter(kind=PortalEvent.Kind.PLAN)),
        "portal_disputes": n(actions.filter(kind=PortalEvent.Kind.DISPUTE)),
        "portal_dossiers": n(
            Dossier.objects.filter(f.scope()).filter(pk__in=actions.values("dossier_id"))
        ),
        "portal_self_resolved": n(self_resolved),
    }


# --- 5. The team -----------------------------------------------------------------------------


def team_query(f: Filters) -> list:
    sql, params = _compiled(_team_queryset, f)
    return list(get_user_model().objects.raw(sql, params))


def _team_queryset(f: Filters) -> QuerySet:
    scope = f.scope("dossier__", controller=False)
    user = OuterRef("pk")
    count = Count("pk")

    def n(queryset):
        return Coalesce(_scalar(queryset, count, IntegerField()), 0)

    payments = Payment.objects.filter(scope, f.period("received_on"))
    held = n(
        Dossier.objects.filter(f.scope(controller=False), assigned_to=user, closed_on__isnull=True)
    )
    if _counted(f):
        # From the open dossiers' counts (``DossierStateCount``): a few rows per controller.
        held = Coalesce(
            _scalar(
                DossierStateCount.objects.filter(f.scope(controller=False), assignee=user),
                Sum("open_count"),
                IntegerField(),
            ),
            0,
        )
    recovered = _scalar(
        payments.filter(
            kind=Payment.Kind.PAYMENT, reversed_on__isnull=True, dossier__assigned_to=user
        ),
        Sum("amount"),
        MONEY,
    )
    if f.debtor_kind is None and team_summary.kept():
        # From the payments' summary by controller, creditor and day (``TeamDay``).
        recovered = _scalar(
            TeamDay.objects.filter(f.scope(controller=False), f.period("day"), assignee=user),
            Sum("recovered"),
            MONEY,
        )
    return (
        get_user_model()
        .objects.filter(groups__name=roles.CONTROLLER)
        .annotate(
            held=held,
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
            recovered=Coalesce(recovered, ZERO),
        )
        .order_by("last_name", "first_name", "username")
    )


# --- 7. Bank statements (cash in) --------------------------------------------------------------


def bank_query(f: Filters) -> dict:
    """One row on the bank lines (``imports.statements``): credits posted over the period,
    those posted automatically (a certain match, at import), the mean days from the bank's
    booking to the posting — the moment the cadence stops — and the credits still waiting
    (amount, count, oldest booking date) today. Cut to the statements of the creditors in
    scope (the controller and debtor-kind filters name dossiers; a line waiting names none).
    Compiled once per set of filters (``_compiled``); a raw row skips the ORM's converters."""
    row = _one_row(_bank_queryset, f)
    delay = row["delay"]
    if delay is not None and not isinstance(delay, timedelta):
        delay = timedelta(microseconds=delay)  # SQLite: a raw mean of durations, in µs
    return {
        "posted": int(row["posted"] or 0),
        "automatic": int(row["automatic"] or 0),
        "posted_amount": None if row["posted_amount"] is None else cents(row["posted_amount"]),
        "delay": delay,
        "waiting": int(row["waiting"] or 0),
        "waiting_amount": (None if row["waiting_amount"] is None else cents(row["waiting_amount"])),
        "waiting_since": _day(row["waiting_since"]),
    }


def _bank_queryset(f: Filters) -> QuerySet:
    Status = BankTransaction.Status
    scope = Q()
    if f.creditors:
        scope &= Q(statement__creditor_id__in=f.creditors)
    elif f.creditors is not None:
        scope &= Q(statement__creditor_id__isnull=True)
    if f.creditor:
        scope &= Q(statement__creditor_id=f.creditor)
    credits = BankTransaction.objects.filter(scope, direction=BankTransaction.Direction.CREDIT)
    posted = Q(status=Status.POSTED) & f.period("booked_on")
    automatic = posted & Q(
        confidence__gte=CERTAIN,
        rule__in=[BankTransaction.Rule.RF, BankTransaction.Rule.INVOICE],
    )
    waiting = Q(status__in=[Status.PROPOSED, Status.UNMATCHED, Status.TO_REVIEW])
    delay = ExpressionWrapper(
        TruncDate("handled_at") - F("booked_on"), output_field=DurationField()
    )
    return _aggregates(
        credits,
        posted=Count("pk", filter=posted),
        automatic=Count("pk", filter=automatic),
        posted_amount=Sum("amount", filter=posted),
        delay=Avg(delay, filter=posted & Q(handled_at__isnull=False)),
        waiting=Count("pk", filter=waiting),
        waiting_amount=Sum("amount", filter=waiting),
        waiting_since=Min("booked_on", filter=waiting),
    )
