"""The debtor's journeys in Debian's Chromium at 390 px (issue #23): from the link of a real
reminder received by an SMTP server (aiosmtpd) to each action, then the dossier, the cadence
and the journal checked; every page measured (under 100 KB with its stylesheet) and free of
horizontal scrolling."""

import datetime
import email
import email.policy
import re
import socket
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from dossiers.models import Dispute, Dossier, PaymentPlan, Promise, Task
from portail.models import PortalEvent, PortalSettings
from relances import services as cadence
from relances.models import DossierHold
from rgpd.models import RightsRequest
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory
from tests.fixtures.browser import ARTIFACTS, browser_marks

pytestmark = browser_marks
PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LINK = re.compile(r"(https?://[^\s\"<>]+/p/[A-Za-z0-9_-]{22}/)")
PAGE_BUDGET = 100 * 1024


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture
def link_received(live_server, smtp_inbox, settings):
    """A professional's dossier reminded today: the link read from the e-mail the SMTP server
    received (the server's address is the live server's)."""
    settings.PORTAL_BASE_URL = live_server.url
    today = timezone.localdate()
    claim = ClaimFactory(
        creditor=CreditorFactory(),
        debtor=DebtorFactory(postal_code="33000"),
        issue_date=today - datetime.timedelta(days=40),
        due_date=today - datetime.timedelta(days=8),
        amount=Decimal("900.00"),
    )
    cadence.run_cadence(on=today)
    assert smtp_inbox.messages, "aucun e-mail reçu"
    received = email.message_from_bytes(
        smtp_inbox.messages[-1].content, policy=email.policy.default
    )
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    link = LINK.search(text).group(1)
    assert link in html
    return claim.dossier, link


def _phone(browser):
    context = browser.new_context(viewport=PHONE, locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    weights = {}

    def weigh(response):
        if response.request.resource_type in ("document", "stylesheet"):
            try:
                weights[response.url] = len(response.body())
            except Exception:
                weights[response.url] = 0

    page.on("response", weigh)
    return page, weights


def _fits(page, weights):
    """No horizontal scroll at 390 px, and the page with its stylesheet under 100 KB."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    document = weights.get(page.url, 0)
    css = sum(size for url, size in weights.items() if url.endswith(".css"))
    assert 0 < document + css < PAGE_BUDGET, (page.url, document, css)
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "portail-page-weights.txt", "a", encoding="utf-8") as out:
        path = re.sub(r"/p/[A-Za-z0-9_-]{22}/", "/p/<lien>/", page.url.split("://", 1)[1])
        out.write(f"{path}\tpage {document} o\tCSS {css} o\ttotal {document + css} o\n")
    return document + css


def _pass_factor(page, dossier, link):
    page.goto(link)
    field = page.get_by_label(re.compile("Numéro d'une de vos factures"))
    field.fill("FA-0000-00000")
    page.get_by_role("button", name="Accéder au dossier").click()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_text("ne correspondent pas à ce dossier").first.is_visible()
    page.get_by_label(re.compile("Numéro d'une de vos factures")).fill(
        dossier.claims.get().invoice_number
    )
    page.get_by_role("button", name="Accéder au dossier").click()
    assert page.get_by_role("heading", name=f"Votre dossier {dossier.reference}").is_visible()


def test_a_debtor_promises_from_the_email_link_within_the_creditors_limit(browser, link_received):
    dossier, link = link_received
    PortalSettings.objects.create(creditor=dossier.creditor, promise_max_days=15)
    page, weights = _phone(browser)
    _pass_factor(page, dossier, link)
    sizes = {"dossier": _fits(page, weights)}
    assert page.get_by_text("Indemnité forfaitaire pour frais de recouvrement").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portail-dossier-390px.png"), full_page=True)

    page.get_by_role("link", name="Promettre un paiement").click()
    today = timezone.localdate()
    page.get_by_label(re.compile("Montant que vous vous engagez")).fill("900,00")
    page.get_by_label("Date à laquelle vous paierez").fill(
        (today + datetime.timedelta(days=40)).isoformat()
    )
    page.get_by_label(re.compile("Je reconnais devoir")).check()
    page.get_by_role("button", name="Enregistrer ma promesse").click()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_text(
        re.compile("accepte une promesse à 15 jours au plus")
    ).first.is_visible()
    sizes["promise"] = _fits(page, weights)
    assert not Promise.objects.filter(dossier=dossier).exists()

    page.get_by_label("Date à laquelle vous paierez").fill(
        (today + datetime.timedelta(days=10)).isoformat()
    )
    page.get_by_label(re.compile("Je reconnais devoir")).check()
    page.get_by_role("button", name="Enregistrer ma promesse").click()
    assert page.get_by_text("Votre promesse de paiement est enregistrée").is_visible()

    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == "promise"
    assert not dossier.reminders.filter(status="planned").exists()
    promise = Promise.objects.get(dossier=dossier)
    row = Promise.history.filter(id=promise.pk).earliest("history_id")
    assert row.history_user is None and "le débiteur (espace en ligne)" in row.history_change_reason
    event = PortalEvent.objects.get(dossier=dossier, kind="promise")
    assert event.evidence and event.checked_at is None
    assert all(size < PAGE_BUDGET for size in sizes.values()), sizes


def test_a_debtor_proposes_a_plan_contests_declares_a_payment_and_writes_to_the_dpo(
    browser, link_received
):
    dossier, link = link_received
    PortalSettings.objects.create(
        creditor=dossier.creditor, plan_max_installments=3, plan_min_installment=Decimal("100")
    )
    page, weights = _phone(browser)
    _pass_factor(page, dossier, link)
    today = timezone.localdate()

    # The means of payment: IBAN, RF reference, the EPC QR code.
    page.get_by_role("link", name="Régler").click()
    assert page.get_by_text(re.compile(r"^RF\d\d")).is_visible()
    assert page.get_by_role("img", name=re.compile("Code QR de virement SEPA")).is_visible()
    _fits(page, weights)
    page.get_by_role("link", name=re.compile("Retour à votre dossier")).click()

    # A plan outside the rules: refused in French, then one inside them: accepted at once.
    page.get_by_role("link", name="Proposer un échéancier").click()
    page.get_by_label("Nombre de mensualités").fill("5")
    page.get_by_label("Date de la première mensualité").fill(
        (today + datetime.timedelta(days=5)).isoformat()
    )
    page.get_by_label(re.compile("Je reconnais devoir")).check()
    page.get_by_role("button", name="Valider l'échéancier").click()
    assert page.get_by_text(re.compile("ne peut pas être accepté en ligne")).first.is_visible()
    assert not PaymentPlan.objects.filter(dossier=dossier).exists()
    page.get_by_label("Nombre de mensualités").fill("3")
    page.get_by_label(re.compile("Je reconnais devoir")).check()
    page.get_by_role("button", name="Valider l'échéancier").click()
    assert page.get_by_text("Votre échéancier est accepté").is_visible()
    assert Dossier.objects.get(pk=dossier.pk).state == "payment_plan"
    assert PaymentPlan.objects.get(dossier=dossier).installments.count() == 3

    # A contestation with its attachment: the dispute pauses the cadence.
    page.get_by_role("link", name="Contester une facture").click()
    page.get_by_label("Motif de votre contestation").select_option("invoice_error")
    page.get_by_label("Expliquez ce qui ne va pas").fill("Quantité facturée erronée.")
    page.get_by_label(re.compile("Pièce jointe")).set_input_files(
        {"name": "bon.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Envoyer ma contestation").click()
    assert page.get_by_text("Votre contestation est enregistrée").is_visible()
    assert Dossier.objects.get(pk=dossier.pk).state == "disputed"
    assert Dispute.objects.get(dossier=dossier).reason == "invoice_error"

    # « Déjà payé » with its proof: a task, and the cadence on hold.
    page.get_by_role("link", name="J'ai déjà payé").click()
    page.get_by_label("Date de votre paiement").fill(today.isoformat())
    page.get_by_label(re.compile("Montant payé")).fill("300")
    page.get_by_label(re.compile("Justificatif")).set_input_files(
        {"name": "avis.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Envoyer").click()
    assert page.get_by_text(re.compile("votre paiement va être vérifié")).is_visible()
    assert Task.objects.filter(dossier=dossier, kind="payment_claimed").exists()
    assert DossierHold.objects.filter(dossier=dossier).exists()

    # New contact details and a GDPR objection.
    page.get_by_role("link", name="Mettre à jour mes coordonnées").click()
    page.get_by_label("Adresse e-mail").fill("pas-une-adresse")
    page.get_by_role("button", name="Envoyer").click()
    assert page.get_by_text("Adresse e-mail non valide.").first.is_visible()
    page.get_by_label("Adresse e-mail").fill("compta@exemple.fr")
    page.get_by_role("button", name="Envoyer").click()
    page.get_by_role("link", name="Exercer mes droits (RGPD)").click()
    page.get_by_label("Droit que vous souhaitez exercer").select_option("objection")
    page.get_by_label("Votre demande").fill("Je m'oppose au traitement.")
    page.get_by_role("button", name="Envoyer ma demande").click()
    assert page.get_by_text(re.compile("transmise au délégué")).is_visible()
    assert RightsRequest.objects.get(debtor=dossier.debtor).kind == "objection"

    kinds = set(PortalEvent.objects.filter(dossier=dossier).values_list("kind", flat=True))
    assert {"plan", "dispute", "already_paid", "contact", "rights", "pay", "view"} <= kinds
    _fits(page, weights)
