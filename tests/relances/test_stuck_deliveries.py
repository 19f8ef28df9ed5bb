"""Issue #20, « nothing stuck »: a delivery whose task was lost (a worker killed with
``kill -9``, a message never acknowledged) is queued again by the sweeper, and the broker's
settings bound how long an unacknowledged task waits."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from recouvrement.celery import app
from relances import services, tasks
from relances.models import Reminder
from tests.courriers.letters_helpers import STEP_DAYS, make_claim, reminder, walk_to

pytestmark = pytest.mark.django_db
DAY = STEP_DAYS["r7-email"]


def at(minutes: int):
    """``minutes`` after the daily run of DAY (07:00)."""
    moment = timezone.make_aware(datetime.datetime.combine(DAY, datetime.time(7)))
    return time_machine.travel(moment + datetime.timedelta(minutes=minutes), tick=False)


@pytest.fixture
def lost_delivery(frozen):
    """The daily run planned an e-mail, and its delivery task was lost: in a test the
    transaction never commits, so the task queued on commit never runs, as after a kill -9."""
    claim = make_claim(frozen)
    with at(0):
        services.run_cadence(on=DAY)
    planned = reminder(claim, "r7-email")
    assert planned.status == Reminder.Status.PLANNED
    return planned


def test_a_planned_due_reminder_never_attempted_is_queued_again_after_the_threshold(
    lost_delivery, django_capture_on_commit_callbacks
):
    with (
        at(settings.DELIVERY_REQUEUE_AFTER_MINUTES - 1),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.requeue_stuck_deliveries_task() == 0  # not stuck yet
    assert mail.outbox == []

    with (
        at(settings.DELIVERY_REQUEUE_AFTER_MINUTES + 1),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.requeue_stuck_deliveries_task() == 1
    lost_delivery.refresh_from_db()
    assert lost_delivery.status == Reminder.Status.SENT
    assert len(mail.outbox) == 1
    journal = lost_delivery.history.order_by("history_id")
    assert any("remis en file" in (h.history_change_reason or "") for h in journal)

    with (
        at(3 * settings.DELIVERY_REQUEUE_AFTER_MINUTES),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.requeue_stuck_deliveries_task() == 0  # sent: never again
    assert len(mail.outbox) == 1


def test_a_requeued_reminder_is_not_queued_again_before_another_threshold(
    lost_delivery, django_capture_on_commit_callbacks
):
    threshold = settings.DELIVERY_REQUEUE_AFTER_MINUTES
    with at(threshold + 1), django_capture_on_commit_callbacks(execute=False) as queued:
        assert tasks.requeue_stuck_deliveries_task() == 1  # queued, lost again
    assert len(queued) == 1
    with at(threshold + 6):  # the next sweep, five minutes later
        assert tasks.requeue_stuck_deliveries_task() == 0
    with at(2 * threshold + 2):
        assert tasks.requeue_stuck_deliveries_task() == 1


def test_the_sweeper_leaves_alone_what_is_not_its_business(lost_delivery):
    threshold = settings.DELIVERY_REQUEUE_AFTER_MINUTES
    later = datetime.timedelta(minutes=5 * threshold)
    # A retry planned later (an SMTP outage) waits for its own time.
    Reminder.objects.filter(pk=lost_delivery.pk).update(
        next_attempt_at=timezone.make_aware(datetime.datetime.combine(DAY, datetime.time(7)))
        + later
    )
    with at(2 * threshold):
        assert tasks.requeue_stuck_deliveries_task() == 0
    # Cancelled, failed, or planned for a later day: never.
    Reminder.objects.filter(pk=lost_delivery.pk).update(next_attempt_at=None)
    for status in (Reminder.Status.CANCELLED, Reminder.Status.FAILED):
        Reminder.objects.filter(pk=lost_delivery.pk).update(status=status)
        with at(2 * threshold):
            assert tasks.requeue_stuck_deliveries_task() == 0
    Reminder.objects.filter(pk=lost_delivery.pk).update(
        status=Reminder.Status.PLANNED, scheduled_for=DAY + datetime.timedelta(days=1)
    )
    with at(2 * threshold):
        assert tasks.requeue_stuck_deliveries_task() == 0


def test_a_letter_waiting_for_approval_is_never_sent_by_the_sweeper(frozen, walk):
    claim = make_claim(frozen)
    notice_day = STEP_DAYS["r45-mise-en-demeure"]
    walk_to(walk, claim, notice_day)
    notice = reminder(claim, "r45-mise-en-demeure")
    assert notice.status == Reminder.Status.PLANNED and notice.approved_at is None
    with time_machine.travel(datetime.datetime.combine(notice_day, datetime.time(23)), tick=False):
        assert notice.pk not in [r.pk for r in services.reminders_stuck()]


def test_the_broker_settings_bound_how_long_a_task_stays_unacknowledged():
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    longest_retry = 60 * 2**4  # the last back-off of a delivery (16 minutes)
    assert options["visibility_timeout"] > longest_retry
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    entry = settings.CELERY_BEAT_SCHEDULE["deliveries-requeue"]
    assert entry["schedule"] <= 60 * settings.DELIVERY_REQUEUE_AFTER_MINUTES
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_a_replayed_fan_out_queues_only_the_reminders_still_planned(lost_delivery):
    """The fan-out of a daily run's deliveries, replayed once the e-mail went (or handed a
    reminder sent meanwhile), queues nothing for it: one query, no task that would lock the
    dossier to find nothing to send (the demo's walk sends its own: 210 such tasks)."""
    with at(1):
        assert tasks.reminders_queue_deliveries_task([lost_delivery.pk]) == 1  # sent now
    lost_delivery.refresh_from_db()
    assert lost_delivery.status == Reminder.Status.SENT
    assert len(mail.outbox) == 1
    with at(2):
        assert tasks.reminders_queue_deliveries_task([lost_delivery.pk]) == 0
    assert len(mail.outbox) == 1
