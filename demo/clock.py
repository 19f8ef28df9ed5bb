"""The demo's moving clock: ``seed_demo`` plays its months of history through the real services,
and every timestamp they take (history rows, letters sent, decisions, the daily runs) must read
the day it stands for, not the minutes of seeding.

Within ``DemoClock.running()`` — and only there: the command's own process, one thread —
``django.utils.timezone.now`` returns the clock's time; ``localdate()`` follows, since it reads
``now()``. ``at(day, hour)`` moves the clock; each reading then advances it by a millisecond, so
that the rows of one moment keep their order. On leaving, the real clock is back.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.utils import timezone

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
        self.current = timezone.make_aware(datetime.combine(day, time(hour, minute)))

    def real(self) -> None:
        """Back to the real time (the rest of the seed, and what runs on commit)."""
        self.current = None

    @contextmanager
    def moment(self, day: date, hour: int = 9, minute: int = 0):
        """Stand at a moment for a few writes, then go back to where the clock was."""
        before = self.current
        self.at(day, hour, minute)
        try:
            yield
        finally:
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
