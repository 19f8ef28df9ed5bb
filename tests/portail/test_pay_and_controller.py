"""Paying from the debtor's page, and the controller's side of the portal (issue #23)."""

import html

import pytest

from courriers.models import CreditorMessaging
from dossiers.models import Dossier
from legal.references import dossier_rf_reference, rf_printed
from portail.models import PortalEvent
from tests.portail.conftest import R7

pytestmark = pytest.mark.django_db


def flat(response) -> str:
    text = html.unescape(response.content.decode())
    return text.replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture
def opened(client, reminded, verified):
    dossier, path = reminded()
    verified(dossier, path)
    return dossier, path


def test_pay_page_gives_iban_rf_reference_and_the_epc_qr_code(client, opened, frozen):
    dossier, path = opened
    with frozen(R7):
        response = client.get(f"{path}payer/")
    text = flat(response)
    assert response.status_code == 200
    assert rf_printed(dossier_rf_reference(dossier.reference)) in text
    assert dossier.creditor.iban[:4] in text and dossier.creditor.bic in text
    assert "<svg" in text and "Code QR de virement SEPA" in text
    assert "Payer en ligne" not in text  # no payment link configured
    assert PortalEvent.objects.filter(dossier=dossier, kind="pay").exists()


def test_pay_page_offers_the_creditors_payment_link_and_says_its_test_mode(client, opened, frozen):
    dossier, path = opened
    CreditorMessaging.objects.create(
        creditor=dossier.creditor,
        payment_link_pattern="https://paiement.example.fr/?ref={reference}&montant={amount}",
        test_mode=True,
        test_email="test@example.fr",
    )
    with frozen(R7):
        text = flat(client.get(f"{path}payer/"))
    assert f"https://paiement.example.fr/?ref={dossier.reference}&montant=1200.00" in text
    assert "Mode test du créancier" in text


def test_each_portal_action_is_an_item_of_ma_journee_until_checked(
    client, opened, frozen, controller
):
    from journee import selectors

    dossier, path = opened
    Dossier.objects.filter(pk=dossier.pk).update(assigned_to=controller)
    with frozen(R7):
        client.post(f"{path}coordonnees/", {"phone": "06 00 00 00 01"})
        result = selectors.worklist(user=controller, today=R7, kind="portal")
    rows = [row for row in result.rows if row.dossier.pk == dossier.pk]
    assert rows and any(item.kind == "portal" for item in rows[0].items)
    event = PortalEvent.objects.get(dossier=dossier, kind="contact")
    staff = type(client)()
    staff.force_login(controller)
    with frozen(R7):
        page = flat(staff.get(f"/dossiers/{dossier.pk}/"))
        assert "Coordonnées à vérifier" in page and "06 00 00 00 01" in page
        assert "Accès vérifié (second facteur)" in page  # the visits are on the dossier page
        response = staff.post(
            f"/dossiers/{dossier.pk}/espace-debiteur/verifiee/", {"event": event.pk}
        )
        assert response.status_code == 302
        result = selectors.worklist(user=controller, today=R7, kind="portal")
    event.refresh_from_db()
    assert event.checked_by == controller and event.checked_at is not None
    assert not [row for row in result.rows if row.dossier.pk == dossier.pk]
