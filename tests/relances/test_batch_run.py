"""The daily run plans its dossiers by batches: a few queries per batch, not per dossier, and
the journal still shows every reminder and every dossier change, with who and why."""

import datetime
import gc

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers.models import Dossier, DossierState
from journal import verification
from relances import services
from relances.models import Reminder
from tests.factories import ClaimFactory, DebtorFactory, UserFactory

D = datetime.date
R7_DAY = D(2026, 10, 8)  # R+7 of an invoice due Thursday 01/10/2026
R15_DAY = D(2026, 10, 16)  # R+15: Friday 16/10


def _due_dossiers(frozen, count):
    with frozen(D(2026, 9, 1)):
        return [
            ClaimFactory(
                debtor=DebtorFactory(), issue_date=D(2026, 9, 1), due_date=D(2026, 10, 1)
            ).dossier
            for _ in range(count)
        ]


def _queries_of_a_run(on) -> int:
    with CaptureQueriesContext(connection) as queries:
        report = services.run_cadence(on=on)
    assert report.counts["fire"] == report.examined
    return len(queries)


@pytest.mark.django_db
def test_the_daily_run_reads_a_batch_in_the_same_few_queries_whatever_its_size(frozen):
    _due_dossiers(frozen, 3)
    few = _queries_of_a_run(R7_DAY)
    _due_dossiers(frozen, 15)  # due for R+7 too (today), the first three for nothing more
    many = _queries_of_a_run(R7_DAY)

    assert Reminder.objects.filter(step__code="r7-email").count() == 18
    assert many == few
    # A run of 18 dossiers one by one took 30 queries per dossier. Since issue #25 each batch
    # also re-scores its dossiers for « Ma journée » (journee.priority: a read of their old
    # claims and one UPDATE, after its reminders and after its moves): 4 per batch.
    assert few <= 24


@pytest.mark.django_db
def test_the_journal_shows_every_reminder_and_dossier_of_a_batch_with_who_and_why(frozen):
    dossiers = _due_dossiers(frozen, 4)
    robot = UserFactory(username="cadence")
    services.run_cadence(on=R7_DAY, actor=robot)
    services.run_cadence(on=R15_DAY, actor=robot)

    for dossier in dossiers:
        dossier = Dossier.objects.get(pk=dossier.pk)
        assert dossier.state == DossierState.REMINDER_2
        moves = list(
            Dossier.history.filter(id=dossier.pk, history_user=robot)
            .order_by("history_id")
            .values_list("state", "history_change_reason")
        )
        assert moves[-2:] == [
            (DossierState.REMINDER_1, "cadence : Relance amiable"),
            (DossierState.REMINDER_2, "cadence : Relance ferme + Appel de relance"),
        ]
        planned = sorted(
            Reminder.history.filter(dossier_id=dossier.pk, history_type="+").values_list(
                "step__code", "history_user__username", "history_change_reason"
            )
        )
        assert planned == [
            ("r15-appel", "cadence", "cadence : Appel de relance"),
            ("r15-email", "cadence", "cadence : Relance ferme"),
            ("r7-email", "cadence", "cadence : Relance amiable"),
        ]


def _tracked(model, obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in model.history.model.tracked_fields}


@pytest.mark.django_db
def test_a_catch_up_batch_journals_each_row_as_saved_in_order_and_the_journal_verifies(
    frozen, capsys
):
    dossiers = _due_dossiers(frozen, 3)
    robot = UserFactory(username="cadence")
    services.run_cadence(on=R15_DAY, actor=robot)  # R+7 was never run: a catch-up

    for dossier in dossiers:
        dossier = Dossier.objects.get(pk=dossier.pk)
        journal = list(Reminder.history.filter(dossier_id=dossier.pk).order_by("history_id"))
        # The skipped step first, then the steps fired, each as saved, with who and why.
        assert [(row.step.code, row.status, row.history_change_reason) for row in journal] == [
            ("r7-email", "cancelled", "Étape dépassée, non émise (rattrapage au 16/10/2026)."),
            *[
                (code, "planned", "Rattrapage au 16/10/2026 : étapes non émises (Relance amiable).")
                for code in ("r15-email", "r15-appel")
            ],
        ]
        for row in journal:
            live = Reminder.objects.get(pk=row.id)
            assert _tracked(Reminder, row) == _tracked(Reminder, live)
            assert (row.history_type, row.history_user) == ("+", robot)
        move = Dossier.history.filter(id=dossier.pk).latest("history_id")
        assert _tracked(Dossier, move) == _tracked(Dossier, dossier)
        assert dossier.state == DossierState.REMINDER_2 and dossier.next_action_at is not None
        assert (move.history_type, move.history_user, move.history_change_reason) == (
            "~",
            robot,
            "cadence : Relance ferme + Appel de relance (rattrapage)",
        )

    assert verification.verify().ok
    call_command("journal_verify")
    assert "Journal intègre" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_daily_run_leaves_the_garbage_collector_as_it_found_it(frozen):
    _due_dossiers(frozen, 2)
    assert gc.get_freeze_count() == 0
    services.run_cadence(on=R7_DAY)
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a pre-forking server froze its objects: the run leaves them frozen
    try:
        frozen_before = gc.get_freeze_count()
        services.run_cadence(on=R15_DAY)
        assert 0 < gc.get_freeze_count() <= frozen_before  # still frozen (a few freed)
    finally:
        gc.unfreeze()
