"""The DPO's journey in Debian's Chromium: the dashboard, a debtor found by name, an objection
recorded and accepted (the cadence stops), the subject-access export downloaded."""

import datetime
import re

import pytest

from dossiers.models import Debtor, Dossier
from tests.factories import ClaimFactory, ConsumerFactory, UserFactory
from tests.fixtures.browser import CHROMIUM

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium de Debian absent"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_dpo_handles_an_objection(live_server, browser):
    UserFactory(username="julien", role="dpo")
    debtor = ConsumerFactory(name="Apolline Verdier")
    ClaimFactory(debtor=debtor)
    page = browser.new_page(locale="fr-FR")
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("julien")
    page.get_by_label("Mot de passe").fill("motdepasse-test")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("heading", name="Tableau de bord RGPD").is_visible()

    page.get_by_role("link", name="Rechercher un débiteur").click()
    page.get_by_label("Nom ou raison sociale").fill("Verdier")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="Apolline Verdier").click()

    page.get_by_label("Nature de la demande").select_option("objection")
    page.get_by_label("Reçue le").fill(datetime.date.today().isoformat())
    page.get_by_role("textbox", name=re.compile("^Demande")).fill("S'oppose aux relances.")
    page.get_by_role("button", name="Enregistrer la demande").click()
    assert page.get_by_text("Demande enregistrée").is_visible()

    page.get_by_role("link", name="Décider").click()
    page.get_by_label("Acceptée").check()
    page.get_by_label(re.compile("Décision motivée")).fill("Situation particulière établie.")
    page.get_by_role("button", name="Enregistrer").click()
    assert page.get_by_text("Décision enregistrée").is_visible()
    assert page.get_by_text("Traitement limité (RGPD art. 18)").is_visible()
    assert Debtor.objects.get(pk=debtor.pk).processing_restricted
    assert Dossier.objects.get(debtor=debtor).state == "restricted"

    with page.expect_download() as download:
        page.get_by_role("link", name="Export droit d'accès (PDF)").click()
    assert download.value.suggested_filename == f"acces-debiteur-{debtor.pk}.pdf"
