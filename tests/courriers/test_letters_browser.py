"""A controller approves a batch of formal notices in Debian's Chromium and watches the progress
bar (htmx polling, no inline script) reach 100 %."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courriers import delivery
from courriers.models import ApprovalBatch, SentMessage
from courriers.tasks import approval_batch_task
from dossiers.services import work
from relances import services
from relances.models import Reminder
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory, UserFactory
from tests.fixtures.browser import ARTIFACTS, CHROMIUM
from tests.relances.portfolio import last_working_day

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium de Debian absent"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _notices_to_approve(controller, count=3):
    """Dossiers 50 days late: the catch-up fires the formal notice, which waits for approval."""
    run_day = last_working_day(timezone.localdate())
    creditor = CreditorFactory(legal_name="Fournitures Durand SAS")
    for index in range(count):
        claim = ClaimFactory(
            creditor=creditor,
            debtor=DebtorFactory(name=f"Client {index + 1} SARL"),
            issue_date=run_day - datetime.timedelta(days=80),
            due_date=run_day - datetime.timedelta(days=50),
            amount=Decimal("900.00") + index * 100,
        )
        dossier = work.dossier_assign(
            dossier=claim.dossier, assignee=controller, actor=None, reason="portefeuille"
        )
        services.dossier_advance(dossier=dossier, on=run_day)
    return list(delivery.letters_to_approve())


def test_a_controller_approves_a_batch_of_letters_and_sees_the_progress_reach_100(
    live_server,
    browser,
    monkeypatch,
):
    controller = UserFactory(username="camille", role="controller")
    notices = _notices_to_approve(controller)
    assert len(notices) == 3 and {n.channel for n in notices} == {"registered_letter"}
    # The worker is held back, so that the page shows the batch waiting, then progressing.
    monkeypatch.setattr(approval_batch_task, "apply_async", lambda *args, **kwargs: None)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("camille")
    page.get_by_label("Mot de passe").fill("motdepasse-test")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/ma-journee/$"))

    page.get_by_role("link", name="Courriers").click()
    page.wait_for_url(re.compile(r"/courriers/$"))
    assert page.get_by_role("heading", name="À valider (3)").is_visible()
    assert page.get_by_role("link", name="Voir le PDF").count() == 3
    page.get_by_role("button", name="Valider et envoyer la sélection").click()
    page.wait_for_url(re.compile(r"/courriers/validation/\d+/$"))
    assert page.get_by_test_id("percent").inner_text() == "0 %"
    assert page.locator("script:not([src])").count() == 0  # no inline script (CSP)

    batch = ApprovalBatch.objects.get()
    delivery.approval_batch_run(batch_id=batch.pk)  # the worker's job

    # Waited for with expect: the CSP forbids the eval behind wait_for_function.
    expect(page.get_by_test_id("percent")).to_have_text("100 %", timeout=20_000)
    expect(page.locator("progress")).to_have_attribute("value", "100")
    assert page.get_by_role("status").inner_text().startswith("3 validés et envoyés")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "validation-courriers.png", full_page=True)
    assert Reminder.objects.filter(status="sent", channel="registered_letter").count() == 3
    assert SentMessage.objects.filter(channel="registered_letter").count() == 3

    # The evidence of one letter: its hashes and its PDF.
    page.goto(f"{live_server.url}/courriers/")
    page.locator("table a[href*='/envois/']").first.click()
    page.get_by_role("heading", name="Preuve de l'envoi").wait_for()
    assert page.get_by_text("SHA-256 du PDF").is_visible()
    context.close()
