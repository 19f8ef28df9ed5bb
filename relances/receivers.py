"""Reactions to the dossier's life: when the cadence stops, planned reminders are cancelled."""

from django.dispatch import receiver

from dossiers.scheduling import cadence_stopped, cadences_stopped
from relances import services


@receiver(cadence_stopped, dispatch_uid="relances_cancel_planned_reminders")
def cancel_planned_reminders(sender, *, dossier, actor, reason, **kwargs):
    services.reminders_cancel(dossier=dossier, actor=actor, reason=reason)


@receiver(cadences_stopped, dispatch_uid="relances_cancel_planned_reminders_many")
def cancel_planned_reminders_many(sender, *, dossiers, actor, reason, **kwargs):
    services.reminders_cancel_many(dossiers=dossiers, actor=actor, reason=reason)
