"""« Ma journée »'s priority, stored on the dossier (``Dossier.priority``) and indexed.

The score (amount + age + risk, ``journee.selectors``: the tables and the tooltip's words) was
computed on each request for every open dossier in scope, then sorted: 5.7 s for a manager at
1M claims (issue #25). It is now kept on the dossier and the worklist walks an index in its
order, stopping after one page:

- **by the writes that change it**, in their own transaction: a dossier, a claim (amount), a
  reminder (planned, failed, a formal notice sent), a task, a dispute, a promise, a call or an
  action of the debtor online saved or deleted (``post_save``/``post_delete``), and the
  journal's bulk writes (``journal.bulk.rows_written``: the daily run's reminders and moves,
  the imports) re-score their dossiers in one ``UPDATE``;
- **every day** (``journee.refresh_priorities``, beat at 00:20, and ``manage.py
  refresh_priorities``): the age points and the prescription warnings move with the date alone.
- **once, after a long run of writes** (``deferred()``): within the block the writes only note
  their dossiers, re-scored in one pass on leaving it — the demo's seed writes months of history
  that nobody reads in « Ma journée » before its end (a re-score per write was a third of it).

The score written is the very SQL expression the worklist used to sort by (``_score_expression``),
so the order is the one it was. With it, ``Dossier.attention``: whether any item of the worklist
is there today (the same conditions), so that the worklist as it opens walks only the dossiers
with something to do (its own conditions, evaluated again on each of them, drop a stale one).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.db import connection
from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from dossiers.models import Claim, Dispute, Dossier, Promise, Task
from journal.bulk import defer, defer_each, rows_written
from portail.models import PortalEvent
from recouvrement.lookups import AnyOf, any_of_parameter
from relances.models import CallLog, Reminder
from scoring.signals import scores_changed

CHUNK = 5_000  # dossiers per statement in the daily refresh
# The kinds of items the risk points read (``RISK_POINTS``; the states are read on the row).
RISK_ITEMS = (
    "prescription",
    "claim_declaration",
    "promise_broken",
    "installment_missed",
    "failed",
    "dispute",
)


def scored(dossiers: QuerySet, today: date) -> QuerySet:
    """``dossiers`` with their ``score`` for ``today`` (the worklist's expression) and
    ``needs_person``: whether any item of the worklist is there today."""
    from journee import selectors

    flags = selectors.prescription_flags(dossiers, today=today)
    return _scored(dossiers, today, sorted(flags))


def _scored(dossiers: QuerySet, today: date, prescription_ids: list[int]) -> QuerySet:
    """``scored``, the dossiers with a claim near prescription given (the legal engine's, in
    Python: ``journee.selectors.prescription_flags``)."""
    from journee import selectors

    # Each condition looked up dossier by dossier (``row_by_row``): a re-scoring reads a few
    # hundred dossiers (a batch of the daily run), never a hash of every planned reminder.
    conditions = selectors._item_conditions(today, prescription_ids, row_by_row=True)
    needs_person = Q()
    for condition in conditions.values():
        needs_person |= condition
    return (
        dossiers.annotate(balance=selectors._balance_subquery())
        .alias(
            **{
                f"has_{code}": Case(
                    When(conditions[code], then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
                for code in RISK_ITEMS
            }
        )
        .annotate(notice_sent=selectors.notice_sent())
        .annotate(
            score=selectors._score_expression(today),
            needs_person=Case(
                When(needs_person, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )


def refresh(dossiers: QuerySet | None = None, *, today: date | None = None) -> int:
    """Write the priority of the open ``dossiers`` (every open dossier if None) where it
    changed, in one statement; returns the number of dossiers re-scored."""
    scope = Dossier.objects.filter(closed_on__isnull=True)
    if dossiers is not None:
        scope = scope.filter(pk__in=dossiers)
    return refresh_ids(list(scope.order_by("pk").values_list("pk", flat=True)), today=today)


def refresh_ids(ids: list[int], *, today: date | None = None) -> int:
    """``refresh`` of the dossiers whose ids are given (a closed one is left as it is)."""
    from journee import selectors

    if not ids:
        return 0
    today = today or timezone.localdate()
    flagged = selectors.prescription_flags(Dossier.objects.filter(AnyOf("pk", ids)), today=today)
    sql, params, slots = _statement(today, connection.vendor, timezone.get_current_timezone_name())
    values = {_IDS: ids, _FLAGGED: sorted(flagged)}
    params = list(params)
    for index, marker in slots:
        params[index] = _as_parameter(values[marker])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# The statement's two lists of ids, compiled as one parameter each (``AnyOf``) holding a
# marker no dossier id takes, found again among the compiled parameters and replaced.
_IDS, _FLAGGED = -987_654_321, -987_654_322


def _as_parameter(ids: list[int]):
    """A list of ids as ``AnyOf`` passes it (``any_of_parameter``)."""
    return any_of_parameter(list(ids), connection.vendor)


@lru_cache(maxsize=8)
def _statement(today: date, vendor: str, time_zone: str) -> tuple[str, tuple, tuple]:
    """The re-scoring ``UPDATE``, built and compiled once per day (and database and time zone:
    the day of a call is taken in it): its ~40 conditions cost Django ~30 ms of Python to
    build and compile, on each write of a dossier, a claim, a reminder… Only the dossiers'
    ids and those near prescription change from one call to the next: the statement takes
    them as parameters (``slots``: their positions among the parameters)."""
    scope = Dossier.objects.filter(closed_on__isnull=True).filter(AnyOf("pk", [_IDS]))
    rows = _scored(scope, today, [_FLAGGED]).order_by()
    rows = rows.values(row_id=F("pk"), row_score=F("score"), row_attention=F("needs_person"))
    sql, params = rows.query.sql_with_params()
    markers = {repr(_as_parameter([marker])): marker for marker in (_IDS, _FLAGGED)}
    slots = tuple(
        (index, markers[repr(param)])
        for index, param in enumerate(params)
        if repr(param) in markers
    )
    if {marker for _, marker in slots} != {_IDS, _FLAGGED}:
        raise RuntimeError("priority: the statement's lists of ids were not found")
    table = connection.ops.quote_name(Dossier._meta.db_table)
    # MATERIALIZED: the score computed once per dossier (a subquery in FROM is pulled up, and
    # its score expression, with its ~40 subqueries, was evaluated twice: for the SET and for
    # the « changed » test).
    statement = (
        f"WITH s AS MATERIALIZED ({sql}) "  # noqa: S608
        f"UPDATE {table} SET priority = s.row_score, attention = s.row_attention "
        f"FROM s WHERE {table}.id = s.row_id "
        f"AND ({table}.priority <> s.row_score OR {table}.attention <> s.row_attention)"
    )
    return statement, tuple(params), slots


def refresh_all(*, today: date | None = None) -> int:
    """Every open dossier, ``CHUNK`` at a time by id range (short statements, short locks)."""
    today = today or timezone.localdate()
    ids = Dossier.objects.filter(closed_on__isnull=True).order_by("pk").values_list("pk", flat=True)
    changed, last = 0, 0
    while True:
        bounds = list(ids.filter(pk__gt=last)[:CHUNK])
        if not bounds:
            return changed
        chunk = Dossier.objects.filter(pk__gte=bounds[0], pk__lte=bounds[-1])
        changed += refresh(chunk.values("pk"), today=today)
        last = bounds[-1]


# --- The writes that change it -------------------------------------------------------------

# How each model names its dossier.
DOSSIER_OF = {Dossier: "pk", Claim: "dossier_id", Reminder: "dossier_id", Task: "dossier_id",
              Dispute: "dossier_id", Promise: "dossier_id", PortalEvent: "dossier_id",
              CallLog: "dossier_id"}  # fmt: skip


@dataclass
class _Pending:
    """The dossiers whose priority a ``deferred()`` block owes (``everything``: all open)."""

    ids: set[int] = field(default_factory=set)
    everything: bool = False


_DEFERRED: ContextVar[_Pending | None] = ContextVar("priority_deferred", default=None)


@contextmanager
def deferred():
    """Within the block, the writes note their dossiers instead of re-scoring each at once;
    on leaving it (without an error), the dossiers noted are re-scored in one pass, for the
    date of that moment. Nested blocks join the outermost one."""
    if _DEFERRED.get() is not None:
        yield
        return
    pending = _Pending()
    token = _DEFERRED.set(pending)
    try:
        yield
    finally:
        _DEFERRED.reset(token)
    if pending.everything:
        refresh_all()
        return
    ids = sorted(pending.ids)
    for start in range(0, len(ids), CHUNK):
        refresh_ids(ids[start : start + CHUNK])


def _saved(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures
        return
    dossier_id = getattr(instance, DOSSIER_OF[sender])
    if dossier_id is None:
        return
    if (pending := _DEFERRED.get()) is not None:
        pending.ids.add(dossier_id)
        return
    if defer(_refresh_ids, dossier_id):  # a batch of an app below (journal.bulk.deferred)
        return
    refresh_ids([dossier_id])


def _refresh_ids(dossier_ids: set[int]) -> None:
    """The dossiers saved during a ``journal.bulk.deferred`` batch, re-scored at its end."""
    ordered = sorted(dossier_ids)
    for start in range(0, len(ordered), CHUNK):
        refresh_ids(ordered[start : start + CHUNK])


def _bulk(sender, pks, rows, fields, **kwargs) -> None:
    if sender not in DOSSIER_OF:
        return
    if sender is Dossier:
        ids = set(pks)
    else:
        # The rows written name their dossier (an import's invoices): no query to find them.
        named = [
            row.get("dossier_id") if isinstance(row, dict) else getattr(row, "dossier_id", None)
            for row in rows
        ]
        if len(named) == len(pks) and None not in named:
            ids = set(named)
        else:
            ids = set(sender.objects.filter(AnyOf("pk", pks)).values_list("dossier_id", flat=True))
    ids.discard(None)
    if (pending := _DEFERRED.get()) is not None:
        pending.ids.update(ids)
        return
    if ids and defer_each(_refresh_ids, ids):  # several bulk writes sent together
        return
    if ids:
        refresh_ids(sorted(ids))


def connect() -> None:
    for model in DOSSIER_OF:
        post_save.connect(_saved, sender=model, dispatch_uid=f"priority-save-{model.__name__}")
        post_delete.connect(_saved, sender=model, dispatch_uid=f"priority-del-{model.__name__}")
    rows_written.connect(_bulk, dispatch_uid="priority-bulk")
    scores_changed.connect(_scores, dispatch_uid="priority-payment-scores")


def _scores(sender, creditor_id=None, **kwargs) -> None:
    """The payment probability's points moved (``scoring``): after a scoring run the open
    dossiers of the creditors whose priority counts it, after a manager's switch that
    creditor's."""
    if (pending := _DEFERRED.get()) is not None:
        if creditor_id is None:
            pending.everything = True
        else:
            pending.ids.update(
                Dossier.objects.filter(creditor_id=creditor_id).values_list("pk", flat=True)
            )
        return
    if creditor_id is not None:
        refresh(Dossier.objects.filter(creditor_id=creditor_id).values("pk"))
        return
    # After a scoring run, only the creditors whose priority counts the probability: the
    # others' priority does not read the score (re-scoring them, 200,000 dossiers at 1M
    # claims, changed nothing).
    from scoring.models import PriorityScoring

    for creditor in PriorityScoring.objects.filter(enabled=True).values_list(
        "creditor_id", flat=True
    ):
        refresh(Dossier.objects.filter(creditor_id=creditor).values("pk"))
