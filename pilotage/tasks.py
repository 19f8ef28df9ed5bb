"""The dashboard's nightly upkeep (Celery beat, ``recouvrement.settings``)."""

from celery import shared_task

from pilotage import dossier_summary


@shared_task(name="pilotage.compact_summaries")
def compact_summaries() -> int:
    """Fold the open dossiers' counts written by each connection into one row per creditor and
    state (``pilotage.dossier_summary.compact``); returns the rows left."""
    return dossier_summary.compact()
