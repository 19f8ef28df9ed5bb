"""ERP pushes: Idempotency-Key, bulk endpoints (all or nothing, errors per item), filters and
cursor pagination, e-invoicing lifecycle statuses."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from dossiers.models import Claim, Dispute, Dossier, Payment
from imports.models import IdempotencyKey, InvoiceStatusEvent
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(controller):
    client = APIClient()
    client.force_authenticate(controller)
    return client


def claim_payload(creditor, debtor, number="FA-1", amount="1200.00"):
    return {
        "creditor": creditor.pk,
        "debtor": debtor.pk,
        "invoice_number": number,
        "issue_date": "2026-09-01",
        "due_date": "2026-10-01",
        "amount": amount,
    }


def test_a_retried_push_creates_nothing_twice_and_replays_the_answer(api):
    creditor, debtor = CreditorFactory(), DebtorFactory()
    payload = claim_payload(creditor, debtor)
    first = api.post("/api/v1/claims/", payload, format="json", HTTP_IDEMPOTENCY_KEY="erp-42")
    second = api.post("/api/v1/claims/", payload, format="json", HTTP_IDEMPOTENCY_KEY="erp-42")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Claim.objects.count() == 1 and Dossier.objects.count() == 1

    other = api.post(
        "/api/v1/claims/",
        claim_payload(creditor, debtor, "FA-2"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="erp-42",
    )
    assert other.status_code == 422
    assert other.json()["detail"].startswith("Cette clé d'idempotence a déjà servi")
    assert Claim.objects.count() == 1


def test_a_refused_push_keeps_no_key_so_a_corrected_retry_goes_through(api):
    creditor, debtor = CreditorFactory(), DebtorFactory()
    bad = api.post(
        "/api/v1/claims/",
        claim_payload(creditor, debtor, amount="0"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="erp-43",
    )
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    payment_key = api.post(
        "/api/v1/claims/",
        claim_payload(creditor, debtor),
        format="json",
        HTTP_IDEMPOTENCY_KEY="erp-43",
    )
    assert payment_key.status_code == 201


def test_keys_belong_to_their_user(api, admin_user):
    creditor, debtor = CreditorFactory(), DebtorFactory()
    api.post(
        "/api/v1/claims/", claim_payload(creditor, debtor), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    other = APIClient()
    other.force_authenticate(admin_user)
    response = other.post(
        "/api/v1/claims/",
        claim_payload(creditor, debtor, "FA-9"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert response.status_code == 201


def test_bulk_claims_all_or_nothing_with_errors_per_item(api):
    # An open pool: the controller may add to the pair's new, unassigned dossier.
    creditor, debtor = CreditorFactory(unassigned_pool_open=True), DebtorFactory()
    items = [claim_payload(creditor, debtor, f"FA-{n}") for n in range(5)]
    items[1]["amount"] = "-3"
    items[3]["due_date"] = "2026-02-31"
    response = api.post("/api/v1/claims/bulk/", {"items": items}, format="json")
    assert response.status_code == 400
    errors = response.json()["items"]
    assert set(errors) == {"1", "3"}
    assert errors["1"] == {"amount": ["Le montant de la facture doit être strictement positif."]}
    assert errors["3"]["due_date"][0].startswith("La date n'a pas le bon format")
    assert Claim.objects.count() == 0

    # a duplicate inside the push is found when written: still nothing written
    items = [claim_payload(creditor, debtor, f"FA-{n}") for n in range(3)]
    items.append(claim_payload(creditor, debtor, "FA-1"))
    response = api.post("/api/v1/claims/bulk/", {"items": items}, format="json")
    assert response.status_code == 400
    assert response.json()["items"] == {
        "3": {"non_field_errors": ["Ce numéro de facture existe déjà pour ce créancier."]}
    }
    assert Claim.objects.count() == 0 and Dossier.objects.count() == 0

    items = items[:3]
    response = api.post(
        "/api/v1/claims/bulk/", {"items": items}, format="json", HTTP_IDEMPOTENCY_KEY="b1"
    )
    assert response.status_code == 201 and response.json()["count"] == 3
    again = api.post(
        "/api/v1/claims/bulk/", {"items": items}, format="json", HTTP_IDEMPOTENCY_KEY="b1"
    )
    assert again.json() == response.json()
    assert Claim.objects.count() == 3


def test_bulk_is_capped_at_1000_items(api):
    creditor, debtor = CreditorFactory(), DebtorFactory()
    items = [claim_payload(creditor, debtor, f"FA-{n}") for n in range(1001)]
    response = api.post("/api/v1/claims/bulk/", {"items": items}, format="json")
    assert response.status_code == 400
    assert Claim.objects.count() == 0


def test_bulk_payments(api, controller):
    claim = ClaimFactory(amount=Decimal("1000.00"))
    Dossier.objects.filter(pk=claim.dossier_id).update(assigned_to=controller)
    foreign = ClaimFactory(amount=Decimal("1000.00"))
    items = [
        {
            "dossier": claim.dossier_id,
            "amount": "300.00",
            "received_on": "2026-11-02",
            "reference": "V1",
        },
        {
            "dossier": claim.dossier_id,
            "amount": "200.00",
            "received_on": "2026-11-03",
            "reference": "V2",
        },
    ]
    response = api.post("/api/v1/payments/bulk/", {"items": items}, format="json")
    assert response.status_code == 201, response.json()
    claim.refresh_from_db()
    assert claim.outstanding == Decimal("500.00")
    items[1]["kind"] = "credit_note"
    items[1]["amount"] = "9000.00"
    response = api.post("/api/v1/payments/bulk/", {"items": items}, format="json")
    assert response.status_code == 400
    assert response.json()["items"]["1"] == {
        "amount": ["L'avoir dépasse le reste dû du dossier ; il ne peut pas être imputé."]
    }
    assert Payment.objects.count() == 2
    # A dossier the controller is not in charge of is refused, item by item, and nothing is kept.
    items = [dict(items[0], reference="V3"), dict(items[0], dossier=foreign.dossier_id)]
    response = api.post("/api/v1/payments/bulk/", {"items": items}, format="json")
    assert response.status_code == 400
    assert list(response.json()["items"]) == ["1"]
    assert Payment.objects.count() == 2


def test_cursor_pagination_walks_every_claim_once_and_filters_are_checked(api):
    # The controller works this creditor's open pool of unassigned dossiers.
    creditor = CreditorFactory(unassigned_pool_open=True)
    for n in range(7):
        ClaimFactory(creditor=creditor, invoice_number=f"FA-{n}")
    ClaimFactory(invoice_number="HORS-PERIMETRE")
    assert "HORS-PERIMETRE" not in [
        c["invoice_number"] for c in api.get("/api/v1/claims/").json()["results"]
    ]
    seen, url = [], "/api/v1/claims/?page_size=3&creditor=" + str(creditor.pk)
    while url:
        body = api.get(url).json()
        seen += [c["invoice_number"] for c in body["results"]]
        url = body["next"]
    assert sorted(seen) == [f"FA-{n}" for n in range(7)]
    assert api.get("/api/v1/claims/?due_before=2026-01-01").json()["results"] == []
    bad = api.get("/api/v1/claims/?creditor=abc&due_after=31/12/2026")
    assert bad.status_code == 400
    assert bad.json() == {
        "creditor": ["Identifiant invalide : un entier positif est attendu."],
        "due_after": ["Date invalide : utilisez le format AAAA-MM-JJ (2026-11-23)."],
    }
    assert api.get("/api/v1/dossiers/?creditor=99999999999999999999").status_code == 400
    assert api.get("/api/v1/claims/?cursor=nimportequoi").status_code == 404


def test_lifecycle_statuses_drive_the_claim(api):
    # An open pool: the controller may act on the unassigned dossier (writes scoped like reads).
    creditor, debtor = CreditorFactory(unassigned_pool_open=True), DebtorFactory()
    paid = ClaimFactory(
        creditor=creditor, debtor=debtor, invoice_number="E-1", amount=Decimal("800.00")
    )
    refused = ClaimFactory(creditor=creditor, debtor=debtor, invoice_number="E-2")
    url = "/api/v1/invoice-statuses/"
    body = {
        "creditor": creditor.pk,
        "invoice_number": "E-1",
        "status": "encaissee",
        "occurred_on": "2026-11-20",
        "amount": "800.00",
    }
    response = api.post(url, body, format="json")
    assert response.status_code == 201, response.json()
    paid.refresh_from_db()
    assert paid.outstanding == 0
    payment = Payment.objects.get()
    assert payment.allocations.get().claim == paid  # this invoice, not the oldest
    assert api.post(url, body, format="json").status_code == 200  # received twice: once
    assert Payment.objects.count() == 1

    response = api.post(
        url,
        {
            "claim": refused.pk,
            "status": "refusee",
            "occurred_on": "2026-11-21",
            "note": "Prestation non conforme",
        },
        format="json",
    )
    assert response.status_code == 201
    dispute = Dispute.objects.get()
    assert dispute.claim == refused and dispute.status == "open"
    assert refused.dossier.__class__.objects.get(pk=refused.dossier_id).state == "disputed"

    missing = api.post(
        url,
        {"status": "encaissee", "occurred_on": "2026-11-20", "claim": refused.pk},
        format="json",
    )
    assert missing.json() == {"amount": ["Le statut « Encaissée » porte le montant encaissé."]}


def test_a_rejected_invoice_is_cancelled_and_never_reminded(api):
    claim = ClaimFactory(invoice_number="E-3", creditor=CreditorFactory(unassigned_pool_open=True))
    response = api.post(
        "/api/v1/invoice-statuses/",
        {"claim": claim.pk, "status": "rejetee", "occurred_on": "2026-11-20"},
        format="json",
    )
    assert response.status_code == 201
    claim.refresh_from_db()
    assert claim.is_cancelled and claim.outstanding == 0
    dossier = Dossier.objects.get(pk=claim.dossier_id)
    assert dossier.is_closed and dossier.next_action_at is None
    assert (
        InvoiceStatusEvent.objects.get()
        .history.first()
        .history_change_reason.startswith("statut « Rejetée » reçu")
    )


def test_lifecycle_status_file(controller):
    from tests.imports.conftest import run_import

    creditor = CreditorFactory(unassigned_pool_open=True)  # the controller adds to its pool
    claim = ClaimFactory(creditor=creditor, invoice_number="E-1", amount=Decimal("100.00"))
    content = "Numéro de facture;Statut;Date du statut;Montant encaissé\nE-1;Encaissée;20/11/2026;100,00\n"  # noqa: E501
    batch = run_import("lifecycle", creditor, content, user=controller, name="statuts.csv")
    assert batch.status == "done", batch.errors
    claim.refresh_from_db()
    assert claim.outstanding == 0
    again = run_import("lifecycle", creditor, content, user=controller, name="statuts.csv")
    assert again.summary["done"] == {"create": 0, "unchanged": 1}
