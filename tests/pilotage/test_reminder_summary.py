"""The dashboard's summaries of the sent reminders (``pilotage.reminder_summary``) and of the
calls and payments (``pilotage.activity_summary``) are kept by the database in the transaction
of each write: after any walk of writes they are the tables a rebuild makes, and the dashboard
reads the same figures from them as from the reminders, calls and payments (issue #25).
PostgreSQL only: the demo's SQLite reads the base tables."""

import datetime
import random
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier, Payment
from pilotage import queries, reminder_summary, summaries
from pilotage.filters import make_filters
from relances.models import CadenceStep, CallLog, Reminder, Stage
from tests.factories import ClaimFactory, CreditorFactory
from tests.pilotage import dataset
from tests.pilotage.dataset import START, TODAY

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the summary is kept on PostgreSQL"
    ),
]


@pytest.fixture
def portfolio(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(dataset.at(TODAY, 10), tick=False):
        yield dataset.build()


def _normalised(rows: list[dict]) -> dict:
    """Rows by (level, channel), figures as numbers (the reminders' query gives 0 or None where
    the summary gives 0.00)."""
    out = {}
    for row in rows:
        key = (row["step__stage"], row["channel"])
        assert key not in out
        out[key] = {
            name: round(float(value or 0), 2)
            for name, value in row.items()
            if name not in ("step__stage", "channel")
        }
    return out


def _both(f) -> tuple[dict, dict]:
    return (
        _normalised(queries._reminders_from_summary(f)),
        _normalised(queries._reminders_from_base(f)),
    )


def _activity(f, *, summary: bool):
    """The payments by month and the calls of the period, from their summary or from the
    payments and calls (what a controller or debtor-kind filter reads)."""

    def read():
        costs = queries.arrangements_query(f)
        return queries.payments_query(f), costs.calls, costs.calls_traced

    if summary:
        return read()
    with mock.patch.object(queries.activity_summary, "kept", return_value=False):
        queries._compile.cache_clear()
        try:
            return read()
        finally:
            queries._compile.cache_clear()


def test_the_dashboard_reads_the_same_cadence_figures_from_the_summary(portfolio):
    for filters in ({}, {"creditor": portfolio.a}, {"creditors": [portfolio.b.pk]}):
        f = make_filters(start=START, end=TODAY, today=TODAY, **filters)
        summary, base = _both(f)
        assert summary == base
        assert summary  # the portfolio's reminders are there
        assert _activity(f, summary=True) == _activity(f, summary=False)
    # The page reads the summary when no controller nor debtor kind is chosen (emptied, the
    # page would show no reminder), the reminders with one.
    f = make_filters(start=START, end=TODAY, today=TODAY)
    assert _normalised(queries.reminders_query(f))[(Stage.REMINDER_1, None)]["payments_n"] == 2
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {reminder_summary.TABLE}")  # noqa: S608
    assert queries.reminders_query(f) == []
    by_alice = make_filters(start=START, end=TODAY, today=TODAY, controller=portfolio.alice)
    assert queries.reminders_query(by_alice)


def test_a_random_walk_of_writes_leaves_the_reminders_summary_a_rebuild_makes(portfolio):
    """Reminders sent (by one and by several in a statement), planned then sent, cancelled,
    their content dropped, deleted; payments, credit notes, payments rejected by the bank;
    calls logged, their summary dropped, deleted; a step's level changed; a dossier moved to
    another creditor — in a random order, at any hour
    (the day is the local one)."""
    rng = random.Random(2525)
    creditors = [portfolio.a, portfolio.b, CreditorFactory()]
    steps = list(
        CadenceStep.objects.filter(policy__debtor_kind="professional").exclude(stage="courtesy")
    )
    for _ in range(6):
        ClaimFactory(creditor=rng.choice(creditors), amount=Decimal("5000.00"))
    dossiers = list(Dossier.objects.filter(closed_on__isnull=True).order_by("pk"))

    def moment():
        day = TODAY - datetime.timedelta(days=rng.randrange(0, 40))  # days often shared
        return timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(rng.randrange(24), rng.randrange(60))),
            datetime.UTC,
        )

    def reminder(status, **extra):
        step = rng.choice(steps)
        sent_at = moment()
        return Reminder(
            dossier=rng.choice(dossiers),
            step=step,
            cycle=rng.choice([1, 1, 2]),
            channel=step.channel,
            status=status,
            scheduled_for=sent_at.date(),
            sent_at=sent_at if status == Reminder.Status.SENT else None,
            content=rng.choice(["", "Texte envoyé"]),
            reanchored=True,  # several of a step and cycle, as the walk draws them
            **extra,
        )

    moves = ["send", "send", "batch", "plan", "deliver", "cancel", "blank", "delete", "pay",
             "pay", "credit", "reverse", "restage", "move", "call", "call", "uncall"]  # fmt: skip
    with time_machine.travel(dataset.at(TODAY, 11), tick=False):
        for step in range(90):
            move = rng.choice(moves)
            sent = Reminder.objects.filter(status=Reminder.Status.SENT)
            if move == "send":
                reminder(Reminder.Status.SENT).save()
            elif move == "batch":
                Reminder.objects.bulk_create(
                    [reminder(Reminder.Status.SENT) for _ in range(rng.randrange(2, 6))]
                )
            elif move == "plan":
                reminder(Reminder.Status.PLANNED).save()
            elif move == "deliver":
                planned = list(Reminder.objects.filter(status=Reminder.Status.PLANNED)[:3])
                Reminder.objects.filter(pk__in=[r.pk for r in planned]).update(
                    status=Reminder.Status.SENT, sent_at=moment()
                )
            elif move == "cancel" and sent.exists():
                sent.filter(pk=rng.choice(list(sent.values_list("pk", flat=True)))).update(
                    status=Reminder.Status.CANCELLED
                )
            elif move == "blank":
                sent.filter(dossier=rng.choice(dossiers)).update(content="")
            elif move == "delete" and sent.exists():
                sent.filter(pk=rng.choice(list(sent.values_list("pk", flat=True)))).delete()
            elif move in ("pay", "credit"):
                dossier = Dossier.objects.get(pk=rng.choice(dossiers).pk)
                if dossier.closed_on or not dossier.claims.filter(outstanding__gt=0).exists():
                    continue
                # often the local day a reminder of the dossier went out (a payment that day
                # counts for the level sent before: the edge of every window)
                days = [
                    timezone.localdate(at)
                    for at in sent.filter(dossier=dossier).values_list("sent_at", flat=True)
                ]
                if not days or rng.random() < 0.4:
                    days = [moment().date() + datetime.timedelta(days=rng.randrange(20))]
                services.payment_record(
                    dossier=dossier,
                    amount=Decimal(rng.choice(["10.00", "25.50", "40.00"])),
                    received_on=min(TODAY, rng.choice(days)),
                    kind=Payment.Kind.PAYMENT if move == "pay" else Payment.Kind.CREDIT_NOTE,
                    actor=None,
                )
            elif move == "reverse":
                # drawn by the walk's seeded generator, not ``order_by("?")``: the same walk
                payments = list(
                    Payment.objects.filter(reversed_on__isnull=True, kind=Payment.Kind.PAYMENT)
                    .exclude(allocations__claim__cancelled_on__isnull=False)
                    .distinct()
                    .order_by("pk")
                )
                payment = rng.choice(payments) if payments else None
                if payment:
                    services.payment_reverse(payment=payment, actor=None, reason="rejet", on=TODAY)
            elif move == "call":
                CallLog.objects.create(
                    dossier=rng.choice(dossiers),
                    called_at=moment(),
                    called_by=portfolio.alice,
                    outcome=rng.choice([CallLog.Outcome.REACHED, CallLog.Outcome.NO_ANSWER]),
                    summary=rng.choice(["", "Règlement annoncé."]),
                )
            elif move == "uncall" and CallLog.objects.exists():
                call = rng.choice(list(CallLog.objects.order_by("pk")))
                if rng.random() < 0.5:
                    CallLog.objects.filter(pk=call.pk).update(summary="", called_at=moment())
                else:
                    call.delete()
            elif move == "restage":
                chosen = rng.choice(steps)
                CadenceStep.objects.filter(pk=chosen.pk).update(
                    stage=rng.choice([Stage.REMINDER_1, Stage.REMINDER_2, Stage.REMINDER_3])
                )
            elif move == "move":  # to a new creditor (a debtor has one active dossier per creditor)
                creditors.append(CreditorFactory())
                Dossier.objects.filter(pk=rng.choice(dossiers).pk).update(creditor=creditors[-1])
            if step % 30 == 29:
                kept = summaries.rows()
                summaries.rebuild()
                assert kept == summaries.rows(), step
        kept = reminder_summary.rows()
        assert kept[reminder_summary.TABLE] == kept[reminder_summary.PARTS]
        assert any(figures[-2] for figures in kept[reminder_summary.TABLE].values())  # payments
        call_command("rebuild_summaries")
        assert kept == reminder_summary.rows()
        call_command("rebuild_summaries", "--check")
        for filters in (
            {"creditors": None},
            {"creditors": (creditors[0].pk,)},
            {"creditor": creditors[1].pk, "start": TODAY - datetime.timedelta(days=20)},
            {"today": TODAY - datetime.timedelta(days=10)},
        ):
            f = make_filters(**{"start": START, "end": TODAY, "today": TODAY, **filters})
            summary, base = _both(f)
            assert summary == base, filters
            assert _activity(f, summary=True) == _activity(f, summary=False), filters
