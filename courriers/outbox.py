"""« Envois en attente ou en échec »: the outbox's open attempts, as a person reads them."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone

from courriers.models import DeliveryAttempt
from relances.models import CallLog, Reminder


def open_attempts(dossiers):
    """The last attempt of every message not yet accepted, of ``dossiers`` (the user's scope):
    in retry, interrupted or given up; a reminder sent or cancelled since, a recap sent, leave
    the list. Oldest first."""
    later = DeliveryAttempt.objects.filter(message_id=OuterRef("message_id"), pk__gt=OuterRef("pk"))
    return (
        DeliveryAttempt.objects.filter(dossier__in=dossiers)
        .exclude(status=DeliveryAttempt.Status.ACCEPTED)
        .exclude(Exists(later))
        .exclude(reminder__status__in=[Reminder.Status.SENT, Reminder.Status.CANCELLED])
        .exclude(call_log__recap_status=CallLog.Recap.SENT)
        .select_related("dossier__debtor", "reminder__step", "call_log")
        .order_by("started_at", "pk")
    )


def _hour(moment) -> str:
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return f"{local.hour} h {local:%M}"
    return f"{local:%d/%m/%Y} à {local.hour} h {local:%M}"


def attempt_state(attempt: DeliveryAttempt, now=None) -> str:
    """« Nouvel essai à 14 h 32 — serveur SMTP injoignable », « En cours depuis 14 h 30 »,
    « Abandonné après 6 essais — … »."""
    now = now or timezone.now()
    if attempt.status == DeliveryAttempt.Status.PENDING:
        return f"En cours depuis {_hour(attempt.started_at)}"
    if attempt.status == DeliveryAttempt.Status.UNKNOWN:
        return "Interrompu : sera renvoyé avec le même Message-ID"
    if attempt.retry_at and (attempt.reminder is None or attempt.reminder.status == "planned"):
        return f"Nouvel essai à {_hour(attempt.retry_at)} — {attempt.error}"
    return f"Échec : {attempt.error} — à reprendre depuis le dossier"
