"""``POST /api/v1/claims/`` with an invoice number already recorded for the creditor (#20):
the same facts give back the recorded claim (200, nothing written: a retried push is
harmless); other facts are a 409 Conflict listing each difference (recorded / received), like
a file import's conflict; a claim in a dossier outside the caller's portfolio is never shown."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from dossiers.models import Claim, Dossier
from dossiers.services import work
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory, UserFactory

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def recorded(controller):
    """FA-7 of 1 200,00 € due 01/10/2026, in a dossier assigned to the controller."""
    claim = ClaimFactory(invoice_number="FA-7", purchase_order_ref="BC-1")
    work.dossier_assign(dossier=claim.dossier, assignee=controller, actor=None, reason="test")
    return claim


def _same(claim: Claim, **changes) -> dict:
    body = {
        "creditor": claim.creditor_id,
        "debtor": claim.dossier.debtor_id,
        "invoice_number": claim.invoice_number,
        "issue_date": claim.issue_date.isoformat(),
        "due_date": claim.due_date.isoformat(),
        "amount": str(claim.amount),
    }
    return {**body, **changes}


def _written():
    return (
        Claim.objects.count(),
        Claim.history.count(),
        Dossier.objects.count(),
        Dossier.history.count(),
    )


def test_the_same_invoice_again_gives_back_the_recorded_claim(controller, recorded):
    before = _written()
    response = _api(controller).post("/api/v1/claims/", _same(recorded), format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == recorded.pk
    assert response.json()["purchase_order_ref"] == "BC-1"
    assert _written() == before


def test_other_facts_are_a_409_listing_each_difference_and_nothing_is_written(controller, recorded):
    other = DebtorFactory(name="Brasserie Éloïse", siren="732829320")
    before = _written()
    response = _api(controller).post(
        "/api/v1/claims/",
        _same(recorded, debtor=other.pk, amount="1250.00", due_date="2026-10-15"),
        format="json",
    )
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["claim"] == recorded.pk
    assert body["dossier"] == recorded.dossier_id
    assert body["dossier_reference"] == recorded.dossier.reference
    debtor = recorded.dossier.debtor
    assert body["differences"] == [
        {
            "field": "Débiteur",
            "recorded": f"{debtor.name} (SIREN {debtor.siren})",
            "received": "Brasserie Éloïse (SIREN 732829320)",
        },
        {"field": "Montant", "recorded": "1\u00a0200,00 €", "received": "1\u00a0250,00 €"},
        {"field": "Date d'échéance", "recorded": "01/10/2026", "received": "15/10/2026"},
    ]
    assert "FA-7" in body["detail"] and "1\u00a0250,00 €" in body["detail"]
    assert _written() == before
    recorded.refresh_from_db()
    assert recorded.amount == Decimal("1200.00")


def test_another_reference_is_a_difference(controller, recorded):
    response = _api(controller).post(
        "/api/v1/claims/", _same(recorded, purchase_order_ref="BC-2"), format="json"
    )
    assert response.status_code == 409, response.json()
    assert response.json()["differences"] == [
        {"field": "Bon de commande", "recorded": "BC-1", "received": "BC-2"}
    ]


def test_a_reference_the_claim_lacked_is_added_and_the_claim_given_back(controller, recorded):
    response = _api(controller).post(
        "/api/v1/claims/", _same(recorded, contract_ref="CT-9"), format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == recorded.pk
    assert response.json()["contract_ref"] == "CT-9"
    recorded.refresh_from_db()
    assert recorded.contract_ref == "CT-9"
    assert recorded.history.first().history_change_reason.endswith("référence ajoutée (contrat)")


@pytest.mark.parametrize("same_facts", [True, False])
def test_a_claim_outside_the_portfolio_is_a_409_that_tells_nothing_about_it(controller, same_facts):
    """Same facts or not, the answer is the same: neither the claim, its dossier nor its
    figures are shown to a caller who may not read them."""
    colleague = UserFactory(username="collegue", role="controller")
    theirs = ClaimFactory(invoice_number="FA-8", creditor=CreditorFactory())
    work.dossier_assign(dossier=theirs.dossier, assignee=colleague, actor=None, reason="test")
    # The caller may not name the colleague's debtor; one of the same name (no SIREN) is the
    # same party for the comparison, as in a file.
    if same_facts:
        debtor = DebtorFactory(name=theirs.dossier.debtor.name, siren="", kind="unknown")
        body = _same(theirs, debtor=debtor.pk)
    else:
        body = _same(theirs, debtor=DebtorFactory().pk, amount="1250.00")
    before = _written()
    response = _api(controller).post("/api/v1/claims/", body, format="json")
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["claim"] is None and body["dossier"] is None
    assert body["dossier_reference"] == "" and body["differences"] == []
    assert "hors de votre portefeuille" in body["detail"]
    assert theirs.dossier.reference not in str(body)
    assert _written() == before


def test_a_bulk_push_with_a_known_invoice_is_a_409_per_item_and_writes_nothing(
    controller, recorded
):
    """``POST /api/v1/claims/bulk/``, all or nothing: an item repeating a recorded invoice with
    the same facts stands for that claim; an item with other facts makes the whole push a 409
    whose ``items`` give, by index, the differences; nothing of the push is written."""
    new = _same(recorded, invoice_number="FA-8")
    before = _written()
    response = _api(controller).post(
        "/api/v1/claims/bulk/",
        {"items": [new, _same(recorded, amount="1250.00")]},
        format="json",
    )
    assert response.status_code == 409, response.json()
    conflict = response.json()["items"]["1"]
    assert conflict["claim"] == recorded.pk
    assert conflict["differences"] == [
        {"field": "Montant", "recorded": "1\u00a0200,00 €", "received": "1\u00a0250,00 €"}
    ]
    assert _written() == before

    response = _api(controller).post(
        "/api/v1/claims/bulk/", {"items": [new, _same(recorded)]}, format="json"
    )
    assert response.status_code == 201, response.json()
    ids = [item["id"] for item in response.json()["items"]]
    assert ids[1] == recorded.pk and ids[0] != recorded.pk
    assert Claim.objects.filter(invoice_number="FA-8").count() == 1


def test_a_bulk_push_never_tells_of_another_portfolios_invoice(controller, recorded):
    other = UserFactory(username="autre-chargee", role="controller")
    work.dossier_assign(dossier=recorded.dossier, assignee=other, actor=None, reason="test")
    response = _api(controller).post(
        "/api/v1/claims/bulk/",
        {"items": [_same(recorded, debtor=DebtorFactory().pk, amount="1250.00")]},
        format="json",
    )
    assert response.status_code == 409, response.json()
    conflict = response.json()["items"]["0"]
    assert conflict["claim"] is None and conflict["differences"] == []
    assert recorded.dossier.reference not in conflict["detail"]
