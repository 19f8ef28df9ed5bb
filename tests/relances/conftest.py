import datetime

import pytest
import time_machine

from dossiers.models import Dossier
from relances import services
from relances.models import Reminder


class Walk:
    """Walk one dossier day by day, running the cadence each morning (time frozen)."""

    capture = None  # django_capture_on_commit_callbacks, set by the fixture

    def __init__(self, dossier):
        self.dossier = dossier
        self.states: list[tuple[datetime.date, str]] = []

    def days(self, start: datetime.date, end: datetime.date):
        day = start
        while day <= end:
            with time_machine.travel(datetime.datetime.combine(day, datetime.time(7)), tick=False):
                yield day
            day += datetime.timedelta(days=1)

    def run(self, start, end, *, on_day=None):
        """Run the cadence every day from start to end; ``on_day(day)`` acts after the run."""
        for day in self.days(start, end):
            # Deliveries are queued on commit: run them, as a worker would.
            with self.capture(execute=True):
                services.run_cadence(on=day)
                if on_day is not None:
                    on_day(day)
            self._record(day)

    def _record(self, day):
        state = Dossier.objects.get(pk=self.dossier.pk).state
        if not self.states or self.states[-1][1] != state:
            self.states.append((day, state))

    def reminders(self, *statuses):
        qs = Reminder.objects.filter(dossier=self.dossier).order_by("scheduled_for", "step__pk")
        if statuses:
            qs = qs.filter(status__in=statuses)
        return [(r.scheduled_for, r.step.code) for r in qs]


@pytest.fixture
def frozen():
    """Freeze time at a given day: ``with frozen(date): ...``."""

    def _frozen(day):
        return time_machine.travel(datetime.datetime.combine(day, datetime.time(9)), tick=False)

    return _frozen


@pytest.fixture
def walk(django_capture_on_commit_callbacks):
    Walk.capture = staticmethod(django_capture_on_commit_callbacks)
    return Walk
