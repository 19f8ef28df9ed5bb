"""Celery tasks of the letters and messages: thin and idempotent, they call services with ids."""

from smtplib import SMTPException

from celery import shared_task

from courriers import delivery
from relances import services as cadence


@shared_task(name="courriers.deliver_reminder", bind=True, acks_late=True, max_retries=5)
def reminder_deliver_task(self, reminder_id: int) -> bool:
    """SMTP failures retry with exponential back-off (1, 2, 4, 8, 16 minutes); after the last
    one the reminder is marked failed and shows on the worklist."""
    try:
        return delivery.reminder_deliver(reminder_id=reminder_id)
    except (SMTPException, ConnectionError, TimeoutError) as exc:
        if self.request.retries >= self.max_retries:
            cadence.reminder_mark_failed(
                reminder_id=reminder_id, error=f"serveur de messagerie injoignable ({exc})"
            )
            return False
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@shared_task(name="courriers.call_recap", bind=True, acks_late=True, max_retries=5)
def call_recap_task(self, call_id: int) -> bool:
    try:
        return delivery.call_recap_send(call_id=call_id) is not None
    except (SMTPException, ConnectionError, TimeoutError) as exc:
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@shared_task(name="courriers.dossier_message", bind=True, acks_late=True, max_retries=5)
def dossier_message_task(self, dossier_id: int, template_code: str) -> bool:
    try:
        sent = delivery.dossier_message_send(dossier_id=dossier_id, template_code=template_code)
    except (SMTPException, ConnectionError, TimeoutError) as exc:
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
    return sent is not None


@shared_task(name="courriers.approval_batch", acks_late=True)
def approval_batch_task(batch_id: int) -> int:
    batch = delivery.approval_batch_run(batch_id=batch_id)
    return batch.done


@shared_task(name="courriers.letters_batch")
def letters_batch_task() -> int:
    """The day's letters, gathered once the day's deliveries are done (beat, late afternoon)."""
    from django.core.exceptions import ValidationError

    try:
        return delivery.letter_batch_create(actor=None).letters_count
    except ValidationError:
        return 0  # nothing to print today
