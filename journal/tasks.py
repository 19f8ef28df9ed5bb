"""The journal's beat tasks: seal new history rows; seal the chain heads outside the database
(hourly, and after each task of ``settings.JOURNAL_SEAL_AFTER_TASKS``); the daily head file."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="journal.seal")
def seal_task() -> int:
    from journal.chain import seal

    return seal()


@shared_task(name="journal.write_head")
def write_head_task() -> str:
    from journal.heads import write_head

    return str(write_head())


@shared_task(name="journal.seal_heads")
def seal_heads_task() -> str:
    from journal.heads import write_seal

    path = write_seal()
    return str(path) if path else ""


def seal_after_daily_runs(sender=None, state=None, **kwargs) -> None:
    """``task_postrun``: after a daily run that succeeded (the cadence, the purge), seal the
    heads, so that what it wrote is anchored outside the database at once."""
    from django.conf import settings

    name = getattr(sender, "name", "")
    if state == "SUCCESS" and name in getattr(settings, "JOURNAL_SEAL_AFTER_TASKS", ()):
        from journal.heads import write_seal

        try:
            write_seal()
        except Exception:  # the run itself succeeded; the hourly beat seals again
            logger.exception("journal : sceau des têtes de chaîne impossible après %s", name)
