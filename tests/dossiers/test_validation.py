"""Bad input is refused with a French message and changes nothing, whichever way it arrives:
the admin form, the API, a service, or a raw write to the database."""

import datetime
import html
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from dossiers import services
from dossiers.models import Claim, Creditor, Debtor, Dossier
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db

VALID_CREDITOR = {
    "legal_name": "Menuiserie Garnier SAS",
    "siren": "732829320",
    "address_line1": "5 rue Victor Hugo",
    "postal_code": "44000",
    "city": "Nantes",
    "country": "FR",
    "iban": "FR7630006000011234567890189",
    "bic": "AGRIFRPP",
    "contact_email": "compta@example.fr",
    "contact_phone": "01 99 00 20 20",
    "dpo_contact": "dpo@example.fr",
    "privacy_policy_url": "https://www.example.fr/rgpd",
    "legal_basis": "contract",
}


def _admin_post(client, user, model, data):
    client.force_login(user)
    return client.post(reverse(f"admin:dossiers_{model}_add"), data)


# --- SIREN ---------------------------------------------------------------------------------


def test_invalid_siren_refused_by_the_creditor_form(client, admin_user):
    response = _admin_post(client, admin_user, "creditor", {**VALID_CREDITOR, "siren": "732829321"})
    assert response.status_code == 200
    assert "n'est pas un numéro SIREN valide" in html.unescape(response.content.decode())
    assert not Creditor.objects.exists()


def test_valid_creditor_form_creates_the_creditor_with_history(client, admin_user):
    response = _admin_post(client, admin_user, "creditor", VALID_CREDITOR)
    assert response.status_code == 302
    creditor = Creditor.objects.get()
    assert creditor.history.get().history_user == admin_user


def test_invalid_siren_refused_by_the_api(controller):
    api = APIClient()
    api.force_authenticate(controller)
    response = api.post(
        "/api/v1/debtors/",
        {
            "kind": "professional",
            "name": "Garage Roux SARL",
            "siren": "123456789",
            "address_line1": "1 rue",
            "postal_code": "13001",
            "city": "Marseille",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "SIREN" in str(response.json()["siren"])
    assert not Debtor.objects.exists()


def test_invalid_siren_refused_by_the_service():
    with pytest.raises(ValidationError) as exc:
        services.debtor_create(
            actor=None,
            reason="test",
            kind="professional",
            name="Garage Roux SARL",
            siren="123456789",
            address_line1="1 rue",
            postal_code="13001",
            city="Marseille",
        )
    assert "n'est pas un numéro SIREN valide" in str(exc.value)


@pytest.mark.parametrize("bad", ["732829321", "73282932A", "7328293", "ABCDEFGHI"])
def test_invalid_siren_refused_by_the_database(bad):
    creditor = CreditorFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Creditor.objects.filter(pk=creditor.pk).update(siren=bad)
    creditor.refresh_from_db()
    assert creditor.siren != bad


def test_a_consumer_cannot_carry_a_siren():
    with pytest.raises(ValidationError) as exc:
        services.debtor_create(
            actor=None,
            reason="test",
            kind="consumer",
            name="Paul Girard",
            siren="732829320",
            address_line1="1 rue",
            postal_code="13001",
            city="Marseille",
        )
    assert "Un consommateur n'a pas de SIREN." in exc.value.messages


# --- IBAN ----------------------------------------------------------------------------------


def test_invalid_iban_refused_by_the_creditor_form(client, admin_user):
    data = {**VALID_CREDITOR, "iban": "FR7630006000011234567890188"}
    response = _admin_post(client, admin_user, "creditor", data)
    assert response.status_code == 200
    assert "n'est pas un IBAN valide" in html.unescape(response.content.decode())
    assert not Creditor.objects.exists()


def test_invalid_iban_refused_by_the_service():
    with pytest.raises(ValidationError) as exc:
        services.creditor_create(actor=None, **{**VALID_CREDITOR, "iban": "FR76 3000 6000 0112"})
    assert "n'est pas un IBAN valide" in str(exc.value)
    assert not Creditor.objects.exists()


@pytest.mark.parametrize("bad", ["fr7630006000011234567890189", "FR76 3000 6000", "12FR3000600001"])
def test_malformed_iban_refused_by_the_database(bad):
    creditor = CreditorFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Creditor.objects.filter(pk=creditor.pk).update(iban=bad)


# --- Amounts and dates ---------------------------------------------------------------------


def _claim_payload(creditor, debtor, **overrides):
    return {
        "creditor": creditor.pk,
        "debtor": debtor.pk,
        "invoice_number": "FA-2026-0042",
        "issue_date": "2026-09-01",
        "due_date": "2026-10-01",
        "amount": "1500.00",
        **overrides,
    }


def test_negative_amount_refused_by_the_api_and_nothing_written(controller):
    creditor, debtor = CreditorFactory(), DebtorFactory()
    api = APIClient()
    api.force_authenticate(controller)
    response = api.post(
        "/api/v1/claims/", _claim_payload(creditor, debtor, amount="-10.00"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["amount"] == ["Le montant de la facture doit être strictement positif."]
    assert not Claim.objects.exists()
    assert not Dossier.objects.exists()


def test_due_date_before_issue_date_refused_by_the_api(controller):
    creditor, debtor = CreditorFactory(), DebtorFactory()
    api = APIClient()
    api.force_authenticate(controller)
    response = api.post(
        "/api/v1/claims/", _claim_payload(creditor, debtor, due_date="2026-08-01"), format="json"
    )
    assert response.status_code == 400
    assert "ne peut pas précéder la date d'émission" in response.json()["due_date"][0]
    assert not Dossier.objects.exists()


def test_negative_amount_and_early_due_date_refused_by_the_claim_form(client, controller):
    creditor, debtor = CreditorFactory(), DebtorFactory()
    data = {**_claim_payload(creditor, debtor), "amount": "-5", "due_date": "2026-08-01"}
    response = _admin_post(client, controller, "claim", data)
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Le montant de la facture doit être strictement positif." in page
    assert "La date d'échéance ne peut pas précéder la date d'émission." in page
    assert not Claim.objects.exists() and not Dossier.objects.exists()


def test_claim_form_records_the_invoice_and_opens_the_dossier(client, controller):
    creditor, debtor = CreditorFactory(), DebtorFactory()
    response = _admin_post(client, controller, "claim", _claim_payload(creditor, debtor))
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.dossier.debtor == debtor and claim.outstanding == Decimal("1500.00")
    assert claim.history.get().history_user == controller


def test_negative_amount_refused_by_the_service():
    with pytest.raises(ValidationError) as exc:
        ClaimFactory(amount=Decimal("-1.00"))
    assert "Le montant de la facture doit être strictement positif." in exc.value.messages
    assert not Dossier.objects.exists()


def test_due_date_before_issue_date_refused_by_the_service():
    with pytest.raises(ValidationError) as exc:
        ClaimFactory(issue_date=datetime.date(2026, 9, 10), due_date=datetime.date(2026, 9, 9))
    assert "La date d'échéance ne peut pas précéder la date d'émission." in exc.value.messages


def test_amount_and_dates_refused_by_the_database():
    claim = ClaimFactory()
    for change in (
        {"amount": Decimal("-1")},
        {"outstanding": claim.amount + 1},
        {"due_date": claim.issue_date - datetime.timedelta(days=1)},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Claim.objects.filter(pk=claim.pk).update(**change)
    claim.refresh_from_db()
    assert claim.amount == Decimal("1200.00")


def test_invoice_number_is_unique_per_creditor_not_across_creditors():
    first = ClaimFactory(invoice_number="FA-1")
    ClaimFactory(invoice_number="FA-1")  # another creditor: allowed
    with pytest.raises(ValidationError) as exc:
        ClaimFactory(invoice_number="FA-1", creditor=first.creditor)
    assert "Ce numéro de facture existe déjà pour ce créancier." in exc.value.messages
