"""What the page reads: outcomes per dossier, the verdict only at the planned size (no
peeking), and ending an experiment as a journaled decision."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dossiers import services as dossier_services
from experiences import results, services
from experiences.models import Assignment, Experiment
from relances import planning
from relances.models import CreditorCadence, DossierCadence, Reminder
from tests.experiences.conftest import TODAY
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db
D = datetime.timedelta
LONG_AGO = TODAY - D(days=100)


def facts(variant_id, *, first=None, paid=None, closed=None, assigned=LONG_AGO):
    return results.Facts(
        variant_id=variant_id,
        assigned_on=assigned,
        closed_on=closed or paid,
        paid_on=paid,
        first_contact=first,
        payments=[(paid, 100.0)] if paid else [],
    )


def test_a_dossier_is_observed_once_its_window_is_over():
    start = TODAY - D(days=40)
    paid_in_20 = facts(1, first=start, paid=start + D(days=20))
    assert results.outcome(paid_in_20, horizon=30, on=TODAY).paid
    assert not results.outcome(paid_in_20, horizon=15, on=TODAY).paid
    # 60 days after its first reminder: still being observed.
    assert results.outcome(paid_in_20, horizon=60, on=TODAY) is None
    # Paid before any reminder: observed at once, paid. Never reminded: after 60 days.
    assert results.outcome(facts(1, paid=TODAY - D(days=2)), horizon=30, on=TODAY).paid
    never = facts(1, assigned=TODAY - D(days=61))
    assert results.outcome(never, horizon=30, on=TODAY).paid is False
    assert results.outcome(facts(1, assigned=TODAY - D(days=10)), horizon=30, on=TODAY) is None


def _synthetic(experiment, monkeypatch, *, shares, n, first):
    """``n`` dossiers per variant, the given share of each paid 10 days after a first
    reminder on ``first``."""
    variants = list(experiment.variants.order_by("label"))
    rows = {}
    for variant, share in zip(variants, shares, strict=True):
        for i in range(n):
            paid = first + D(days=10) if i < share * n else None
            rows[len(rows)] = facts(variant.pk, first=first, paid=paid)
    monkeypatch.setattr(results, "_facts", lambda _experiment: rows)


def test_no_verdict_before_the_planned_size_however_large_the_gap(experiment, monkeypatch):
    # 20 dossiers drawn of 40 planned, 20 % against 90 % paid: still no verdict.
    _synthetic(experiment, monkeypatch, shares=(0.2, 0.9), n=10, first=TODAY - D(days=60))
    report = results.report(experiment, on=TODAY)
    assert not report.ready
    assert report.verdict.startswith("Pas encore de verdict (40 dossiers prévus, 20 tirés")
    assert all(row.comparison is None for row in report.rows)
    # Each variant's own figure is shown, with its interval.
    assert report.rows[1].figures["paid_30"][1] == "90,0 % (de 59,6 à 98,2 %)"


def test_no_verdict_while_a_dossier_of_the_planned_size_is_still_observed(experiment, monkeypatch):
    # 40 drawn, first reminders 20 days ago: the 30-day window is not over.
    _synthetic(experiment, monkeypatch, shares=(0.2, 0.9), n=20, first=TODAY - D(days=20))
    report = results.report(experiment, on=TODAY)
    assert report.inclusions_over and not report.ready
    assert "40 encore en observation" in report.verdict


def test_the_verdict_at_the_planned_size(experiment, monkeypatch):
    _synthetic(experiment, monkeypatch, shares=(0.2, 0.9), n=20, first=TODAY - D(days=60))
    report = results.report(experiment, on=TODAY)
    assert report.ready
    # 18/20 against 4/20: +70 points; Agresti-Caffo 19/22 against 5/22: 63.6 ± 22.6.
    assert report.verdict == "La variante B fait mieux de 41,0 à 86,3 points que la variante A."


def test_the_verdict_says_when_there_is_no_difference(experiment, monkeypatch):
    _synthetic(experiment, monkeypatch, shares=(0.5, 0.55), n=20, first=TODAY - D(days=60))
    report = results.report(experiment, on=TODAY)
    assert report.ready
    assert report.verdict.startswith(
        "Pas de différence significative entre la variante B et la variante A"
    )


def test_an_end_date_closes_the_inclusions(experiment, monkeypatch):
    experiment.planned_size, experiment.end_on = None, TODAY - D(days=50)
    _synthetic(experiment, monkeypatch, shares=(0.2, 0.9), n=8, first=TODAY - D(days=45))
    assert results.report(experiment, on=TODAY).ready
    assert not results.report(experiment, on=TODAY - D(days=51)).ready


def test_the_outcomes_are_read_from_reminders_and_payments(experiment, creditor, standard):
    claims = [
        ClaimFactory(creditor=creditor, issue_date=TODAY - D(days=90), due_date=TODAY - D(days=60))
        for _ in range(4)
    ]
    step = standard.steps.order_by("offset_days").first()
    for claim in claims:
        Reminder.objects.create(
            dossier=claim.dossier,
            step=step,
            cycle=1,
            channel="email",
            scheduled_for=TODAY - D(days=50),
            status=Reminder.Status.SENT,
        )
    dossier_services.payment_record(
        dossier=claims[0].dossier,
        amount=Decimal("1200.00"),
        received_on=TODAY - D(days=45),
        actor=None,
    )
    read = results._facts(experiment)
    paid = read[claims[0].dossier_id]
    assert paid.first_contact == TODAY - D(days=50)
    assert paid.paid_on == TODAY - D(days=45)  # received then, recorded later
    assert paid.payments == [(TODAY - D(days=45), 1200.0)]
    outcomes = [results.outcome(f, horizon=30, on=TODAY) for f in read.values()]
    assert sorted(o.paid for o in outcomes) == [False, False, False, True]


def test_stopping_early_keeps_only_the_control(experiment, manager, standard):
    b = experiment.variants.get(label="B")
    with pytest.raises(ValidationError, match="ne peut que garder la variante A"):
        services.experiment_end(experiment=experiment, winner=b, actor=manager, reason="pressé")
    a = experiment.variants.get(label="A")
    ended = services.experiment_end(
        experiment=experiment, winner=a, actor=manager, reason="campagne annulée"
    )
    assert ended.status == Experiment.Status.ENDED
    assert ended.verdict.startswith("Pas encore de verdict")
    assert CreditorCadence.objects.get(creditor=experiment.creditor).policy == standard


def test_ending_makes_the_winner_the_creditors_cadence(
    experiment, creditor, manager, quick, monkeypatch, django_capture_on_commit_callbacks
):
    drawn = ClaimFactory(creditor=creditor).dossier
    kept = Assignment.objects.get(dossier=drawn).variant.policy
    _synthetic(experiment, monkeypatch, shares=(0.2, 0.9), n=20, first=TODAY - D(days=60))
    b = experiment.variants.get(label="B")
    with django_capture_on_commit_callbacks(execute=True):
        services.experiment_end(
            experiment=experiment,
            winner=b,
            actor=manager,
            reason="verdict net en faveur du SMS",
            on=TODAY,
        )
    experiment.refresh_from_db()
    assert experiment.winner == b and experiment.ended_by == manager
    assert experiment.verdict.startswith("La variante B fait mieux")
    chosen = CreditorCadence.objects.get(creditor=creditor, debtor_kind="professional")
    assert chosen.policy == quick
    record = chosen.history.first()
    assert record.history_user == manager
    assert "variante B retenue" in record.history_change_reason
    assert "verdict net en faveur du SMS" in record.history_change_reason
    assert "variante B retenue" in experiment.history.first().history_change_reason
    # A dossier drawn keeps its variant; a new dossier follows the winner, undrawn.
    assert planning.policy_for(drawn) == kept
    fresh = ClaimFactory(creditor=creditor).dossier
    assert not DossierCadence.objects.filter(dossier=fresh).exists()
    assert planning.policy_for(fresh) == quick
    with pytest.raises(ValidationError, match="déjà terminée"):
        services.experiment_end(experiment=experiment, winner=b, actor=manager, reason="encore")


def test_too_few_dossiers_give_a_verdict_that_says_so(experiment, monkeypatch):
    experiment.planned_size, experiment.end_on = None, TODAY - D(days=50)
    _synthetic(experiment, monkeypatch, shares=(0.0, 1.0), n=1, first=TODAY - D(days=45))
    report = results.report(experiment, on=TODAY)
    assert report.ready
    assert report.verdict == (
        "La variante B ne peut pas être comparée à la variante A : trop peu de dossiers "
        "observés (au moins 2 par variante)."
    )
