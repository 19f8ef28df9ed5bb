"""The journal's beat tasks: seal new history rows; write the daily chain-head file."""

from celery import shared_task


@shared_task(name="journal.seal")
def seal_task() -> int:
    from journal.chain import seal

    return seal()


@shared_task(name="journal.write_head")
def write_head_task() -> str:
    from journal.heads import write_head

    return str(write_head())
