"""Celery tasks: thin and idempotent (a purged debtor is never purged twice)."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from rgpd import services


@shared_task(name="rgpd.purge")
def purge_task(on: str | None = None) -> dict:
    """Daily beat job: purge the debtors whose dossiers are all past their purge date."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    report = services.purge_run(day)
    return {"date": day.isoformat(), "debtors": report.debtors, "history_rows": report.history_rows}
