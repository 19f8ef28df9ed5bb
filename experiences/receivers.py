"""A dossier that opens is drawn into the running experiment of its creditor's cadence."""

from django.dispatch import receiver

from dossiers.scheduling import dossiers_opened
from experiences import services


@receiver(dossiers_opened, dispatch_uid="experiences_assign_new_dossiers")
def assign_new_dossiers(sender, *, creditor_id, dossier_ids, actor, on, **kwargs):
    services.assign_new_dossiers(
        creditor_id=creditor_id, dossier_ids=dossier_ids, actor=actor, on=on
    )
