"""The demo's moving clock: ``seed_demo`` plays its months of history through the real services,
and every timestamp they take (history rows, letters sent, decisions, the daily runs) must read
the day it stands for, not the minutes of seeding.

Within ``DemoClock.running()`` — and only there: the command's own process, one thread —
``django.utils.timezone.now`` returns the clock's time; ``localdate()`` follows, since it reads
``now()``. ``at(day, hour)`` moves the clock; each reading then advances it by a millisecond, so
that the rows of one moment keep their order. On leaving, the real clock is back.

Before the clock leaves a moment, the dossier messages queued there are sent, at that moment
(``send_queued_messages``): in the product they leave seconds after their event's commit, and
the demo's one transaction would otherwise send them at its end, dated the day of seeding.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from courriers import delivery
from recouvrement.celery import queue

TICK = timedelta(milliseconds=1)


class DemoClock:
    def __init__(self) -> None:
        self.current: datetime | None = None  # None: the real time

    def now(self) -> datetime:
        if self.current is None:
            return _real_now()
        self.current += TICK
        return self.current

    def at(self, day: date, hour: int = 9, minute: int = 0) -> None:
        """Stand at ``day``, ``hour``:``minute`` (local time)."""
        self.leave()
        self.current = timezone.make_aware(datetime.combine(day, time(hour, minute)))

    def real(self) -> None:
        """Back to the real time (the rest of the seed, and what runs on commit)."""
        self.leave()
        self.current = None

    def leave(self) -> None:
        """What happens before the clock leaves the moment it stands at: the messages queued
        there are sent there."""
        if self.current is not None:
            send_queued_messages()

    @contextmanager
    def moment(self, day: date, hour: int = 9, minute: int = 0):
        """Stand at a moment for a few writes, then go back to where the clock was."""
        before = self.current
        self.at(day, hour, minute)
        try:
            yield
        finally:
            self.leave()
            self.current = before

    @contextmanager
    def running(self):
        """Install the clock in ``django.utils.timezone`` for the block, then remove it."""
        timezone.now = self.now
        try:
            yield self
        finally:
            timezone.now = _real_now
            self.current = None


_real_now = timezone.now


def send_queued_messages() -> int:
    """Send now, at the clock's moment, the dossier messages queued at this moment (the
    thank-you after the payment that cleared a dossier, a plan's confirmation, a dispute's
    acknowledgment: ``courriers.delivery.queue_dossier_message``).

    The product sends them after the commit, seconds after the event; the demo is one
    transaction, so they would leave at its end, dated the day of seeding, months after the
    payment they thank for. Each is taken from the transaction's on-commit callbacks and sent
    through the real service with the key it was queued with (``dossier_message_send``): the
    same message, its evidence and its outbox attempt dated on the event's day, nothing left
    to run after the commit. Returns how many were sent."""
    taken, kept = [], []
    for entry in connection.run_on_commit:
        func = entry[1]
        if getattr(func, "func", None) is queue and func.args == ("courriers.dossier_message",):
            taken.append(func.keywords)
        else:
            kept.append(entry)
    if not taken:
        return 0
    connection.run_on_commit[:] = kept
    return sum(delivery.dossier_message_send(**message) is not None for message in taken)
