"""Reactions to the dossier's life: when the cadence stops, planned reminders are cancelled."""

from django.dispatch import receiver

from dossiers.scheduling import cadence_stopped

from . import services


@receiver(cadence_stopped, dispatch_uid="relances_cancel_planned_reminders")
def cancel_planned_reminders(sender, *, dossier, actor, reason, **kwargs):
    services.reminders_cancel(dossier=dossier, actor=actor, reason=reason)


@receiver(cadence_stopped, dispatch_uid="relances_thank_you_after_payment")
def thank_you_after_payment(sender, *, dossier, actor, reason, **kwargs):
    """After a full payment, the optional thank-you message (creditor's setting)."""
    from functools import partial

    from django.db import transaction

    from .documents import messaging_for
    from .tasks import dossier_message_task

    if dossier.state != "paid" or not messaging_for(dossier.creditor).thank_you_enabled:
        return
    transaction.on_commit(
        partial(dossier_message_task.delay, dossier_id=dossier.pk, template_code="remerciement")
    )
