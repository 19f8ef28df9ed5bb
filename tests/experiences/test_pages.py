"""The managers' pages: list, new experiment, figures and verdict, end — scoped to their
creditors."""

import datetime

import pytest
from django.urls import reverse

from experiences.models import Experiment
from relances.models import CreditorCadence
from tests.experiences.conftest import TODAY
from tests.experiences.test_results import _synthetic
from tests.factories import CreditorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(client, manager):
    client.force_login(manager)
    return client


def test_the_list_shows_only_the_managers_creditors(logged, experiment, standard, quick):
    from experiences import services

    elsewhere = services.experiment_start(
        creditor=CreditorFactory(legal_name="Ailleurs SA"),
        debtor_kind="professional",
        name="Chez un autre",
        measure="paid_15",
        variants=[(standard, 50), (quick, 50)],
        planned_size=40,
        actor=None,
        reason="essai",
    )
    page = logged.get(reverse("experiences:list")).content.decode()
    assert "SMS à J+3" in page and "Chez un autre" not in page
    url = reverse("experiences:detail", kwargs={"experiment_pk": elsewhere.pk})
    assert logged.get(url).status_code == 404


def test_a_controller_may_not_open_the_experiments(client, experiment):
    client.force_login(UserFactory(username="c2", role="controller"))
    assert client.get(reverse("experiences:list")).status_code == 403


def test_a_manager_starts_an_experiment(logged, creditor, standard, quick):
    data = {
        "name": "Appel plus tôt",
        "creditor": creditor.pk,
        "debtor_kind": "professional",
        "measure": "paid_30",
        "policy_A": standard.pk,
        "share_A": 50,
        "policy_B": quick.pk,
        "share_B": 50,
        "planned_size": 200,
        "reason": "voir si un SMS à J+3 fait payer plus vite",
    }
    response = logged.post(reverse("experiences:new"), data)
    experiment = Experiment.objects.get(name="Appel plus tôt")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "experiences:detail", kwargs={"experiment_pk": experiment.pk}
    )
    assert [v.policy for v in experiment.variants.order_by("label")] == [standard, quick]
    page = logged.get(response["Location"]).content.decode()
    assert "Pas encore de verdict (200 dossiers prévus, 0 tirés à ce jour)" in page
    data.update(name="Mauvaises parts", share_B=30)
    response = logged.post(reverse("experiences:new"), data)
    assert response.status_code == 400
    assert "Les parts des variantes doivent faire 100 %." in response.content.decode()


def test_before_the_verdict_the_page_shows_figures_but_no_comparison(
    logged, experiment, monkeypatch
):
    _synthetic(
        experiment, monkeypatch, shares=(0.2, 0.9), n=10, first=TODAY - datetime.timedelta(60)
    )
    url = reverse("experiences:detail", kwargs={"experiment_pk": experiment.pk})
    page = logged.get(url).content.decode()
    assert "Pas encore de verdict" in page
    assert "90,0 % (de 59,6 à 98,2 %)" in page
    assert "Écart avec A" not in page
    # Only the control may be kept before the verdict.
    assert "Variante B —" not in page.split('id="titre-fin"')[1]


def test_at_the_planned_size_the_verdict_and_the_winner(logged, experiment, monkeypatch, quick):
    _synthetic(
        experiment, monkeypatch, shares=(0.2, 0.9), n=20, first=TODAY - datetime.timedelta(60)
    )
    url = reverse("experiences:detail", kwargs={"experiment_pk": experiment.pk})
    page = logged.get(url).content.decode()
    assert "La variante B fait mieux de 41,0 à 86,3 points que la variante A." in page
    b = experiment.variants.get(label="B")
    assert f'<option value="{b.pk}" selected>' in page  # the verdict's winner is proposed
    end = reverse("experiences:end", kwargs={"experiment_pk": experiment.pk})
    assert logged.get(end).status_code == 405
    response = logged.post(end, {"winner": b.pk, "reason": "le SMS fait payer plus vite"})
    assert response.status_code == 302
    assert CreditorCadence.objects.get(creditor=experiment.creditor).policy == quick
    page = logged.get(url).content.decode()
    assert "variante B retenue" in page and "le SMS fait payer plus vite" in page
