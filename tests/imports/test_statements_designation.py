"""C. civ. 1342-10: the debtor of several debts chooses, when paying, the one he pays. The
invoices he names are settled first, even when older ones remain due — by the service, from a
bank statement's remittance text, on the manual payment form and through the API."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dossiers.models import Claim, Dossier, Payment
from dossiers.services import payment_record
from imports.statements import services
from imports.statements.models import BankTransaction
from tests.fixtures.statements import camt_entry, camt_file

pytestmark = pytest.mark.django_db


def _outstanding(number):
    return Claim.objects.get(invoice_number=number).outstanding


def test_the_named_invoice_is_settled_before_the_older_one(statement_world, controller):
    """Garage du Port owes FC-2026-0107 (350 €, due 01/10) and FC-2026-0108 (900 €, due 20/10):
    400 € naming FC-2026-0108 go 400 € on it; nothing on the older invoice."""
    payment = payment_record(
        dossier=statement_world.garage,
        amount=Decimal("400.00"),
        received_on=timezone.localdate(),
        actor=controller,
        invoices=["FC-2026-0108"],
    )
    assert [(a.claim.invoice_number, a.amount) for a in payment.allocations.all()] == [
        ("FC-2026-0108", Decimal("400.00"))
    ]
    assert _outstanding("FC-2026-0107") == Decimal("350.00")
    assert _outstanding("FC-2026-0108") == Decimal("500.00")
    assert "désignée(s) par le débiteur" in payment.history.first().history_change_reason


def test_what_is_left_once_the_named_invoice_is_paid_goes_to_the_oldest(
    statement_world, controller
):
    """1 000 € naming FC-2026-0108 (900 €): 900 € on it, the 100 € left on the oldest."""
    payment = payment_record(
        dossier=statement_world.garage,
        amount=Decimal("1000.00"),
        received_on=timezone.localdate(),
        actor=controller,
        invoices=["FC-2026-0108"],
    )
    assert sorted((a.claim.invoice_number, a.amount) for a in payment.allocations.all()) == [
        ("FC-2026-0107", Decimal("100.00")),
        ("FC-2026-0108", Decimal("900.00")),
    ]


def test_an_invoice_not_due_in_the_dossier_is_refused_nothing_written(statement_world, controller):
    with pytest.raises(ValidationError) as error:
        payment_record(
            dossier=statement_world.garage,
            amount=Decimal("100.00"),
            received_on=timezone.localdate(),
            actor=controller,
            invoices=["FA-2026-0041"],  # Moreau's invoice, not the garage's
        )
    assert "FA-2026-0041 : pas une facture restant due de ce dossier" in str(error.value)
    assert not Payment.objects.exists()


def test_a_statement_line_naming_a_younger_invoice_pays_that_invoice(statement_world, controller):
    content = camt_file(camt_entry("900.00", "D1", text="VIR GARAGE DU PORT FACTURE FC-2026-0108"))
    services.statement_import(content=content, name="designation.xml", actor=controller)
    row = BankTransaction.objects.get(bank_reference="D1")
    assert (row.status, row.rule, row.confidence) == (BankTransaction.Status.POSTED, "invoice", 95)
    assert "désignées par le débiteur" in row.reason
    assert _outstanding("FC-2026-0108") == 0
    assert _outstanding("FC-2026-0107") == Decimal("350.00")


def test_a_partial_payment_naming_an_invoice_is_confirmed_onto_it(
    statement_world, controller, manager
):
    statement_world.creditor.managers.add(manager)  # the person who confirms is in charge
    content = camt_file(camt_entry("300.00", "D2", text="ACOMPTE FC-2026-0108"))
    services.statement_import(content=content, name="acompte.xml", actor=controller)
    row = BankTransaction.objects.get(bank_reference="D2")
    assert row.status == BankTransaction.Status.PROPOSED  # amount differs: a person confirms
    services.transaction_confirm(row=row, actor=manager)
    assert _outstanding("FC-2026-0108") == Decimal("600.00")
    assert _outstanding("FC-2026-0107") == Decimal("350.00")


def test_the_payment_form_lets_the_controller_tick_the_invoices(
    client, statement_world, controller
):
    dossier = statement_world.garage
    Dossier.objects.filter(pk=dossier.pk).update(assigned_to=controller)
    client.force_login(controller)
    url = reverse("journee:payment", args=[dossier.pk])
    form = client.get(url).content.decode()
    assert "Factures désignées par le débiteur" in form
    assert 'value="FC-2026-0108"' in form and "checked" not in form  # nothing pre-ticked
    client.post(
        url,
        {
            "kind": "payment",
            "amount": "200",
            "received_on": timezone.localdate().isoformat(),
            "method": "transfer",
            "invoices": ["FC-2026-0108"],
        },
    )
    assert _outstanding("FC-2026-0108") == Decimal("700.00")
    assert _outstanding("FC-2026-0107") == Decimal("350.00")


def test_the_api_accepts_the_invoices_named(statement_world, admin_user):
    api = APIClient()
    api.force_authenticate(admin_user)
    body = {
        "dossier": statement_world.garage.pk,
        "amount": "900.00",
        "received_on": timezone.localdate().isoformat(),
        "invoices": ["FC-2026-0108"],
    }
    response = api.post("/api/v1/payments/", body, format="json")
    assert response.status_code == 201, response.json()
    assert [a["invoice_number"] for a in response.json()["allocations"]] == ["FC-2026-0108"]
    refused = api.post("/api/v1/payments/", {**body, "invoices": ["X-1"]}, format="json")
    assert refused.status_code == 400
    assert "X-1 : pas une facture restant due" in str(refused.json())
    assert Payment.objects.count() == 1
