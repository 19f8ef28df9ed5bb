"""« Ma journée » shows each dossier's payment probability beside its priority, with its reasons
in words; the priority counts it only once a manager turned it on for the creditor (journaled).
The manager's page shows the model, its validation and the switch."""

import datetime
import html
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dossiers.services import work
from scoring.models import DossierScore, PriorityScoring, ScoreModel
from tests.factories import ClaimFactory, CreditorFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, 30), tick=False):
        yield


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture
def model():
    return ScoreModel.objects.create(
        version=1,
        trained_at=timezone.now(),
        as_of=TODAY,
        trigger=ScoreModel.Trigger.BEAT,
        status=ScoreModel.Status.TRAINED,
        algorithm="régression logistique",
        features=["promises_kept", "dispute_open"],
        parameters={"moyenne": [0, 0], "echelle": [1, 1], "poids": [1.2, -0.8], "constante": 0},
        training_size=5000,
        validation_size=1200,
        auc=0.81,
        auc_low=0.78,
        auc_high=0.84,
        brier=0.16,
        calibration=[{"de": 0.8, "a": 0.9, "dossiers": 120, "prevu": 0.85, "observe": 0.83}],
        calibration_error=0.03,
        better_than_chance=True,
        verdict="Le modèle fait mieux que le hasard sur la période de validation (AUC 0,81).",
    )


@pytest.fixture
def dossiers(controller, model):
    creditor = CreditorFactory()
    due = TODAY - datetime.timedelta(days=20)
    made = []
    for probability, reasons in (
        (0.9, "+ a tenu 3 promesses sur 3\n− retard de 20 jours"),
        (0.1, "− facture contestée"),
    ):
        claim = ClaimFactory(
            creditor=creditor,
            issue_date=due - datetime.timedelta(days=30),
            due_date=due,
            amount=Decimal("1200.00"),
        )
        dossier = work.dossier_assign(
            dossier=claim.dossier, assignee=controller, actor=None, reason="affectation"
        )
        DossierScore.objects.create(
            dossier=dossier,
            model=model,
            probability=probability,
            points=round(probability * 20),
            reasons=reasons,
            scored_on=TODAY,
        )
        made.append(dossier)
    return creditor, made


def test_the_score_and_its_reasons_beside_the_priority(client, controller, dossiers):
    client.force_login(controller)
    page = text(client.get(reverse("journee:worklist") + "?tous=1"))
    assert "Chance de paiement" in page
    assert "90 %" in page and "10 %" in page
    assert "a tenu 3 promesses sur 3" in page
    assert "facture contestée" in page
    assert "diminue la chance" in page  # the sign, spelt out for screen readers


def test_the_priority_counts_the_score_only_once_a_manager_allows_it(
    client, controller, manager, dossiers
):
    creditor, (likely, unlikely) = dossiers
    client.force_login(controller)
    page = text(client.get(reverse("journee:worklist") + "?tous=1"))
    assert "chance de paiement" not in page  # not in the priority's explanation
    before = {r.dossier.pk: r.dossier.score for r in _rows(controller)}
    assert before[likely.pk] == before[unlikely.pk]

    creditor.managers.add(manager)
    client.force_login(manager)
    response = client.post(
        reverse("pilotage:payment_priority"),
        {"creancier": creditor.pk, "utiliser": "1", "motif": "essai sur un mois"},
        follow=True,
    )
    assert "compte désormais la probabilité de paiement" in text(response)
    setting = PriorityScoring.objects.get(creditor=creditor)
    assert setting.enabled
    record = setting.history.latest()
    assert (record.history_user, record.history_change_reason) == (manager, "essai sur un mois")

    after = {r.dossier.pk: r.dossier.score for r in _rows(controller)}
    assert after[likely.pk] == before[likely.pk] + 18
    assert after[unlikely.pk] == before[unlikely.pk] + 2
    client.force_login(controller)
    page = text(client.get(reverse("journee:worklist") + "?tous=1"))
    assert "chance de paiement 90 % : 18 pts" in page


def test_turning_it_on_needs_a_reason(client, manager, dossiers):
    creditor, _ = dossiers
    creditor.managers.add(manager)
    client.force_login(manager)
    response = client.post(
        reverse("pilotage:payment_priority"),
        {"creancier": creditor.pk, "utiliser": "1", "motif": " "},
        follow=True,
    )
    assert "Indiquez le motif" in text(response)
    assert not PriorityScoring.objects.filter(creditor=creditor, enabled=True).exists()


def test_a_manager_cannot_switch_another_portfolio(client, manager, dossiers):
    creditor, _ = dossiers
    other = CreditorFactory()
    creditor.managers.add(manager)
    client.force_login(manager)
    response = client.post(
        reverse("pilotage:payment_priority"),
        {"creancier": other.pk, "utiliser": "1", "motif": "pour voir"},
    )
    assert response.status_code == 404


def test_the_managers_page_shows_the_model_and_its_validation(client, manager, dossiers):
    creditor, _ = dossiers
    creditor.managers.add(manager)
    client.force_login(manager)
    page = text(client.get(reverse("pilotage:payment_model")))
    assert "Probabilité de paiement à 30 jours" in page
    assert "elle ne décide jamais seule" in page
    assert "fait mieux que le hasard" in page
    assert "0,81" in page and "0,78 – 0,84" in page
    assert "80 à 90 %" in page and "83 %" in page  # calibration: announced vs observed
    assert "promesses de paiement tenues" in page  # what weighs
    assert creditor.legal_name in page and "L'utiliser" in page


def _rows(user):
    from journee import selectors

    return selectors.worklist(user=user, today=TODAY, everything=True).rows
