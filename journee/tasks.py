"""Celery tasks of « Ma journée »: thin and idempotent."""

from celery import shared_task

from journee import priority


@shared_task(name="journee.refresh_priorities")
def refresh_priorities_task() -> int:
    """Beat, every day after midnight: the age points and the prescription warnings move with
    the date alone (the writes keep the rest of the priority up to date)."""
    return priority.refresh_all()
