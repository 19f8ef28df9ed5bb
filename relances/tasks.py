"""Celery tasks of the cadence: thin and idempotent, they call services with ids."""

import os
import socket
from datetime import date

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from recouvrement.celery import queue
from relances import services
from relances.models import CadenceRun, Reminder


@shared_task(name="relances.run_cadence")
def run_cadence_task(on: str | None = None) -> dict:
    """The sweep beat runs every hour: idempotent, so a missed or doubled tick is harmless.

    With ``CADENCE_SHARD_SIZE`` (the default) the run is spread: this task records the run and
    queues one ``relances.run_cadence_shard`` per id range, which any worker takes; with 0 it
    runs every due dossier itself, in this worker."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    if settings.CADENCE_SHARD_SIZE:
        run = services.run_cadence_spread(on=day, trigger=CadenceRun.Trigger.BEAT)
        return {"date": day.isoformat(), "run": run.pk, "shards": run.shard_count}
    report = services.run_cadence(on=day, trigger=CadenceRun.Trigger.BEAT)
    return {"date": day.isoformat(), "examined": report.examined, "reminders": report.reminders}


@shared_task(name=services.SHARD_TASK, acks_late=True)
def run_cadence_shard_task(shard_id: int) -> dict:
    """One shard of a spread run, in whichever worker takes it (acknowledged once done: a
    worker killed mid-way leaves it to another, which creates nothing twice)."""
    shard = services.cadence_shard_run(
        shard_id=shard_id, worker=f"{socket.gethostname()}:{os.getpid()}"
    )
    return {"shard": shard.pk, "examined": shard.examined, "reminders": shard.reminders}


@shared_task(name="relances.queue_deliveries", acks_late=True)
def reminders_queue_deliveries_task(reminder_ids: list[int]) -> int:
    """Fan out the daily run's deliveries in a worker: one delivery task per reminder still
    planned (read in one query); the run itself queues one message per batch, not one per
    reminder. A reminder sent, cancelled or failed meanwhile (a replayed message, a sending
    that did not wait for the worker) gets no task: it would only lock its dossier and find
    nothing to send. A delivery sends only a reminder still planned, under its row lock, so a
    duplicate is harmless all the same."""
    planned = set(
        Reminder.objects.filter(pk__in=reminder_ids, status=Reminder.Status.PLANNED).values_list(
            "pk", flat=True
        )
    )
    due = [pk for pk in reminder_ids if pk in planned]
    for pk in due:
        queue(services.DELIVER_TASK, reminder_id=pk)
    return len(due)


@shared_task(name="relances.requeue_stuck_deliveries")
def requeue_stuck_deliveries_task() -> int:
    """Beat, every 5 minutes: queue again the deliveries lost by a killed worker (planned, due
    reminders with no attempt for ``DELIVERY_REQUEUE_AFTER_MINUTES``). Idempotent."""
    return len(services.reminders_requeue_stuck())
