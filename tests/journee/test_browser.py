"""A credit controller's morning in Debian's Chromium (Playwright), against the live server.

Open « Ma journée », log a call that yields a promise, accept a payment plan, open and resolve a
dispute, record a payment that closes a dossier. Screenshots of the worklist and of the dossier
page go to ``test-artifacts/`` (git-ignored).
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dossiers.models import Dispute, Dossier, Promise, Task
from dossiers.services import work
from relances import services
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory, UserFactory
from tests.fixtures.browser import ARTIFACTS, CHROMIUM
from tests.relances.portfolio import last_working_day

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Chromium de Debian absent (/usr/bin/chromium) : `make test` l'installe",
    ),
    # The live server's thread sees only committed rows; serialized_rollback restores the
    # migrations' data (roles, default cadences) for the tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _morning_portfolio(controller):
    """Four dossiers of one creditor, each due 20 days ago, assigned to the controller; the
    cadence ran on the last working day, so each has a call to make (R+15)."""
    today = timezone.localdate()
    run_day = last_working_day(today)
    creditor = CreditorFactory(legal_name="Fournitures Durand SAS")
    names = ["Boulangerie Moreau SARL", "Garage Petit SARL", "Imprimerie Roux SAS", "M. Paul Blanc"]
    dossiers = {}
    for index, name in enumerate(names):
        # A private customer last: paid in full, nothing more is due (no late-payment
        # accessories for a consumer, C. com. L441-10 applies between professionals).
        kind = "consumer" if name.startswith("M. ") else "professional"
        extra = {"siren": ""} if kind == "consumer" else {}
        debtor = DebtorFactory(name=name, kind=kind, **extra)
        claim = ClaimFactory(
            creditor=creditor,
            debtor=debtor,
            invoice_number=f"FA-2026-{index + 1:05d}",
            issue_date=run_day - datetime.timedelta(days=50),
            due_date=run_day - datetime.timedelta(days=20),
            amount=Decimal("1200.00") + index * 300,
        )
        dossier = work.dossier_assign(
            dossier=claim.dossier, assignee=controller, actor=None, reason="portefeuille"
        )
        services.dossier_advance(dossier=dossier, on=run_day)
        dossiers[name] = dossier
    return dossiers


def _open_dossier(page, live_server, dossier):
    page.goto(f"{live_server.url}/ma-journee/")
    page.get_by_role("link", name=dossier.reference).first.click()
    page.wait_for_url(re.compile(rf"/dossiers/{dossier.pk}/$"))


def _open_action(page, name):
    """Open an action's form in place (htmx), from the keyboard."""
    page.get_by_role("toolbar").get_by_role("link", name=name, exact=True).focus()
    page.keyboard.press("Enter")
    page.locator("#panneau-action form").first.wait_for()


def test_a_controllers_morning(live_server, browser):
    controller = UserFactory(username="camille", role="controller")
    dossiers = _morning_portfolio(controller)
    today = timezone.localdate()
    ARTIFACTS.mkdir(exist_ok=True)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("camille")
    page.get_by_label("Mot de passe").fill("motdepasse-test")
    page.get_by_role("button", name="Se connecter").click()

    # 1. « Ma journée »: four calls to make, the priority explained on the score.
    page.wait_for_url(re.compile(r"/ma-journee/$"))
    assert page.get_by_role("heading", name=re.compile("Ma journée")).is_visible()
    assert page.get_by_text("Appel à passer").count() == 4
    assert "Priorité" in page.locator(".score").first.get_attribute("title")
    page.get_by_label("Rechercher").fill("Imprimerie")
    # (expect, not wait_for_function: the Content-Security-Policy forbids eval in the page)
    expect(page.locator("table.worklist tbody tr")).to_have_count(1)
    page.get_by_label("Rechercher").fill("")
    expect(page.locator("table.worklist tbody tr")).to_have_count(4)
    page.screenshot(path=ARTIFACTS / "ma-journee.png", full_page=True)

    # 2. A call that yields a promise within the week: promise + follow-up call.
    boulangerie = dossiers["Boulangerie Moreau SARL"]
    _open_dossier(page, live_server, boulangerie)
    _open_action(page, "Journal d'appel")
    assert page.locator("#titre-action").evaluate("el => el === document.activeElement")
    assert page.get_by_text("La règle des 4C").is_visible()
    page.get_by_label("Interlocuteur joint").check()
    page.get_by_label("Nom de l'interlocuteur").fill("Paul Moreau")
    page.get_by_label("Fonction").select_option("manager")
    page.get_by_label("Motif du retard").select_option("cash_flow")
    page.get_by_label("Montant promis (€)").fill("1200")
    promised = today + datetime.timedelta(days=5)
    page.get_by_label("Paiement promis pour le").fill(promised.isoformat())
    page.get_by_label(re.compile("Compte rendu")).fill("Virement annoncé, rappel dans 7 jours.")
    page.get_by_role("button", name="Enregistrer l'appel").click()
    page.get_by_text("Appel enregistré").wait_for()
    assert page.get_by_text("Promesse de 1 200,00 € pour le").first.is_visible()
    assert Promise.objects.get(dossier=boulangerie).due_on == promised
    assert Task.objects.filter(dossier=boulangerie, kind="call", status="open").exists()

    # 3. A payment plan: three installments generated, edited, accepted.
    garage = dossiers["Garage Petit SARL"]
    _open_dossier(page, live_server, garage)
    _open_action(page, "Échéancier")
    page.get_by_label("Nombre d'échéances").fill("3")
    page.get_by_role("button", name="Générer les échéances").click()
    page.get_by_label("Montant de l'échéance 1").wait_for()
    page.get_by_label("Acceptation du débiteur").select_option("courriel")
    page.get_by_label(re.compile("Le débiteur a accepté cet échéancier")).check()
    page.get_by_role("button", name="Accepter l'échéancier").click()
    page.get_by_text("Échéancier de 3 échéance(s) accepté").wait_for()
    assert Dossier.objects.get(pk=garage.pk).state == "payment_plan"

    # 4. A dispute opened, then resolved (invoice sent again): the cadence resumes.
    imprimerie = dossiers["Imprimerie Roux SAS"]
    _open_dossier(page, live_server, imprimerie)
    _open_action(page, "Contestation")
    page.get_by_label("Motif de la contestation").select_option("not_received")
    page.get_by_label("Facture contestée").select_option(label="FA-2026-00003")
    page.get_by_label("Description").fill("Le client dit n'avoir jamais reçu la facture.")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Contestation enregistrée").wait_for()
    assert Dossier.objects.get(pk=imprimerie.pk).state == "disputed"
    page.get_by_role("link", name="Clore la contestation").click()
    page.get_by_label(re.compile("Facture renvoyée au débiteur")).check()
    page.get_by_label(re.compile("Motivation")).fill("Renvoyée par courriel à la comptabilité.")
    page.get_by_role("button", name="Clore la contestation").click()
    page.get_by_text("Contestation close, facture maintenue").wait_for()
    assert Dispute.objects.get(dossier=imprimerie).status == "resolved"

    # 5. A payment that clears the balance closes the dossier.
    cafe = dossiers["M. Paul Blanc"]
    _open_dossier(page, live_server, cafe)
    _open_action(page, "Paiement")
    page.get_by_label("Référence (virement, chèque…)").fill("VIR-2026-1123")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Le solde est réglé : le dossier est clos.").wait_for()
    assert Dossier.objects.get(pk=cafe.pk).state == "paid"

    # The worklist with what is left: every call of the morning is done (the promise's
    # follow-up call is due next week), the closed dossier is gone.
    page.goto(f"{live_server.url}/ma-journee/")
    assert page.get_by_text("Appel à passer").count() == 0
    assert "M. Paul Blanc" not in page.content()
    # The dossier page after the morning's work (promise, follow-up call, journal).
    page.goto(f"{live_server.url}/dossiers/{boulangerie.pk}/")
    assert page.get_by_role("heading", name="Journal").is_visible()
    page.screenshot(path=ARTIFACTS / "dossier.png", full_page=True)
    tablet = browser.new_context(viewport={"width": 820, "height": 1180}, locale="fr-FR")
    tablet.add_cookies(context.cookies())
    tablet_page = tablet.new_page()
    tablet_page.goto(f"{live_server.url}/dossiers/{boulangerie.pk}/")
    tablet_page.screenshot(path=ARTIFACTS / "dossier-tablette.png", full_page=True)
    tablet.close()
    context.close()
    assert (ARTIFACTS / "ma-journee.png").stat().st_size > 10_000
    assert (ARTIFACTS / "dossier.png").stat().st_size > 10_000
