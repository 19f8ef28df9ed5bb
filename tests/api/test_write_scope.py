"""Writes are scoped like reads (#19, item 4): a controller whose read of a dossier is a 404
cannot reach it by writing either — a claim, a payment, a lifecycle status, a Factur-X invoice
or a bulk push that would join another portfolio's dossier is refused in French and nothing is
written. The unassigned pool rule (docs/security.md) is followed through ``scoping``."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from dossiers.models import Claim, Debtor, Dossier, Payment
from dossiers.services import work
from imports.models import InvoiceStatusEvent
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory, UserFactory
from tests.imports.test_facturx import facturx_pdf

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def colleague(db):
    return UserFactory(username="collegue", role="controller")


@pytest.fixture
def theirs(colleague):
    """A dossier of the colleague's portfolio (the creditor's pool is closed)."""
    claim = ClaimFactory(creditor=CreditorFactory(), amount=Decimal("500.00"))
    return work.dossier_assign(
        dossier=claim.dossier, assignee=colleague, actor=None, reason="affectation"
    )


def _claim_payload(dossier, number="FA-INTRUS"):
    return {
        "creditor": dossier.creditor_id,
        "debtor": dossier.debtor_id,
        "invoice_number": number,
        "issue_date": "2026-09-01",
        "due_date": "2026-10-01",
        "amount": "99.00",
    }


def _counts():
    return (
        Claim.objects.count(),
        Payment.objects.count(),
        Dossier.objects.count(),
        InvoiceStatusEvent.objects.count(),
    )


def test_a_claim_joining_another_portfolios_dossier_is_refused_like_a_read(controller, theirs):
    api = _api(controller)
    assert api.get(f"/api/v1/dossiers/{theirs.pk}/").status_code == 404
    before = _counts()
    response = api.post("/api/v1/claims/", _claim_payload(theirs), format="json")
    assert response.status_code == 400, response.json()
    assert "n'existe pas" in str(response.json()["debtor"])
    assert set(response.json()) == {"debtor"}  # no dossier id, nothing about it
    assert _counts() == before


def test_a_claim_joining_a_dossier_of_a_known_debtor_in_another_portfolio_is_refused(
    controller, theirs
):
    """The debtor is in the controller's scope through another creditor's dossier; the pair's
    own dossier is the colleague's: refused, nothing written."""
    mine = ClaimFactory(creditor=CreditorFactory(), debtor=theirs.debtor)
    work.dossier_assign(dossier=mine.dossier, assignee=controller, actor=None, reason="affectation")
    before = _counts()
    response = _api(controller).post("/api/v1/claims/", _claim_payload(theirs), format="json")
    assert response.status_code == 400, response.json()
    assert "pas dans votre portefeuille" in str(response.json()["debtor"])
    assert _counts() == before


def test_a_bulk_push_with_one_claim_outside_the_portfolio_writes_nothing(controller, theirs):
    free = {**_claim_payload(theirs, "FA-OK"), "creditor": CreditorFactory().pk}
    free["debtor"] = DebtorFactory().pk  # a new debtor: no dossier yet, anyone may open one
    before = _counts()
    response = _api(controller).post(
        "/api/v1/claims/bulk/",
        {"items": [free, _claim_payload(theirs)]},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert set(response.json()["items"]) == {"1"}
    assert _counts() == before


def test_a_payment_into_another_portfolios_dossier_is_refused(controller, theirs):
    before = _counts()
    body = {"dossier": theirs.pk, "amount": "10.00", "received_on": "2026-11-02"}
    api = _api(controller)
    single = api.post("/api/v1/payments/", body, format="json")
    bulk = api.post("/api/v1/payments/bulk/", {"items": [body]}, format="json")
    assert single.status_code == 400 and "n'existe pas" in str(single.json()["dossier"])
    assert bulk.status_code == 400 and "n'existe pas" in str(bulk.json())
    assert _counts() == before


def test_a_manager_pays_only_into_the_portfolio_in_their_charge(manager, theirs):
    before = _counts()
    body = {"dossier": theirs.pk, "amount": "10.00", "received_on": "2026-11-02"}
    assert _api(manager).post("/api/v1/payments/", body, format="json").status_code == 400
    assert _counts() == before
    theirs.creditor.managers.add(manager)
    assert _api(manager).post("/api/v1/payments/", body, format="json").status_code == 201


@pytest.mark.parametrize("by", ["claim", "invoice_number"])
def test_a_lifecycle_status_on_another_portfolios_invoice_is_refused(controller, theirs, by):
    claim = theirs.claims.get()
    body = {"status": "encaissee", "occurred_on": "2026-11-02", "amount": "500.00"}
    if by == "claim":
        body["claim"] = claim.pk
    else:
        body.update(creditor=claim.creditor_id, invoice_number=claim.invoice_number)
    before = _counts()
    response = _api(controller).post("/api/v1/invoice-statuses/", body, format="json")
    assert response.status_code == 400, response.json()
    assert _counts() == before
    claim.refresh_from_db()
    assert claim.outstanding == Decimal("500.00")


def test_a_facturx_joining_another_portfolios_dossier_is_refused(controller, theirs):
    Debtor.objects.filter(pk=theirs.debtor_id).update(siren="542107651")  # the PDF's buyer
    before = _counts()
    pdf = facturx_pdf(seller_siren=theirs.creditor.siren, number="FA-FX-1")
    response = _api(controller).post(
        "/api/v1/einvoices/", {"file": SimpleUploadedFile("fa.pdf", pdf)}, format="multipart"
    )
    assert response.status_code == 400, response.json()
    assert "portefeuille" in str(response.json()["file"])
    assert _counts() == before


def test_a_debtor_of_another_portfolio_cannot_be_changed(controller, theirs):
    response = _api(controller).patch(
        f"/api/v1/debtors/{theirs.debtor_id}/", {"city": "Ailleurs"}, format="json"
    )
    assert response.status_code == 404
    assert Debtor.objects.get(pk=theirs.debtor_id).city == "Bordeaux"


# --- The unassigned pool rule ----------------------------------------------------------------


@pytest.fixture
def pooled():
    """An unassigned dossier (in its creditor's pool, closed for now)."""
    return ClaimFactory(creditor=CreditorFactory(), amount=Decimal("300.00")).dossier


def test_a_closed_pool_takes_no_claim_from_a_controller_and_an_open_one_does(
    controller, manager, pooled
):
    api = _api(controller)
    before = _counts()
    assert api.post("/api/v1/claims/", _claim_payload(pooled), format="json").status_code == 400
    assert _counts() == before
    pooled.creditor.unassigned_pool_open = True
    pooled.creditor.save(update_fields=["unassigned_pool_open"])
    response = api.post("/api/v1/claims/", _claim_payload(pooled), format="json")
    assert response.status_code == 201 and response.json()["dossier"] == pooled.pk


def test_the_pools_manager_and_an_admin_act_on_an_unassigned_dossier(manager, admin_user, pooled):
    pooled.creditor.managers.add(manager)
    body = {"dossier": pooled.pk, "amount": "10.00", "received_on": "2026-11-02"}
    assert _api(manager).post("/api/v1/payments/", body, format="json").status_code == 201
    response = _api(admin_user).post("/api/v1/claims/", _claim_payload(pooled), format="json")
    assert response.status_code == 201 and response.json()["dossier"] == pooled.pk


def test_a_first_invoice_for_a_new_pair_opens_a_dossier_in_the_pool(controller):
    """Anyone who records invoices for the creditor may open a new pair's dossier: it starts
    unassigned, in the creditor's pool, for its managers to assign."""
    creditor, debtor = CreditorFactory(), DebtorFactory()
    payload = {
        "creditor": creditor.pk,
        "debtor": debtor.pk,
        "invoice_number": "FA-NEUF",
        "issue_date": "2026-09-01",
        "due_date": "2026-10-01",
        "amount": "50.00",
    }
    assert _api(controller).post("/api/v1/claims/", payload, format="json").status_code == 201
    dossier = Dossier.objects.get(creditor=creditor, debtor=debtor)
    assert dossier.assigned_to is None
