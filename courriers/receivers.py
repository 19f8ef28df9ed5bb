"""Reactions to the dossier's life: the messages a pause or a closing sends."""

from django.dispatch import receiver

from courriers.context import messaging_for
from courriers.delivery import queue_dossier_message
from dossiers.scheduling import cadence_stopped, cadences_stopped

# Messages a dossier's pause or closing sends by e-mail (with their evidence): the payment plan's
# confirmation, the dispute's acknowledgment, the optional thank-you after a full payment.
STATE_MESSAGES = {
    "payment_plan": "confirmation-echeancier",
    "disputed": "accuse-contestation",
    "paid": "remerciement",
}


@receiver(cadence_stopped, dispatch_uid="courriers_messages_on_cadence_stop")
def message_on_cadence_stop(sender, *, dossier, actor, reason, **kwargs):
    code = STATE_MESSAGES.get(dossier.state)
    if code is None:
        return
    if code == "remerciement" and not messaging_for(dossier.creditor).thank_you_enabled:
        return
    queue_dossier_message(dossier_id=dossier.pk, template_code=code)


@receiver(cadences_stopped, dispatch_uid="courriers_messages_on_cadence_stop_many")
def messages_on_cadences_stop(sender, *, dossiers, actor, reason, **kwargs):
    thanks: dict[int, bool] = {}  # creditor → thank-you enabled, read once
    for dossier in dossiers:
        code = STATE_MESSAGES.get(dossier.state)
        if code is None:
            continue
        if code == "remerciement":
            if dossier.creditor_id not in thanks:
                thanks[dossier.creditor_id] = messaging_for(dossier.creditor).thank_you_enabled
            if not thanks[dossier.creditor_id]:
                continue
        queue_dossier_message(dossier_id=dossier.pk, template_code=code)
