"""Reactions to the dossier's life: when the cadence stops, planned reminders are cancelled."""

from django.dispatch import receiver

from dossiers.scheduling import cadence_stopped

from . import services


@receiver(cadence_stopped, dispatch_uid="relances_cancel_planned_reminders")
def cancel_planned_reminders(sender, *, dossier, actor, reason, **kwargs):
    services.reminders_cancel(dossier=dossier, actor=actor, reason=reason)


# Messages a dossier's pause or closing sends by e-mail (with their evidence): the payment plan's
# confirmation, the dispute's acknowledgment, the optional thank-you after a full payment.
STATE_MESSAGES = {
    "payment_plan": "confirmation-echeancier",
    "disputed": "accuse-contestation",
    "paid": "remerciement",
}


@receiver(cadence_stopped, dispatch_uid="relances_messages_on_cadence_stop")
def message_on_cadence_stop(sender, *, dossier, actor, reason, **kwargs):
    from functools import partial

    from django.db import transaction

    from .documents import messaging_for
    from .tasks import dossier_message_task

    code = STATE_MESSAGES.get(dossier.state)
    if code is None:
        return
    if code == "remerciement" and not messaging_for(dossier.creditor).thank_you_enabled:
        return
    transaction.on_commit(
        partial(dossier_message_task.delay, dossier_id=dossier.pk, template_code=code)
    )
