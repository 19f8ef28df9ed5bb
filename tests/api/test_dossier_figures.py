"""A dossier's figures through the API (``GET /api/v1/dossiers/{id}/?on=``): principal,
penalties, indemnity, legal interest, what was received on the accessories and the total due,
on worked examples (docs/legal.md §11, *Where the figures show*)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.dossiers.test_accessories import _invoice, _pay
from tests.factories import ConsumerFactory, CreditorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def _figures(body: dict) -> dict:
    keys = (
        "principal",
        "late_penalties",
        "recovery_indemnity",
        "legal_interest",
        "accessories_paid",
        "total_due",
    )
    return {key: body[key] for key in keys}


def test_an_unpaid_professional_dossier(api):
    """C. com. L441-10 II, D441-5: 1 000 € due 31/01/2026, at 03/03/2026: 1 000 × 12,15 % ×
    31/365 = 10,32 € of penalties, 40 € of indemnity, 1 050,32 € due."""
    claim = _invoice()
    body = api.get(f"/api/v1/dossiers/{claim.dossier_id}/?on=2026-03-03").json()
    assert body["figures_on"] == "2026-03-03"
    assert _figures(body) == {
        "principal": "1000.00",
        "late_penalties": "10.32",
        "recovery_indemnity": "40.00",
        "legal_interest": "0.00",
        "accessories_paid": "0.00",
        "total_due": "1050.32",
    }
    assert body["is_lower_bound"] is False and body["computed_until"] is None


def test_accessories_due_after_the_principal_then_partly_paid(api, controller):
    """Paid 03/03/2026: « Accessoires dus », principal 0, 50,32 € due; 20 € received on
    05/03/2026 leave 30,32 € (docs/legal.md §11)."""
    claim = _invoice()
    _pay(claim.dossier, "1000.00", datetime.date(2026, 3, 3), controller)
    url = f"/api/v1/dossiers/{claim.dossier_id}/?on=2026-04-01"
    body = api.get(url).json()
    assert (body["state"], body["state_label"]) == ("accessories", "Accessoires dus")
    assert body["accessories_since"] == "2026-03-03"
    assert _figures(body) == {
        "principal": "0.00",
        "late_penalties": "10.32",
        "recovery_indemnity": "40.00",
        "legal_interest": "0.00",
        "accessories_paid": "0.00",
        "total_due": "50.32",
    }
    _pay(claim.dossier, "20.00", datetime.date(2026, 3, 5), controller)
    body = api.get(url).json()
    assert (body["accessories_paid"], body["total_due"]) == ("20.00", "30.32")


def test_a_dossier_closed_as_paid_owes_nothing(api, controller):
    """Accessories waived by the creditor's policy: closed as « Payé », total due 0 (the
    penalties and the indemnity computed are shown, not claimed)."""
    claim = _invoice(creditor=CreditorFactory(waives_accessories=True))
    _pay(claim.dossier, "1000.00", datetime.date(2026, 3, 3), controller)
    body = api.get(f"/api/v1/dossiers/{claim.dossier_id}/?on=2026-04-01").json()
    assert body["state"] == "paid"
    assert (body["principal"], body["total_due"]) == ("0.00", "0.00")
    assert body["recovery_indemnity"] == "40.00"
    assert "Dossier soldé le 03/03/2026 : rien n'est plus dû." in body["figures_notes"]


def test_a_consumer_dossier_has_no_penalty_nor_indemnity(api):
    """C. com. L441-10 II binds professionals; no formal notice: no legal interest."""
    claim = _invoice(debtor=ConsumerFactory())
    body = api.get(f"/api/v1/dossiers/{claim.dossier_id}/?on=2026-03-03").json()
    assert _figures(body) == {
        "principal": "1000.00",
        "late_penalties": "0.00",
        "recovery_indemnity": "0.00",
        "legal_interest": "0.00",
        "accessories_paid": "0.00",
        "total_due": "1000.00",
    }


def test_a_missing_rate_makes_the_dossier_total_a_lower_bound(api):
    """C. com. L441-10 II: 1 000 € due 31/05/2026, at 30/09/2026, no ECB rate for 01/07/2026:
    1 000 × 12,15 % × 30/365 = 9,99 € to 30/06/2026; at least 1 049,99 € due."""
    claim = _invoice(due=datetime.date(2026, 5, 31))
    body = api.get(f"/api/v1/dossiers/{claim.dossier_id}/?on=2026-09-30").json()
    assert (body["late_penalties"], body["total_due"]) == ("9.99", "1049.99")
    assert body["is_lower_bound"] is True
    assert body["computed_until"] == "2026-06-30"
    assert body["missing_rates"][0].startswith("Taux BCE de refinancement manquant")


def test_the_dossier_list_computes_figures_in_a_fixed_number_of_queries(api, controller):
    creditor = CreditorFactory()
    _invoice(creditor=creditor)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api.get("/api/v1/dossiers/?on=2026-03-03")
        assert response.status_code == 200
        return len(captured)

    count()  # warm what is cached per process
    few = count()
    for n in range(5):
        claim = _invoice(creditor=creditor, due=datetime.date(2026, 1, 10 + n))
        _pay(claim.dossier, "300.00", datetime.date(2026, 2, 1), controller)
    assert count() == few


def test_a_bad_date_is_a_french_400(api):
    claim = _invoice()
    response = api.get(f"/api/v1/dossiers/{claim.dossier_id}/?on=31/12/2026")
    assert response.status_code == 400
    assert "invalide" in response.json()["on"][0]


def test_the_schema_declares_the_figures_that_may_be_null(api):
    schema = api.get("/api/schema/?format=json").json()
    dossier = schema["components"]["schemas"]["Dossier"]["properties"]
    for name in ("late_penalties", "legal_interest", "total_due", "computed_until"):
        assert dossier[name].get("nullable") is True, name
