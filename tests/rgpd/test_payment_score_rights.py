"""The payment probability in the DPO's space: its logic in the processing register, and a
debtor's access request shows it with its reasons."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring.models import DossierScore, ScoreModel
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def test_the_register_explains_the_profiling(client, dpo):
    ClaimFactory()
    client.force_login(dpo)
    page = client.get(reverse("rgpd:register")).content.decode()
    assert "Profilage et décision automatisée (art. 22)" in page
    assert "ne déclenche aucune décision" in page
    assert "Jamais : le nom, l" in page


def test_an_access_request_shows_the_score_and_its_reasons(client, dpo):
    dossier = ClaimFactory().dossier
    model = ScoreModel.objects.create(
        version=1,
        trained_at=timezone.now(),
        as_of=timezone.localdate(),
        trigger=ScoreModel.Trigger.BEAT,
        status=ScoreModel.Status.TRAINED,
        algorithm="régression logistique",
        better_than_chance=True,
        verdict="ok",
    )
    DossierScore.objects.create(
        dossier=dossier,
        model=model,
        probability=0.72,
        points=14,
        reasons="+ a tenu 3 promesses sur 3\n− facture contestée",
        scored_on=timezone.localdate(),
    )
    client.force_login(dpo)
    answer = json.loads(client.get(reverse("rgpd:export_json", args=[dossier.debtor_id])).content)
    section = next(s for s in answer["sections"] if s["table"].startswith("Probabilités"))
    row = section["lignes"][0]
    assert row["probabilité de paiement sous 30 jours"] == 0.72
    assert "a tenu 3 promesses sur 3" in row["raisons principales"]
    assert "facture contestée" in row["raisons principales"]
    assert "ne déclenche aucune décision" in answer["profilage"]
