"""Celery tasks of the letters and messages: thin and idempotent, they call services with ids."""

import logging
import socket
from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from courriers import delivery, postal, sms
from relances import services as cadence

logger = logging.getLogger(__name__)
# What a mail server's outage raises: retried. (Other errors are bugs: the task fails loudly.)
SENDING_ERRORS = (
    SMTPException,
    ConnectionError,
    TimeoutError,
    socket.gaierror,
    sms.SmsError,
    postal.PostalError,
)


@shared_task(name="courriers.deliver_reminder", bind=True, acks_late=True, max_retries=5)
def reminder_deliver_task(self, reminder_id: int) -> bool:
    """SMTP failures retry with exponential back-off (1, 2, 4, 8, 16 minutes) on the retry
    queue; each failed attempt is recorded on the reminder (« Nouvel essai à 14 h 32 — serveur
    SMTP injoignable », shown on the dossier) and logged at WARNING. After the last one the
    reminder is marked failed and shows on the worklist."""
    try:
        return delivery.reminder_deliver(reminder_id=reminder_id)
    except SENDING_ERRORS as exc:
        error = delivery.delivery_error(exc)
        attempt = self.request.retries + 1
        if self.request.retries >= self.max_retries:
            logger.error(
                "relance %s : envoi abandonné après %d essais — %s (%s)",
                reminder_id,
                attempt,
                error,
                exc,
            )
            cadence.reminder_mark_failed(
                reminder_id=reminder_id,
                error=f"{error} ({attempt} essais)",
                attempt_failed=True,
            )
            return False
        countdown = settings.DELIVERY_RETRY_BACKOFF_SECONDS * 2**self.request.retries
        retry_at = timezone.now() + timedelta(seconds=countdown)
        cadence.reminder_delivery_retrying(reminder_id=reminder_id, error=error, retry_at=retry_at)
        delivery.attempt_retry_at(
            attempt_id=getattr(exc, "delivery_attempt_id", None), retry_at=retry_at
        )
        logger.warning(
            "relance %s : essai d'envoi n° %d en échec — %s (%s) ; nouvel essai dans %d s, à %s",
            reminder_id,
            attempt,
            error,
            exc,
            countdown,
            timezone.localtime(retry_at).strftime("%H:%M"),
        )
        raise self.retry(exc=exc, countdown=countdown, queue=settings.DELIVERY_RETRY_QUEUE) from exc


@shared_task(name="courriers.call_recap", bind=True, acks_late=True, max_retries=5)
def call_recap_task(self, call_id: int) -> bool:
    try:
        return delivery.call_recap_send(call_id=call_id) is not None
    except SENDING_ERRORS as exc:
        raise _retry(self, exc, f"récapitulatif de l'appel {call_id}") from exc


@shared_task(name="courriers.dossier_message", bind=True, acks_late=True, max_retries=5)
def dossier_message_task(self, dossier_id: int, template_code: str, key: str = "") -> bool:
    """``key``: the message's outbox key, given when it was queued (a redelivered task sends
    again with the same Message-ID, or nothing if it went)."""
    try:
        sent = delivery.dossier_message_send(
            dossier_id=dossier_id, template_code=template_code, key=key
        )
    except SENDING_ERRORS as exc:
        raise _retry(self, exc, f"message {template_code} du dossier {dossier_id}") from exc
    return sent is not None


def _retry(task, exc: BaseException, what: str):
    """Log the failed attempt at WARNING and schedule the next with back-off, on the retry
    queue."""
    countdown = settings.DELIVERY_RETRY_BACKOFF_SECONDS * 2**task.request.retries
    delivery.attempt_retry_at(
        attempt_id=getattr(exc, "delivery_attempt_id", None),
        retry_at=timezone.now() + timedelta(seconds=countdown),
    )
    logger.warning(
        "%s : essai d'envoi n° %d en échec — %s (%s) ; nouvel essai dans %d s",
        what,
        task.request.retries + 1,
        delivery.delivery_error(exc),
        exc,
        countdown,
    )
    return task.retry(exc=exc, countdown=countdown, queue=settings.DELIVERY_RETRY_QUEUE)


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


@shared_task(name="courriers.outages_check")
def outages_check_task() -> int:
    """Beat, every 5 minutes: alert the managers of a channel failing for
    ``CHANNEL_OUTAGE_ALERT_MINUTES`` (once per outage)."""
    from django.db import transaction

    with transaction.atomic():
        return len(delivery.outages_alert())
