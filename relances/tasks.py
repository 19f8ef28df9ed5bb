"""Celery tasks: thin and idempotent, they call services with ids."""

from datetime import date
from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="relances.run_cadence")
def run_cadence_task(on: str | None = None) -> dict:
    """The sweep beat runs every hour: idempotent, so a missed or doubled tick is harmless."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    report = services.run_cadence(on=day)
    return {"date": day.isoformat(), "examined": report.examined, "reminders": report.reminders}


@shared_task(
    name="relances.deliver_reminder",
    bind=True,
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def reminder_deliver_task(self, reminder_id: int) -> bool:
    return services.reminder_deliver(reminder_id=reminder_id)


@shared_task(name="relances.queue_deliveries", acks_late=True)
def reminders_queue_deliveries_task(reminder_ids: list[int]) -> int:
    """Fan out the daily run's deliveries in a worker: one ``reminder_deliver_task`` per
    reminder, as before; the run itself queues one message per batch, not one per reminder.
    A replay queues them again, harmlessly: a delivery sends only a reminder still planned."""
    for pk in reminder_ids:
        reminder_deliver_task.delay(reminder_id=pk)
    return len(reminder_ids)
