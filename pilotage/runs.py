"""« Exécutions de la cadence »: the daily runs as ``relances.CadenceRun`` recorded them, the
reminders each one created, and a dry run of a coming day (``relances.services.run_cadence``
with ``dry_run=True``: nothing is written).

A run is a system event, the same for every manager: its counts cover every creditor. What it
links to (reminders, dossiers) is cut to the manager's dossiers (``dossiers.scoping``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from dossiers import scoping
from dossiers.models import Dossier
from relances import services as relance_services
from relances.models import CadenceRun, Reminder, Stage
from relances.services import SKIPPED_NOTE

PAGE_SIZE = 50
REMINDERS_SHOWN = 500
DRY_RUN_SHOWN = 200
# The levels a run fires steps at, in the cadence's order (the page's columns).
LEVELS = [(stage.value, stage.label) for stage in Stage]


@dataclass
class RunRow:
    run: CadenceRun
    fired: list[tuple[str, str, int]]  # (stage, label, steps fired)

    @property
    def who(self) -> str:
        user = self.run.started_by
        if user is not None:
            return user.get_full_name() or user.username
        return self.run.get_trigger_display()


def runs(*, before: int | None = None, everything: bool = False) -> tuple[list[RunRow], int | None]:
    """A page of runs, newest first, and the id to continue from (None: no more). Runs that
    examined no dossier and met no error (the hourly beat once the day is done) are left out
    unless ``everything``."""
    queryset = CadenceRun.objects.select_related("started_by").order_by("-pk")
    if not everything:
        queryset = queryset.exclude(examined=0, errors=0, status=CadenceRun.Status.DONE)
    if before:
        queryset = queryset.filter(pk__lt=before)
    page = list(queryset[: PAGE_SIZE + 1])
    more = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
    rows = [
        RunRow(run, [(stage, label, run.fired.get(stage, 0)) for stage, label in LEVELS])
        for run in page[:PAGE_SIZE]
    ]
    return rows, more


def run_reminders(run: CadenceRun, user, *, stage: str | None = None, skipped: bool = False):
    """The reminders ``run`` created on the user's dossiers: those fired (at ``stage``), or the
    steps its catch-ups skipped (written cancelled)."""
    queryset = Reminder.objects.filter(run=run, dossier__in=scoping.visible_dossiers(user))
    was_skipped = Q(status=Reminder.Status.CANCELLED, note__startswith=SKIPPED_NOTE)
    if skipped:
        queryset = queryset.filter(was_skipped)
    else:
        queryset = queryset.exclude(was_skipped)
        if stage:
            queryset = queryset.filter(step__stage=stage)
    return list(
        queryset.select_related("step", "dossier__debtor", "dossier__creditor").order_by(
            "dossier__reference", "step__offset_days", "pk"
        )[:REMINDERS_SHOWN]
    )


def run_dossiers(run: CadenceRun, user) -> dict[str, list[Dossier]]:
    """The user's dossiers the run found on hold, sent to Go/No-Go, or failed on."""
    ids = {key: run.details.get(key, []) for key in ("hold", "go_no_go", "error")}
    every = {pk for pks in ids.values() for pk in pks}
    if not every:
        return {key: [] for key in ids}
    found = {
        d.pk: d
        for d in scoping.visible_dossiers(user)
        .filter(pk__in=every)
        .select_related("debtor", "creditor")
    }
    return {key: [found[pk] for pk in pks if pk in found] for key, pks in ids.items()}


@dataclass
class DryRun:
    on: date
    report: relance_services.RunReport
    fired: list[tuple[str, str, int]] = field(default_factory=list)
    dossiers: list[tuple[Dossier, str, bool]] = field(default_factory=list)  # labels, catch-up
    hidden: int = 0  # dossiers fired out of the user's sight, or beyond DRY_RUN_SHOWN


def dry_run(*, on: date, user) -> DryRun:
    """What the run of ``on`` would do today, written nowhere (every dossier is rolled back)."""
    report = relance_services.run_cadence(on=on, actor=user, dry_run=True)
    result = DryRun(
        on=on,
        report=report,
        fired=[(stage, label, report.fired.get(stage, 0)) for stage, label in LEVELS],
    )
    planned = report.planned
    shown = planned[:DRY_RUN_SHOWN]
    found = scoping.visible_dossiers(user).filter(pk__in=[pk for pk, *_ in shown])
    found = {d.pk: d for d in found.select_related("debtor", "creditor")}
    result.dossiers = [(found[pk], labels, flag) for pk, labels, flag in shown if pk in found]
    result.hidden = len(planned) - len(result.dossiers)
    return result
