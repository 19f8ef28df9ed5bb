"""A professional who paid the principal late still owes the penalties and the 40 € indemnity
(« Accessoires dus », C. com. L441-10 II, D441-5; docs/legal.md §11): their page says what is
left and how to pay it, and offers only what fits a dossier whose invoices are paid."""

import html
from decimal import Decimal

import pytest

from courriers.models import CreditorMessaging
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierState
from dossiers.selectors import dossier_accessories
from legal.formatting import euros
from legal.references import dossier_rf_reference, rf_printed
from portail.models import PortalEvent
from tests.portail.conftest import D

pytestmark = pytest.mark.django_db
PAID = D(2026, 10, 20)  # the 1 200,00 € due on 01/10/2026, paid 19 days late


def flat(response) -> str:
    text = html.unescape(response.content.decode())
    return text.replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture
def accessories_due(client, reminded, verified, frozen, controller):
    """(dossier, link path): the principal paid late, the dossier « Accessoires dus »."""
    dossier, path = reminded()
    with frozen(PAID):
        dossier_services.payment_record(
            dossier=dossier, amount=Decimal("1200.00"), received_on=PAID, actor=controller
        )
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == DossierState.ACCESSORIES
    verified(dossier, path, day=PAID)
    return dossier, path


def test_the_page_shows_the_penalties_and_indemnity_left_and_how_to_pay_them(
    client, accessories_due, frozen
):
    dossier, path = accessories_due
    with frozen(PAID):
        left = dossier_accessories(dossier, on=PAID)
        text = flat(client.get(f"{path}dossier/"))
    # The ECB rate of the 2nd half of 2026 is not in the reference data: the penalties are a
    # lower bound, said as such (never computed with the last known rate).
    assert left.indemnity == Decimal("40.00") and left.is_lower_bound
    assert "non publié" in text and "Le montant exact sera connu" in text
    assert "Pénalités de retard et indemnité restant dues" in text
    assert "Vos factures sont réglées" in text  # the next step, without a threat
    assert dossier.claims.first().invoice_number in text
    assert "40,00 €" in text and "L441-10" in text
    assert f"Reste à régler : {euros(left.remaining)}" in text
    assert f"Régler {euros(left.remaining)}" in text
    # Only what fits invoices already paid: pay, say it is paid, contest; no promise nor plan.
    assert "J'ai déjà payé" in text and "Contester une facture" in text
    assert "Promettre un paiement" not in text and "Proposer un échéancier" not in text
    view = PortalEvent.objects.filter(dossier=dossier, kind="view").last()
    assert "accessoires dus" in view.summary


def test_the_pay_page_asks_for_the_accessories_left_with_the_rf_reference_and_qr_code(
    client, accessories_due, frozen, controller
):
    dossier, path = accessories_due
    CreditorMessaging.objects.create(
        creditor=dossier.creditor,
        payment_link_pattern="https://paiement.example.fr/?ref={reference}&montant={amount}",
    )
    with frozen(PAID):
        dossier_services.payment_record(
            dossier=dossier, amount=Decimal("10.00"), received_on=PAID, actor=controller
        )
        left = dossier_accessories(dossier, on=PAID)
        page = flat(client.get(f"{path}dossier/"))
        text = flat(client.get(f"{path}payer/"))
    assert "Déjà reçu au titre de ces sommes" in page and "10,00 €" in page
    assert left.paid == Decimal("10.00")
    assert "restent dues les pénalités de retard et l'indemnité forfaitaire" in text
    assert euros(left.remaining) in text
    assert "Aucune somme ne reste due" not in text
    assert rf_printed(dossier_rf_reference(dossier.reference)) in text
    assert "Code QR de virement SEPA" in text
    assert f"montant={left.remaining}" in text


def test_once_the_accessories_are_paid_the_dossier_closes_and_the_page_shows_nothing(
    client, accessories_due, frozen, controller
):
    dossier, path = accessories_due
    with frozen(PAID):
        left = dossier_accessories(dossier, on=PAID).remaining
        dossier_services.payment_record(
            dossier=dossier, amount=left, received_on=PAID, actor=controller
        )
        assert Dossier.objects.get(pk=dossier.pk).state == DossierState.PAID
        text = flat(client.get(f"{path}dossier/"))
    assert "pas consultable en ligne" in text and dossier.reference not in text


def test_the_debtor_may_say_the_accessories_are_paid_or_contest_them(
    client, accessories_due, frozen
):
    """« J'ai déjà payé » leaves a task and holds the accessories' cadence; a contestation of
    the whole dossier pauses it like any dispute; a promise is refused in French."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers.models import Dispute, Task
    from relances.models import DossierHold

    dossier, path = accessories_due
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    with frozen(PAID):
        said = client.post(
            f"{path}deja-paye/",
            {
                "paid_on": PAID.isoformat(),
                "amount": "40",
                "method": "virement",
                "proof": SimpleUploadedFile("avis.pdf", pdf, "application/pdf"),
            },
        )
        promised = client.post(
            f"{path}promesse/", {"amount": "40,00", "due_on": "30/10/2026", "acknowledge": "on"}
        )
        contested = client.post(
            f"{path}contestation/",
            {"reason": "other", "claim": "", "description": "Pénalités non prévues au contrat."},
        )
    assert said.status_code == 302
    assert Task.objects.filter(dossier=dossier, kind="payment_claimed").exists()
    assert DossierHold.objects.filter(dossier=dossier).exists()
    assert promised.status_code == 400 and "dépasse le reste dû" in flat(promised)
    assert contested.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.DISPUTED
    assert Dispute.objects.get(dossier=dossier).claim is None
