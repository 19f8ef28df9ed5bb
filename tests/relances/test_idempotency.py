"""The daily cadence and the delivery of reminders are idempotent, and the planner keeps its rules.

A second run, a duplicate beat tick, two runs at once or a worker retrying after a crash never
create nor send a reminder twice. The last tests pin planner rules on worked examples: a step
falling on a Saturday, Sunday or French public holiday moves to the next working day (CPC 642);
01/11 (All Saints) and 11/11 (Armistice) are holidays.

The tests on two runs at once need PostgreSQL (row locks), the one with a real worker needs
Redis; ``make test`` provides both, a run on SQLite skips them.
"""

import datetime
import io
import itertools
import logging
import smtplib
import threading
import time

import pytest
from celery.backends.redis import RedisBackend
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from courriers.tasks import reminder_deliver_task
from dossiers.models import Dossier
from recouvrement.celery import app
from relances import services
from relances.models import (
    CadencePolicy,
    CadenceRun,
    CadenceStep,
    Channel,
    DebtorCadenceOverride,
    Reminder,
    Stage,
)
from relances.tasks import run_cadence_task
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory

D = datetime.date
R7_DAY = D(2026, 10, 8)  # R+7 of an invoice due Thursday 01/10/2026: Thursday 08/10
RESULT_BACKEND_URL = "redis://127.0.0.1:6379/14"

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="deux exécutions simultanées se départagent par les verrous de ligne de PostgreSQL "
    f"(base de test : {connection.vendor})",
)
needs_redis_broker = pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis://"),
    reason=f"un vrai worker Celery demande le broker Redis (broker : {settings.CELERY_BROKER_URL})",
)
# Threads and the worker see only committed rows: no test transaction around them. The flush
# after such a test empties the tables; serialized_rollback restores the migrations' data (the
# default cadences, the roles) for the next one.
committed_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _claim(frozen, debtor=None, **kwargs):
    """An invoice issued 01/09/2026, due Thursday 01/10/2026, recorded on its issue date."""
    kwargs.setdefault("issue_date", D(2026, 9, 1))
    kwargs.setdefault("due_date", D(2026, 10, 1))
    with frozen(kwargs["issue_date"]):
        return ClaimFactory(debtor=debtor or DebtorFactory(), **kwargs)


def _sent_rows(reminder: Reminder) -> int:
    """How many times the journal shows this reminder going out."""
    return reminder.history.filter(status=Reminder.Status.SENT).count()


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("run_cadence", *args, stdout=out)
    return out.getvalue()


# --- A second run creates nothing -----------------------------------------------------------


@pytest.mark.django_db
def test_running_the_cadence_twice_on_one_day_creates_each_reminder_once(frozen):
    due = [_claim(frozen).dossier for _ in range(2)]
    _claim(frozen, due_date=D(2026, 10, 20))  # R+7 on 27/10: not due yet

    first = services.run_cadence(on=R7_DAY)
    reminders_after_first = list(Reminder.objects.values_list("dossier", "step__code", "cycle"))
    journal_after_first = Dossier.history.count()
    second = services.run_cadence(on=R7_DAY)

    assert first.reminders == 2
    assert second.reminders == 0
    assert sorted(reminders_after_first) == sorted((dossier.pk, "r7-email", 1) for dossier in due)
    assert list(Reminder.objects.values_list("dossier", "step__code", "cycle")) == (
        reminders_after_first
    )
    # Nor does the second run touch the dossiers: their journal has no new line.
    assert Dossier.history.count() == journal_after_first


@pytest.mark.django_db
def test_the_database_refuses_a_second_reminder_for_the_same_step_and_cycle(frozen):
    claim = _claim(frozen)
    services.run_cadence(on=R7_DAY)
    sent = Reminder.objects.get(dossier=claim.dossier)

    twin = Reminder(
        dossier=sent.dossier,
        step=sent.step,
        cycle=sent.cycle,
        channel=sent.channel,
        scheduled_for=sent.scheduled_for,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    assert Reminder.objects.filter(dossier=claim.dossier).count() == 1


# --- The management command ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_run_a_second_time_says_it_created_nothing(frozen):
    claim = _claim(frozen)

    first = _command("--date", "2026-10-08")
    second = _command("--date", "2026-10-08")

    assert "Cadence du 08/10/2026" in first
    assert f"dossier {claim.dossier.pk} : Relance amiable" in first
    assert "Nouvelles relances créée(s) : 1" in first
    assert "Nouvelles relances créée(s) : 0" in second
    assert Reminder.objects.filter(dossier=claim.dossier).count() == 1


@pytest.mark.django_db
def test_the_command_dry_run_shows_what_it_would_do_and_writes_nothing(frozen):
    claim = _claim(frozen)
    journal_before = claim.dossier.history.count()

    output = _command("--date", "2026-10-08", "--dry-run")

    assert "Simulation de la cadence du 08/10/2026" in output
    assert f"dossier {claim.dossier.pk} : Relance amiable" in output
    assert "Nouvelles relances serait créée(s) : 1" in output
    dossier = Dossier.objects.get(pk=claim.dossier.pk)
    assert not Reminder.objects.exists()
    assert (dossier.state, dossier.next_action_at) == ("open", R7_DAY)
    assert dossier.history.count() == journal_before
    # The simulation left the dossier due: the real run still does the work.
    assert "Nouvelles relances créée(s) : 1" in _command("--date", "2026-10-08")


@pytest.mark.django_db
def test_the_command_refuses_an_impossible_date_in_french():
    with pytest.raises(CommandError, match=r"Date invalide « 2026-13-45 » .*AAAA-MM-JJ"):
        _command("--date", "2026-13-45")
    assert not Reminder.objects.exists()


# --- Two runs at once ------------------------------------------------------------------------


@needs_postgresql
@committed_db
def test_two_simultaneous_runs_create_each_reminder_once(frozen):
    dossiers = [_claim(frozen).dossier for _ in range(10)]
    start_together = threading.Barrier(2, timeout=30)
    reports, errors = [], []

    def run():
        try:
            start_together.wait()
            reports.append(services.run_cadence(on=R7_DAY))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection: leave none open

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert len(reports) == 2
    keys = list(Reminder.objects.values_list("dossier", "step__code", "cycle"))
    assert sorted(keys) == sorted((dossier.pk, "r7-email", 1) for dossier in dossiers)
    # Between them the two runs report each reminder once.
    assert sum(report.reminders for report in reports) == len(dossiers)
    states = set(Dossier.objects.filter(pk__in=[d.pk for d in dossiers]).values_list("state"))
    assert states == {("reminder_1",)}


# --- A real worker on Redis ------------------------------------------------------------------


@pytest.fixture
def redis_worker():
    """A Celery worker in a thread of this process, consuming the Redis broker for real.

    The test settings run tasks eagerly; here they go through Redis and come back through a
    result backend on another Redis database. Everything is put back afterwards.
    """
    tasks = (run_cadence_task, reminder_deliver_task)
    saved = {
        "task_always_eager": app.conf.task_always_eager,
        "broker_url": app.conf.broker_url,
        "result_backend": app.conf.result_backend,
    }
    root = logging.getLogger()
    saved_logging = (root.level, list(root.handlers))
    # Results expire within minutes: nothing piles up in Redis.
    backend = RedisBackend(app=app, url=RESULT_BACKEND_URL, expires=300)
    try:
        app.conf.task_always_eager = False
        app.conf.broker_url = settings.CELERY_BROKER_URL
        app.conf.result_backend = RESULT_BACKEND_URL
        # The main thread cached the disabled backend of the eager tests: tasks carry their own.
        for task in tasks:
            task.backend = backend
        app.control.purge()  # messages left by an interrupted run must not act on this test
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield app
    finally:
        for task in tasks:
            task.backend = None
        app.conf.update(saved)
        # The embedded worker sets up Celery's logging on the root logger: undo it.
        root.setLevel(saved_logging[0])
        root.handlers[:] = saved_logging[1]


def _wait_until(condition, *, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@needs_redis_broker
@committed_db
def test_a_real_worker_given_the_same_day_twice_sends_each_reminder_once(frozen, redis_worker):
    dossiers = [_claim(frozen).dossier for _ in range(3)]

    runs = [run_cadence_task.delay("2026-10-08") for _ in range(2)]
    results = [run.get(timeout=60) for run in runs]

    # Each run is spread: its shard goes through Redis to the worker too. The worker takes one
    # task at a time: one run creates the three reminders, the other finds nothing left to do.
    recorded = CadenceRun.objects.filter(pk__in=[result["run"] for result in results])
    assert _wait_until(lambda: not recorded.exclude(status=CadenceRun.Status.DONE).exists())
    assert sorted(recorded.values_list("reminders", flat=True)) == [0, len(dossiers)]
    reminders = Reminder.objects.filter(dossier__in=dossiers)
    assert reminders.count() == len(dossiers)
    # Each run queued its deliveries on commit; the worker sends them.
    assert _wait_until(lambda: not reminders.filter(status=Reminder.Status.PLANNED).exists())

    # A delivery redelivered by the broker (or sent again by hand) finds it already sent.
    deliveries = [reminder_deliver_task.delay(reminder_id=r.pk) for r in reminders]
    assert [delivery.get(timeout=60) for delivery in deliveries] == [False] * len(dossiers)

    for reminder in Reminder.objects.filter(dossier__in=dossiers):
        assert reminder.status == Reminder.Status.SENT
        assert _sent_rows(reminder) == 1


# --- Delivery retried after a crash ----------------------------------------------------------


@pytest.fixture
def planned_reminder(frozen):
    """The R+7 email of one dossier, planned on 08/10 and not yet sent (no worker ran)."""
    claim = _claim(frozen)
    services.run_cadence(on=R7_DAY)
    return Reminder.objects.get(dossier=claim.dossier, status=Reminder.Status.PLANNED)


@pytest.mark.django_db
def test_a_delivery_replayed_after_a_worker_crash_sends_nothing_more(planned_reminder):
    # The worker committed the delivery then died before acknowledging: the broker hands the
    # same message to another worker.
    first = reminder_deliver_task.apply(kwargs={"reminder_id": planned_reminder.pk})
    planned_reminder.refresh_from_db()
    sent_at = planned_reminder.sent_at
    replay = reminder_deliver_task.apply(kwargs={"reminder_id": planned_reminder.pk})

    assert first.get() is True
    assert replay.get() is False
    planned_reminder.refresh_from_db()
    assert planned_reminder.status == Reminder.Status.SENT
    assert planned_reminder.sent_at == sent_at
    assert _sent_rows(planned_reminder) == 1


@pytest.mark.django_db
def test_a_delivery_failing_on_smtp_stays_planned_and_the_retry_sends_it_once(
    planned_reminder, monkeypatch
):
    from courriers import delivery

    real_send = delivery.send_email
    seen_by_attempts = []

    def smtp_down_once(document, **kwargs):
        reminder = Reminder.objects.get(pk=planned_reminder.pk)
        seen_by_attempts.append((reminder.status, _sent_rows(reminder)))
        if len(seen_by_attempts) == 1:
            raise smtplib.SMTPException("421 service temporairement indisponible")
        return real_send(document, **kwargs)

    monkeypatch.setattr(delivery, "send_email", smtp_down_once)

    # throw=False: the Retry is handled as a worker would, by running the task again (eagerly,
    # without the backoff) instead of surfacing to the test.
    result = reminder_deliver_task.apply(kwargs={"reminder_id": planned_reminder.pk}, throw=False)

    assert result.get() is True
    # The retry found the reminder as the failed attempt left it: planned, never sent.
    assert seen_by_attempts == [("planned", 0), ("planned", 0)]
    planned_reminder.refresh_from_db()
    assert planned_reminder.status == Reminder.Status.SENT
    assert "Relance : facture(s) impayée(s)" in planned_reminder.content
    assert _sent_rows(planned_reminder) == 1


# --- Planner rules ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_courtesy_reminder_goes_out_before_the_due_date_without_changing_the_state(frozen, walk):
    policy = CadencePolicy.objects.get(debtor_kind="professional", is_default=True)
    CadenceStep.objects.create(
        policy=policy,
        code="courtoisie-j-3",
        label="Rappel de courtoisie",
        offset_days=-3,
        stage=Stage.COURTESY,
        channel=Channel.EMAIL,
        template_code="rappel-courtoisie-pro",
    )
    claim = _claim(frozen, issue_date=D(2026, 10, 1), due_date=D(2026, 11, 3))
    w = walk(claim.dossier)

    w.run(D(2026, 10, 28), D(2026, 11, 10))

    assert w.reminders() == [
        # Due Tuesday 03/11: J-3 = Saturday 31/10, Sunday 01/11 is All Saints → Monday 02/11.
        (D(2026, 11, 2), "courtoisie-j-3"),
        # R+7 = Tuesday 10/11, 8 days after the courtesy email: the spacing holds.
        (D(2026, 11, 10), "r7-email"),
    ]
    # The courtesy email is sent, yet the dossier stays open until the first real reminder.
    assert w.states == [(D(2026, 10, 28), "open"), (D(2026, 11, 10), "reminder_1")]
    courtesy = Reminder.objects.get(dossier=claim.dossier, step__code="courtoisie-j-3")
    assert courtesy.status == Reminder.Status.SENT


@pytest.mark.django_db
def test_one_debtor_owing_two_creditors_is_never_contacted_twice_within_seven_days(frozen, walk):
    debtor = DebtorFactory()
    first = _claim(frozen, debtor=debtor, creditor=CreditorFactory())
    second = _claim(frozen, debtor=debtor, creditor=CreditorFactory())
    assert first.dossier.pk != second.dossier.pk
    names = {first.dossier.pk: "premier", second.dossier.pk: "second"}

    walk(first.dossier).run(D(2026, 10, 1), D(2026, 10, 30))

    contacts = [
        (r.scheduled_for, names[r.dossier_id], r.step.code)
        for r in Reminder.objects.filter(dossier__debtor=debtor).order_by(
            "scheduled_for", "dossier", "step"
        )
    ]
    # Both invoices are due Thursday 01/10; the dossiers take turns, 7 days apart.
    assert contacts == [
        (D(2026, 10, 8), "premier", "r7-email"),  # R+7
        (D(2026, 10, 15), "second", "r7-email"),  # R+7 (08/10) waits for 08/10 + 7
        # R+15 (Friday 16/10) waits for 15/10 + 7 = Thursday 22/10.
        (D(2026, 10, 22), "premier", "r15-email"),
        (D(2026, 10, 22), "premier", "r15-appel"),
        (D(2026, 10, 29), "second", "r15-email"),  # 22/10 + 7
        (D(2026, 10, 29), "second", "r15-appel"),
    ]
    days = sorted({day for day, _, _ in contacts})
    assert all((later - earlier).days >= 7 for earlier, later in itertools.pairwise(days))


@pytest.mark.django_db
def test_a_debtor_cadence_override_wins_over_the_default_cadence(frozen, walk):
    watched = DebtorFactory()
    tighter = CadencePolicy.objects.create(
        name="Cadence resserrée — débiteur sous surveillance",
        debtor_kind=CadencePolicy.DebtorKind.PROFESSIONAL,
    )
    CadenceStep.objects.create(
        policy=tighter,
        code="r3-email",
        label="Relance rapprochée",
        offset_days=3,
        stage=Stage.REMINDER_1,
        channel=Channel.EMAIL,
        template_code="relance-rapprochee-pro",
    )
    DebtorCadenceOverride.objects.create(
        debtor=watched, policy=tighter, reason="incidents de paiement répétés"
    )
    creditor = CreditorFactory()
    overridden = _claim(frozen, debtor=watched, creditor=creditor)
    ordinary = _claim(frozen, creditor=creditor)

    walk(overridden.dossier).run(D(2026, 10, 1), D(2026, 10, 9))

    # Due Thursday 01/10: R+3 = Sunday 04/10 → Monday 05/10; the default R+7 never applies.
    assert walk(overridden.dossier).reminders() == [(D(2026, 10, 5), "r3-email")]
    # The same creditor's other debtor keeps the default cadence: R+7 on Thursday 08/10.
    assert walk(ordinary.dossier).reminders() == [(D(2026, 10, 8), "r7-email")]
