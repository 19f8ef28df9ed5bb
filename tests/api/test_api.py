"""The REST API: token and session authentication, roles, French errors, nothing half-written."""

import pytest
from rest_framework.test import APIClient

from accounts import tokens
from dossiers.models import Claim, Dossier, Payment
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(controller):
    client = APIClient()
    client.force_authenticate(controller)
    return client


def test_a_token_from_the_jetons_page_authenticates(client, controller):
    client.force_login(controller)
    page = client.post("/connexion/jetons/", {"name": "ERP", "days": 30}).content.decode()
    key = page.split('id="cle-jeton">', 1)[1].split("<", 1)[0]
    api = APIClient()
    assert api.get("/api/v1/dossiers/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/dossiers/").status_code == 200
    revoked = tokens.token_issue(user=controller, name="ancien", days=30)
    tokens.token_revoke(token=revoked.token, actor=controller)
    api.credentials(HTTP_AUTHORIZATION=f"Token {revoked.key}")
    assert api.get("/api/v1/dossiers/").status_code == 401


def test_anonymous_gets_a_french_refusal():
    response = APIClient().get("/api/v1/claims/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Informations d'authentification non fournies."


def test_claim_for_a_new_pair_opens_a_dossier_then_joins_it(api):
    # The new dossier is unassigned: the controller sees it through the creditor's open pool.
    creditor, debtor = CreditorFactory(unassigned_pool_open=True), DebtorFactory()
    payload = {
        "creditor": creditor.pk,
        "debtor": debtor.pk,
        "issue_date": "2026-09-01",
        "due_date": "2026-10-01",
        "amount": "980.40",
    }
    first = api.post("/api/v1/claims/", {**payload, "invoice_number": "FA-100"}, format="json")
    second = api.post("/api/v1/claims/", {**payload, "invoice_number": "FA-101"}, format="json")
    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["dossier"] == second.json()["dossier"]
    dossier = Dossier.objects.get()
    assert (dossier.creditor, dossier.debtor, dossier.state) == (creditor, debtor, "open")
    assert first.json()["outstanding"] == "980.40"

    listed = api.get(f"/api/v1/dossiers/{dossier.pk}/").json()
    assert listed["balance"] == "1960.80" and listed["state_label"] == "Ouvert"


def test_duplicate_invoice_number_with_other_facts_is_a_409_and_nothing_is_written(api):
    claim = ClaimFactory(invoice_number="FA-7")
    response = api.post(
        "/api/v1/claims/",
        {
            "creditor": claim.creditor.pk,
            "debtor": DebtorFactory().pk,
            "invoice_number": "FA-7",
            "issue_date": "2026-09-01",
            "due_date": "2026-10-01",
            "amount": "10.00",
        },
        format="json",
    )
    # (The claim's dossier is not the controller's: told without it, tests/api/
    # test_claim_conflicts.py.)
    assert response.status_code == 409
    assert "FA-7 est déjà enregistrée pour ce créancier" in response.json()["detail"]
    assert Claim.objects.count() == 1 and Dossier.objects.count() == 1


def test_missing_fields_are_named_in_french(api):
    response = api.post("/api/v1/claims/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["invoice_number"] == ["Ce champ est obligatoire."]


def test_payment_through_the_api_is_allocated(api, controller):
    claim = ClaimFactory()
    claim.dossier.assigned_to = controller
    claim.dossier.save(update_fields=["assigned_to"])
    response = api.post(
        "/api/v1/payments/",
        {
            "dossier": claim.dossier.pk,
            "amount": "200.00",
            "received_on": "2026-11-02",
            "method": "cheque",
            "reference": "CHQ 1234567",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["allocations"] == [
        {"claim": claim.pk, "invoice_number": claim.invoice_number, "amount": "200.00"}
    ]
    claim.refresh_from_db()
    assert str(claim.outstanding) == "1000.00"


def test_debtor_created_with_its_contacts(api):
    response = api.post(
        "/api/v1/debtors/",
        {
            "kind": "consumer",
            "name": "Lucie Fontaine",
            "address_line1": "4 rue des Lilas",
            "postal_code": "31000",
            "city": "Toulouse",
            "contacts": [{"role": "collection", "email": "lucie.fontaine@example.fr"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["contacts"][0]["email"] == "lucie.fontaine@example.fr"


def test_debtor_contact_without_email_nor_phone_refused_and_debtor_not_created(api):
    response = api.post(
        "/api/v1/debtors/",
        {
            "kind": "consumer",
            "name": "Lucie Fontaine",
            "address_line1": "4 rue des Lilas",
            "postal_code": "31000",
            "city": "Toulouse",
            "contacts": [{"role": "billing"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "Un contact doit avoir un e-mail ou un téléphone." in str(response.json())
    assert not DebtorFactory._meta.model.objects.exists()


def test_dpo_reads_debtors_but_cannot_record_claims_or_list_payments(dpo):
    client = APIClient()
    client.force_authenticate(dpo)
    assert client.get("/api/v1/debtors/").status_code == 200
    assert client.get("/api/v1/payments/").status_code == 403
    response = client.post("/api/v1/claims/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Votre rôle ne permet pas cette opération."


def test_manager_may_record_a_payment_but_not_a_claim(manager):
    client = APIClient()
    client.force_authenticate(manager)
    assert client.post("/api/v1/claims/", {}, format="json").status_code == 403
    claim = ClaimFactory()
    claim.dossier.creditor.managers.add(manager)
    response = client.post(
        "/api/v1/payments/",
        {"dossier": claim.dossier.pk, "amount": "1.00", "received_on": "2026-11-02"},
        format="json",
    )
    assert response.status_code == 201
    assert Payment.objects.get().method == "transfer"


@pytest.mark.parametrize("count", [3, 30])
def test_list_endpoints_use_a_constant_number_of_queries(api, count, django_assert_max_num_queries):
    creditor = CreditorFactory()
    for _ in range(count):
        ClaimFactory(creditor=creditor)
    for url, budget in (
        ("/api/v1/dossiers/", 4),
        # count, claims, allocations, plans, prescription acts, legal and ECB rates.
        ("/api/v1/claims/", 7),
        ("/api/v1/debtors/", 5),
        ("/api/v1/payments/", 6),
    ):
        with django_assert_max_num_queries(budget):
            assert api.get(url).status_code == 200


def test_schema_declares_the_figures_that_may_be_null(api):
    """The OpenAPI schema says which claim figures can be null (no formal notice known, no
    prescription during a mediation) and the lower-bound fields (docs/legal.md, *Never carried
    forward*)."""
    schema = api.get("/api/schema/?format=json").json()
    claim = schema["components"]["schemas"]["Claim"]["properties"]
    for name in ("formal_notice_on", "late_penalties", "legal_interest", "total_due"):
        assert claim[name].get("nullable") is True, name
        assert claim[name].get("readOnly") is True, name
    assert claim["computed_until"].get("nullable") is True
    assert claim["is_lower_bound"]["type"] == "boolean"
    assert claim["missing_rates"]["type"] == "array"
    assert claim["formal_notice_premature"]["type"] == "boolean"
    assert not claim["days_overdue"].get("nullable")


def test_schema_and_docs_are_served(api, client, controller):
    assert api.get("/api/schema/").status_code == 200
    client.force_login(controller)
    assert client.get("/api/docs/").status_code == 200
