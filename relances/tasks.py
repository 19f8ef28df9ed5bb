"""Celery tasks: thin and idempotent, they call services with ids."""

from datetime import date
from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from . import delivery, services


@shared_task(name="relances.run_cadence")
def run_cadence_task(on: str | None = None) -> dict:
    """The sweep beat runs every hour: idempotent, so a missed or doubled tick is harmless."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    report = services.run_cadence(on=day)
    return {"date": day.isoformat(), "examined": report.examined, "reminders": report.reminders}


@shared_task(name="relances.deliver_reminder", bind=True, acks_late=True, max_retries=5)
def reminder_deliver_task(self, reminder_id: int) -> bool:
    """SMTP failures retry with exponential back-off (1, 2, 4, 8, 16 minutes); after the last
    one the reminder is marked failed and shows on the worklist."""
    try:
        return services.reminder_deliver(reminder_id=reminder_id)
    except (SMTPException, ConnectionError, TimeoutError) as exc:
        if self.request.retries >= self.max_retries:
            services.reminder_mark_failed(
                reminder_id=reminder_id, error=f"serveur de messagerie injoignable ({exc})"
            )
            return False
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@shared_task(name="relances.call_recap", bind=True, acks_late=True, max_retries=5)
def call_recap_task(self, call_id: int) -> bool:
    try:
        return delivery.call_recap_send(call_id=call_id) is not None
    except (SMTPException, ConnectionError, TimeoutError) as exc:
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@shared_task(name="relances.dossier_message", bind=True, acks_late=True, max_retries=5)
def dossier_message_task(self, dossier_id: int, template_code: str) -> bool:
    try:
        sent = delivery.dossier_message_send(dossier_id=dossier_id, template_code=template_code)
    except (SMTPException, ConnectionError, TimeoutError) as exc:
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
    return sent is not None


@shared_task(name="relances.approval_batch", acks_late=True)
def approval_batch_task(batch_id: int) -> int:
    batch = delivery.approval_batch_run(batch_id=batch_id)
    return batch.done


@shared_task(name="relances.letters_batch")
def letters_batch_task() -> int:
    """The day's letters, gathered once the day's deliveries are done (beat, late afternoon)."""
    from django.core.exceptions import ValidationError

    try:
        return delivery.letter_batch_create(actor=None).letters_count
    except ValidationError:
        return 0  # nothing to print today


@shared_task(name="relances.queue_deliveries", acks_late=True)
def reminders_queue_deliveries_task(reminder_ids: list[int]) -> int:
    """Fan out the daily run's deliveries in a worker: one ``reminder_deliver_task`` per
    reminder, as before; the run itself queues one message per batch, not one per reminder.
    A replay queues them again, harmlessly: a delivery sends only a reminder still planned."""
    for pk in reminder_ids:
        reminder_deliver_task.delay(reminder_id=pk)
    return len(reminder_ids)
