"""A controller approves a batch of formal notices in Debian's Chromium and watches the progress
bar (htmx polling, no inline script) reach 100 %; approving two of seven sends those two only,
dated the day they leave."""

import datetime
import re
import time
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courriers import delivery
from courriers.models import ApprovalBatch, SentMessage
from courriers.tasks import approval_batch_task
from dossiers.services import work
from legal.formatting import euros
from relances import services
from relances.models import Reminder
from tests.courriers.letters_helpers import pdf_text
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
    page.get_by_role("link", name="Tout sélectionner").click()
    page.get_by_role("button", name="Valider et envoyer la sélection").click()
    page.get_by_role("button", name="Confirmer l'envoi de 3 courriers").click()
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


def test_approving_two_of_seven_notices_sends_exactly_those_dated_the_day_they_leave(
    live_server, browser, monkeypatch, settings
):
    """Seen: all formal notices pre-ticked; ticking two validated and sent all seven, with no
    confirmation; the request blocked ~8 s, then showed 100 %. Now nothing is ticked, a
    confirmation names the count, the total and the channels, the request returns at once
    and the bar moves (0 → 50 → 100 %) while the letters go out one by one; each sent PDF
    is dated today with its deadline counted from today."""
    from courriers.context import _deadline
    from courriers.models import TemplateKind
    from legal.formatting import french_date

    settings.APPROVAL_BATCH_IN_THREAD = True  # the demo's way: no worker, a thread
    controller = UserFactory(username="camille", role="controller")
    notices = _notices_to_approve(controller, count=7)
    assert len(notices) == 7
    chosen = [notices[1], notices[4]]
    slow = services.reminder_approve

    def approve_slowly(**kwargs):  # the letters take time to render and send
        time.sleep(1.5)
        return slow(**kwargs)

    monkeypatch.setattr(services, "reminder_approve", approve_slowly)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("camille")
    page.get_by_label("Mot de passe").fill("motdepasse-test")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/ma-journee/$"))
    page.goto(f"{live_server.url}/courriers/")
    assert page.get_by_role("heading", name="À valider (7)").is_visible()
    boxes = page.locator("input[name=reminders]")
    assert boxes.count() == 7
    assert all(not boxes.nth(i).is_checked() for i in range(7))  # nothing pre-ticked
    for notice in chosen:
        page.locator(f"#rem-{notice.pk}").check()
    page.get_by_role("button", name="Valider et envoyer la sélection").click()

    summary = page.get_by_test_id("resume").inner_text().replace("\u202f", " ")
    total = sum((n.dossier.claims.get().outstanding for n in chosen), start=Decimal("0.00"))
    assert "Valider et envoyer 2 courriers pour un total de" in summary
    assert euros(total).replace("\u202f", " ").replace("\xa0", " ") in summary.replace("\xa0", " ")
    assert "2 lettres recommandées avec AR" in page.get_by_test_id("canaux").inner_text()
    assert not Reminder.objects.filter(approved_at__isnull=False).exists()  # not yet

    started = time.monotonic()
    page.get_by_role("button", name="Confirmer l'envoi de 2 courriers").click()
    page.wait_for_url(re.compile(r"/courriers/validation/\d+/$"))
    assert time.monotonic() - started < 2.5  # the request returned at once
    expect(page.get_by_test_id("percent")).to_have_text("50 %", timeout=20_000)
    expect(page.get_by_test_id("percent")).to_have_text("100 %", timeout=20_000)
    issues = page.get_by_test_id("issues").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "validation-deux-sur-sept.png", full_page=True)
    context.close()

    today = timezone.localdate()
    sent = Reminder.objects.filter(status=Reminder.Status.SENT)
    assert sorted(sent.values_list("pk", flat=True)) == sorted(n.pk for n in chosen)
    assert Reminder.objects.filter(status=Reminder.Status.PLANNED).count() == 5
    for notice in chosen:
        assert notice.dossier.reference in issues
        letter = SentMessage.objects.get(reminder=notice)
        with letter.pdf.open("rb") as handle:
            text = pdf_text(handle.read())
        deadline = _deadline(notice.dossier, on=today, kind=TemplateKind.FORMAL_NOTICE)
        assert deadline > today
        assert f", le {french_date(today)}" in text
        assert f"au plus tard le {french_date(deadline)}" in text
        assert f"Date limite de paiement : {french_date(deadline)}" in text
    assert f"envoyé le {french_date(today)}" in issues
