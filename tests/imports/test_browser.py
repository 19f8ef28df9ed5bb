"""A controller imports the sample invoice file in Debian's Chromium: upload, preview, confirm."""

import re
from pathlib import Path

import pytest

from dossiers.models import Claim
from tests.factories import CreditorFactory, UserFactory
from tests.fixtures.browser import ARTIFACTS, CHROMIUM

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "factures.csv"

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium de Debian absent"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_controller_imports_the_sample_file(live_server, browser):
    UserFactory(username="camille", role="controller")
    creditor = CreditorFactory(legal_name="Fournitures Durand SAS")
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR").new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("camille")
    page.get_by_label("Mot de passe").fill("motdepasse-test")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/ma-journee/$"))

    page.get_by_role("link", name="Imports").click()
    page.get_by_label("Contenu du fichier").select_option("claims")
    page.locator("#id_creditor").select_option(str(creditor.pk))
    page.locator("#id_file").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="Contrôler le fichier").click()

    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    assert page.get_by_role("heading", name="Prêt à importer").is_visible()
    assert page.locator("table tbody tr").count() == 5
    assert page.get_by_text("Menuiserie Lefèvre SARL").count() == 2
    assert Claim.objects.count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import-apercu.png"), full_page=True)

    page.get_by_role("button", name="Confirmer l'import").click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    assert page.get_by_role("heading", name="Importé").is_visible()
    assert page.get_by_text("À créer : 5 lignes").is_visible()
    assert Claim.objects.filter(creditor=creditor).count() == 5
    assert errors == []
