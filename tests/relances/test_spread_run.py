"""The daily run spread over workers (issue #25, item 2): the due dossiers split into id ranges,
one task each, taken by any worker in any order; the same rows as a single run, nothing created
twice, and one report gathering the shards."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from dossiers import services as dossier_services
from dossiers.models import Dossier, Promise, Task
from relances import services, tasks
from relances.models import CadenceRun, CadenceShard, Reminder
from tests.factories import ClaimFactory, ConsumerFactory, CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db
D = datetime.date
FIRST_DAY, LAST_DAY = D(2026, 10, 1), D(2026, 11, 13)
HOLD_DAY, PROMISE_DAY = D(2026, 10, 5), D(2026, 10, 9)


def _at(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(7)), tick=False)


@pytest.fixture
def portfolio():
    """Sixteen dossiers all along the cadence: due dates spread over two months (some
    imported late: catch-ups), consumers and professionals, two creditors, three debtors with
    two dossiers each (the spacing between contacts), one put on hold, one with a promise that
    is broken, formal notices approved on the day (then Go/No-Go)."""
    creditors = [CreditorFactory(), CreditorFactory()]
    shared = [DebtorFactory(), DebtorFactory(), ConsumerFactory(postal_code="67000")]
    dossiers = []
    with _at(D(2026, 7, 1)):
        for i in range(16):
            due = D(2026, 8, 3) + datetime.timedelta(days=4 * i)
            debtor = (
                shared[i % 3]
                if i % 4 == 0
                else (ConsumerFactory(postal_code="57000") if i % 5 == 0 else DebtorFactory())
            )
            claim = ClaimFactory(
                creditor=creditors[i % 2],
                debtor=debtor,
                issue_date=due - datetime.timedelta(days=30),
                due_date=due,
                amount=Decimal("800.00") + 37 * i,
            )
            dossiers.append(claim.dossier)
    return dossiers


def _events(dossiers):
    """What people do during the walk, the same on both sides."""

    def on_day(day):
        if day == HOLD_DAY:
            services.hold_set(
                dossier=dossiers[5], until=D(2026, 10, 20), reason="appel", actor=None
            )
        if day == PROMISE_DAY:
            dossier_services.promise_record(
                dossier=Dossier.objects.get(pk=dossiers[7].pk),
                amount=Decimal("100.00"),
                due_on=D(2026, 10, 16),
                actor=None,
                on=day,
            )
        for notice in Reminder.objects.filter(
            status=Reminder.Status.PLANNED, step__needs_approval=True, approved_at__isnull=True
        ):
            services.reminder_approve(reminder=notice, actor=None, on=day)

    return on_day


@pytest.fixture
def deliveries(monkeypatch):
    """The delivery workers stand in: a reminder queued for delivery is sent at once (the same
    on both sides; rendering letters is not what is compared here). Shards go to the real
    task, eagerly."""
    real = services.queue

    def queue(task_name, **kwargs):
        if task_name == services.SHARD_TASK:
            return real(task_name, **kwargs)
        pks = kwargs.get("reminder_ids") or [kwargs["reminder_id"]]
        planned = Reminder.objects.filter(pk__in=pks, status=Reminder.Status.PLANNED)
        notices = list(planned.filter(step__stage="formal_notice").select_related("dossier"))
        planned.update(status=Reminder.Status.SENT, sent_at=timezone.now())
        for notice in notices:
            dossier_services.formal_notice_sent(
                dossier=notice.dossier, on=timezone.localdate(), actor=None
            )

    monkeypatch.setattr(services, "queue", queue)


def _walk(run, on_day, capture):
    day = FIRST_DAY
    while day <= LAST_DAY:
        with _at(day):
            with capture(execute=True):  # deliveries and shards: as the workers would
                run(day)
            with capture(execute=True):
                on_day(day)
        day += datetime.timedelta(days=1)


def _rows() -> dict:
    """Everything the runs left, without ids the sequences gave nor clock times."""
    return {
        "reminders": sorted(
            Reminder.objects.values_list(
                "dossier_id",
                "step__code",
                "cycle",
                "status",
                "scheduled_for",
                "caught_up",
                "note",
                "sent_at",
                "approved_at",
            )
        ),
        "dossiers": sorted(
            Dossier.objects.values_list("pk", "state", "next_action_at", "closed_on", "cycle")
        ),
        "tasks": sorted(Task.objects.values_list("dossier_id", "kind", "due_on", "note")),
        "promises": sorted(Promise.objects.values_list("dossier_id", "status", "settled_on")),
        "dossier_journal": sorted(
            Dossier.history.values_list(
                "id",
                "history_date",
                "history_type",
                "history_change_reason",
                "state",
                "next_action_at",
            )
        ),
        "reminder_journal": sorted(
            Reminder.history.values_list(
                "dossier_id",
                "step_id",
                "history_date",
                "history_type",
                "history_change_reason",
                "status",
            )
        ),
        "runs": [
            (
                r.on,
                r.examined,
                r.reminders,
                r.fired,
                r.skipped,
                r.caught_up,
                r.holds,
                r.go_no_go,
                r.arrangements,
                r.errors,
                r.details,
                r.status,
            )
            for r in CadenceRun.objects.order_by("on", "pk")
        ],
    }


def test_the_spread_run_creates_exactly_the_rows_of_a_single_run(
    portfolio, deliveries, django_capture_on_commit_callbacks, monkeypatch
):
    on_day = _events(portfolio)
    capture = django_capture_on_commit_callbacks
    before = transaction.savepoint()
    _walk(lambda day: services.run_cadence(on=day), on_day, capture)
    single = _rows()
    transaction.savepoint_rollback(before)
    assert not Reminder.objects.exists()

    # The workers take the shards in any order: here the last first.
    queue_shards = services._queue_shards
    monkeypatch.setattr(services, "_queue_shards", lambda pks: queue_shards(pks[::-1]))
    _walk(lambda day: services.run_cadence_spread(on=day, shard_size=3), on_day, capture)
    spread = _rows()

    assert len(single["reminders"]) > 40  # the walk went through every stage
    assert {r[3] for r in single["reminders"]} >= {"sent", "cancelled", "planned"}
    assert {t[1] for t in single["tasks"]} >= {Task.Kind.GO_NO_GO}
    assert sum(run[7] for run in single["runs"]) > 0  # Go/No-Go
    assert single["promises"]  # the promise recorded (and checked by the runs)
    assert sum(run[6] for run in single["runs"]) > 0  # the hold
    for key in single:
        assert spread[key] == single[key], key
    shards = CadenceShard.objects.all()
    assert shards.values("run").distinct().count() > 20
    assert max(CadenceRun.objects.values_list("shard_count", flat=True)) >= 3
    assert set(shards.values_list("status", flat=True)) == {CadenceShard.Status.DONE}


def _due_portfolio(count=7):
    with _at(D(2026, 9, 1)):
        return [
            ClaimFactory(debtor=DebtorFactory(), issue_date=D(2026, 9, 1), due_date=D(2026, 10, 1))
            for _ in range(count)
        ]


R7 = D(2026, 10, 8)


def test_the_shards_cover_every_id_and_the_last_one_gathers_the_report():
    claims = _due_portfolio()
    ids = sorted(c.dossier_id for c in claims)
    with _at(R7):
        run = services.run_cadence_spread(on=R7, shard_size=3)  # queued on commit: not yet run
    shards = list(run.shards.order_by("number"))
    assert [(s.first_id, s.last_id, s.due) for s in shards] == [
        (None, ids[3] - 1, 3),
        (ids[3], ids[6] - 1, 3),
        (ids[6], None, 1),
    ]
    assert (run.status, run.shard_count) == (CadenceRun.Status.RUNNING, 3)

    with _at(R7):
        tasks.run_cadence_shard_task(shard_id=shards[2].pk)
        tasks.run_cadence_shard_task(shard_id=shards[0].pk)
        run.refresh_from_db()
        assert run.status == CadenceRun.Status.RUNNING and run.finished_at is None
        tasks.run_cadence_shard_task(shard_id=shards[1].pk)
    run.refresh_from_db()
    assert (run.status, run.examined, run.reminders, run.fired) == (
        CadenceRun.Status.DONE,
        7,
        7,
        {"reminder_1": 7},
    )
    assert Reminder.objects.filter(run=run).count() == 7
    shard = CadenceShard.objects.get(pk=shards[0].pk)
    assert (shard.examined, shard.reminders, shard.attempts) == (3, 3, 1)
    assert shard.worker  # host:pid of the worker that ran it


def test_a_shard_run_twice_creates_nothing_twice():
    claims = _due_portfolio(4)
    with _at(R7):
        run = services.run_cadence_spread(on=R7, shard_size=2)
        first, second = run.shards.order_by("number")
        tasks.run_cadence_shard_task(shard_id=first.pk)
        tasks.run_cadence_shard_task(shard_id=first.pk)  # redelivered once done: left as it is
        # A worker died with the shard « En cours »: another runs it again.
        CadenceShard.objects.filter(pk=first.pk).update(status=CadenceShard.Status.RUNNING)
        again = services.cadence_shard_run(shard_id=first.pk)
        tasks.run_cadence_shard_task(shard_id=second.pk)
        # A second spread run of the same day, and a single one, find nothing left.
        services.run_cadence_spread(on=R7, shard_size=2)
        services.run_cadence(on=R7)
    # The second attempt found nothing left: the shard still counts the two of the first.
    assert (again.attempts, again.reminders, again.status) == (2, 2, CadenceShard.Status.DONE)
    assert Reminder.objects.count() == len(claims)
    assert sorted(CadenceRun.objects.values_list("reminders", flat=True)) == [0, 0, len(claims)]


def test_a_shard_that_fails_leaves_the_others_and_marks_the_run(monkeypatch):
    _due_portfolio(4)
    with _at(R7):
        run = services.run_cadence_spread(on=R7, shard_size=2)
        first, second = run.shards.order_by("number")
        real = services._run_batches

        def run_batches(ids, **kwargs):
            if first.last_id is not None and ids and ids[0] <= first.last_id:
                raise ConnectionError("base injoignable")
            return real(ids, **kwargs)

        monkeypatch.setattr(services, "_run_batches", run_batches)
        tasks.run_cadence_shard_task(shard_id=first.pk)
        tasks.run_cadence_shard_task(shard_id=second.pk)
    run.refresh_from_db()
    assert (run.status, run.errors, run.reminders) == (CadenceRun.Status.FAILED, 1, 2)
    assert "ConnectionError : base injoignable" in run.error
    assert "1 lot(s) interrompu(s) : 1" in run.error
    assert CadenceShard.objects.get(pk=first.pk).status == CadenceShard.Status.FAILED


def test_the_beat_spreads_the_run_and_a_day_with_nothing_due_is_done_at_once(
    settings, django_capture_on_commit_callbacks
):
    _due_portfolio(5)
    settings.CADENCE_SHARD_SIZE = 2
    with _at(R7), django_capture_on_commit_callbacks(execute=True):
        result = tasks.run_cadence_task(on=R7.isoformat())
    assert result["shards"] == 3
    run = CadenceRun.objects.get(pk=result["run"])
    assert (run.trigger, run.status, run.reminders) == (
        CadenceRun.Trigger.BEAT,
        CadenceRun.Status.DONE,
        5,
    )
    with _at(R7):
        result = tasks.run_cadence_task(on=R7.isoformat())
    assert result["shards"] == 0
    assert CadenceRun.objects.get(pk=result["run"]).status == CadenceRun.Status.DONE
    settings.CADENCE_SHARD_SIZE = 0  # one process: the run as before
    with _at(R7):
        assert tasks.run_cadence_task(on=R7.isoformat())["reminders"] == 0
