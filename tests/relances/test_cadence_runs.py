"""Each daily run is recorded (issue #18, item 7): when, who or the beat, the dossiers examined,
the steps fired per level, the steps a catch-up skipped, the holds, the errors; its reminders
point to it. A dry run is recorded nowhere."""

import datetime

import pytest

from relances import planning, services, tasks
from relances.models import CadenceRun, Reminder
from tests.factories import ClaimFactory, DebtorFactory

pytestmark = pytest.mark.django_db
D = datetime.date
R7_DAY = D(2026, 10, 8)  # R+7 of an invoice due Thursday 01/10/2026


def _dossier(due: datetime.date):
    return ClaimFactory(
        debtor=DebtorFactory(), issue_date=due - datetime.timedelta(days=30), due_date=due
    ).dossier


@pytest.fixture
def day(frozen):
    """Two dossiers due for R+7 on 08/10; one invoice imported late (due 03/08: R+7, R+15 and
    R+30 are past, R+45 fires, the four steps before it are skipped); one dossier on hold
    until 20/10."""
    with frozen(D(2026, 9, 1)):
        on_time = [_dossier(D(2026, 10, 1)), _dossier(D(2026, 10, 1))]
        late = _dossier(D(2026, 8, 3))
        held = _dossier(D(2026, 10, 1))
    with frozen(D(2026, 10, 5)):
        services.hold_set(dossier=held, until=D(2026, 10, 20), reason="appel", actor=None)
    return on_time, late, held


def test_a_run_is_recorded_with_what_it_did(day, frozen):
    _on_time, late, held = day
    with frozen(R7_DAY):
        report = services.run_cadence(on=R7_DAY, trigger=CadenceRun.Trigger.BEAT)

    run = CadenceRun.objects.get()
    assert report.run.pk == run.pk
    assert (run.on, run.trigger, run.status, run.started_by) == (
        R7_DAY,
        CadenceRun.Trigger.BEAT,
        CadenceRun.Status.DONE,
        None,
    )
    assert run.started_at is not None and run.finished_at >= run.started_at
    assert run.examined == 3  # the held dossier is not due before 21/10
    assert run.fired == {"reminder_1": 2, "formal_notice": 1}
    assert run.reminders == 3
    assert (run.skipped, run.caught_up) == (4, 1)
    assert run.holds == 1 and run.details["hold"] == [held.pk]
    assert (run.go_no_go, run.errors, run.error) == (0, 0, "")
    # Its reminders point to it: 3 fired, 4 skipped (cancelled).
    assert Reminder.objects.filter(run=run).count() == 7
    assert Reminder.objects.filter(run=run, dossier=late, status="cancelled").count() == 4


def test_a_dossier_that_fails_is_counted_and_the_run_goes_on(day, frozen, monkeypatch):
    on_time, late, _held = day
    real = planning.decide

    def decide(dossier, *, on, ctx=None):
        if dossier.pk == late.pk:
            raise RuntimeError("adresse illisible")
        return real(dossier, on=on, ctx=ctx)

    monkeypatch.setattr(planning, "decide", decide)
    with frozen(R7_DAY):
        services.run_cadence(on=R7_DAY)

    run = CadenceRun.objects.get()
    assert run.trigger == CadenceRun.Trigger.SCRIPT
    assert (run.status, run.errors, run.examined) == (CadenceRun.Status.DONE, 1, 3)
    assert run.fired == {"reminder_1": 2}
    assert run.details["error"] == [late.pk]
    assert f"dossier {late.pk} : RuntimeError : adresse illisible" in run.error
    assert Reminder.objects.filter(run=run, dossier__in=on_time).count() == 2


def test_a_dry_run_is_not_recorded_and_the_beat_says_so(day, frozen):
    with frozen(R7_DAY):
        report = services.run_cadence(on=R7_DAY, dry_run=True)
        assert report.fired == {"reminder_1": 2, "formal_notice": 1}
        assert report.skipped == 4
        assert not CadenceRun.objects.exists() and not Reminder.objects.exists()
        tasks.run_cadence_task(on=R7_DAY.isoformat())
    assert CadenceRun.objects.get().trigger == CadenceRun.Trigger.BEAT
