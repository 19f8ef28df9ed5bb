"""The manager's Go/No-Go in Debian's Chromium: the list, the missing pieces, a refused
decision without reasoning, then a reasoned write-off; the dossier page's journal shows it."""

import re

import pytest

from tests.fixtures.browser import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium de Debian absent"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_managers_go_no_go(live_server, browser, manager, to_go_no_go):
    dossier = to_go_no_go()
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill(manager.username)
    page.get_by_label("Mot de passe").fill("motdepasse-test")
    page.get_by_role("button", name="Se connecter").click()

    page.get_by_role("link", name="Go / No-Go").first.click()
    page.get_by_role("link", name=dossier.reference).click()
    page.wait_for_url(re.compile(rf"/journal/dossiers/{dossier.pk}/go-no-go/$"))
    missing = page.locator(".check-missing")
    assert missing.count() == 6  # contract, invoice, delivery, receipt, plan, solvency
    page.screenshot(path=ARTIFACTS / "go-no-go.png", full_page=True)

    page.get_by_role("radio", name="Passage en perte").check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    assert page.get_by_text("La motivation de la décision est obligatoire.").first.is_visible()

    page.get_by_role("radio", name="Passage en perte").check()
    page.get_by_label(re.compile("Motivation")).fill(
        "Débiteur sans actif, coût hors de proportion."
    )
    page.get_by_role("button", name="Enregistrer la décision").click()
    page.wait_for_url(re.compile(rf"/dossiers/{dossier.pk}/$"))
    assert page.get_by_text("Décision Go/No-Go enregistrée.").is_visible()
    assert page.get_by_text("Passage en perte").first.is_visible()  # the journal's result
