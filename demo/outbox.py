"""The outbox's part of the demo: a channel down, seen as a user would see it (issue #20).

Played after the demo's transaction has committed (and the deliveries it queued have run),
relative to the real time of the seed, so that the pictures hold when a visitor logs in:

- 26 minutes before the seed ended, `controleur` logged a call (a payment promised in a month);
  the recap e-mail of the commitments could not leave: the SMTP server refused the connection
  (« serveur SMTP injoignable »), then again after 1, 2, 4 and 8 minutes (the delivery task's
  back-off, ``courriers.tasks``); the next attempt is due a few minutes after the seed.
  « Envois en attente ou en échec » (Courriers) lists it: « Nouvel essai à … ».
- The e-mail channel has been failing for more than ``CHANNEL_OUTAGE_ALERT_MINUTES``: a
  ``ChannelOutage`` is open and the managers are alerted on « Ma journée » and the dashboard
  (the alert's e-mail itself could not leave: e-mail is the channel down).

Everything goes through the real services (the call, the outbox's attempts, the retry's time,
the outage and its alert); only the SMTP server is made to fail, and the Celery worker is
« away » for the moment: the recap's task, queued with the call, waits in the demo's in-memory
broker (in the demo tasks otherwise run at once, and would send the recap through the working
server). The reminders the walk sent are untouched, the formal notices waiting for approval too.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from courriers import delivery
from dossiers.models import Dossier, DossierState
from recouvrement.celery import app
from relances import services as cadence
from relances.models import CallLog

# The failed attempts, in minutes after the first (the task's back-off: 1, 2, 4, 8 minutes)
FAILURES = (0, 1, 3, 7, 15)
FIRST_FAILURE_AGO = timedelta(minutes=25)


class UnreachableSmtpServer(BaseEmailBackend):
    """The SMTP server down: every connection refused."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


@contextmanager
def _worker_away():
    """Tasks queued meanwhile wait in the broker (the demo's is in memory) instead of running
    at once."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = eager


def _call(seeder, at) -> CallLog | None:
    """A call of the controller reaching a debtor who promises to pay in a month: its recap
    e-mail is to send. The first open dossier of the controller with an e-mail contact that
    the call rules accept."""
    today = timezone.localdate(at)
    dossiers = (
        Dossier.objects.active()
        .filter(
            assigned_to=seeder.controller,
            state__in=[DossierState.REMINDER_1, DossierState.REMINDER_2, DossierState.OPEN],
            debtor__contacts__email__gt="",
        )
        .exclude(call_logs__called_at__gte=at - timedelta(days=30))
        .distinct()
        .order_by("pk")
    )
    for dossier in dossiers[:20]:
        balance = Dossier.objects.with_balance().get(pk=dossier.pk).balance
        if not balance or balance <= 0:
            continue
        try:
            return cadence.call_log(
                dossier=dossier,
                actor=seeder.controller,
                outcome=CallLog.Outcome.REACHED,
                contact_name="Service comptable",
                contact_role=CallLog.ContactRole.ACCOUNTING,
                delay_reason="cash_flow",
                commitment_amount=balance.quantize(Decimal("0.01")),
                commitment_date=today + timedelta(days=30),
                summary="Règlement promis dans un mois ; récapitulatif envoyé par e-mail.",
                at=at,
            )
        except ValidationError:
            continue
    return None


def outage_demo(*, seeder) -> list[str]:
    if not (
        settings.CELERY_TASK_ALWAYS_EAGER and settings.CELERY_BROKER_URL.startswith("memory://")
    ):
        return []  # a real worker would send the recap: no outage to show
    clock = seeder.clock
    clock.real()
    first = clock.now() - FIRST_FAILURE_AGO
    backend = f"{__name__}.UnreachableSmtpServer"
    with _worker_away(), override_settings(EMAIL_BACKEND=backend):
        clock.current = first - timedelta(minutes=2)
        call = _call(seeder, clock.current)
        if call is None or call.recap_status != CallLog.Recap.TO_SEND:
            return []
        for attempt, minutes in enumerate(FAILURES):
            clock.current = first + timedelta(minutes=minutes)
            try:
                delivery.call_recap_send(call_id=call.pk)
            except ConnectionError as exc:
                # What the delivery task does on an SMTP error (courriers.tasks._retry).
                delivery.attempt_retry_at(
                    attempt_id=getattr(exc, "delivery_attempt_id", None),
                    retry_at=clock.current
                    + timedelta(seconds=settings.DELIVERY_RETRY_BACKOFF_SECONDS * 2**attempt),
                )
            else:  # pragma: no cover - the server is down
                return []
        # The beat's check, every 5 minutes (courriers.outages_check): the managers alerted.
        clock.current = clock.current + timedelta(minutes=4)
        with transaction.atomic():
            delivery.outages_alert()
    clock.real()
    attempt = call.attempts.order_by("-pk").first()
    local = timezone.localtime(attempt.retry_at)
    return [
        f"Envoi en attente (serveur SMTP en panne) : récapitulatif de l'appel, "
        f"{call.dossier.reference} — nouvel essai à {local.hour} h {local:%M}",
        "Panne de l'e-mail signalée aux responsables : « Ma journée », tableau de bord ; "
        "Courriers › Envois en attente ou en échec",
    ]
