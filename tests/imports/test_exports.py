"""Exports of dossiers and claims with the legal figures."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from dossiers import services
from tests.factories import ClaimFactory, CreditorFactory

pytestmark = pytest.mark.django_db


def test_claims_csv_carries_the_legal_figures(client, manager):
    services.ecb_rate_add(
        effective_from=date(2026, 7, 1), rate_percent="2.15", source="test", actor=None
    )
    claim = ClaimFactory(creditor=CreditorFactory(), amount=Decimal("1000.00"))
    claim.creditor.managers.add(manager)  # a manager exports their portfolio (scoping)
    client.force_login(manager)
    response = client.get(
        "/imports/export/", {"what": "creances", "format": "csv", "on": "2026-11-23"}
    )
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    header, line = text.splitlines()[:2]
    assert header.startswith("Créancier;Dossier;État du dossier;Débiteur;SIREN")
    cells = dict(zip(header.split(";"), line.split(";"), strict=True))
    assert cells["Facture"] == claim.invoice_number
    assert cells["Montant TTC"] == "1000,00"
    assert cells["Jours de retard"] == "53"
    assert cells["Indemnité forfaitaire"] == "40,00"
    assert cells["Calculé au"] == "23/11/2026"
    # 1 000 × (2,15 + 10) % × 53 / 365 = 17,64 (C. com. L441-10 II)
    assert cells["Pénalités de retard"] == "17,64"
    assert cells["Total dû"] == "1057,64"


def test_without_the_rates_of_a_half_year_the_export_says_where_the_figures_stop(client, manager):
    """C. com. L441-10 II (docs/legal.md, *Never carried forward*): no ECB rate for 01/07/2026;
    1 000 € due 15/06/2026, exported on 23/11/2026: penalties to 30/06/2026 only, 1 000 ×
    12,15 % × 15/365 = 4,99, total at least 1 044,99; « Calculé au » says 30/06/2026."""
    claim = ClaimFactory(
        creditor=CreditorFactory(),
        amount=Decimal("1000.00"),
        issue_date=date(2026, 5, 16),
        due_date=date(2026, 6, 15),
    )
    claim.creditor.managers.add(manager)  # a manager exports their portfolio (scoping)
    client.force_login(manager)
    response = client.get(
        "/imports/export/", {"what": "creances", "format": "csv", "on": "2026-11-23"}
    )
    header, line = response.content.decode("utf-8-sig").splitlines()[:2]
    cells = dict(zip(header.split(";"), line.split(";"), strict=True))
    assert cells["Pénalités de retard"] == "4,99"
    assert cells["Total dû"] == "1044,99"
    assert cells["Calculé au"] == "30/06/2026"


def test_dossiers_xlsx_sums_the_figures_and_controllers_see_only_theirs(
    client, controller, manager
):
    claim = ClaimFactory(amount=Decimal("1000.00"))
    claim.creditor.managers.add(manager)  # a manager exports their portfolio (scoping)
    ClaimFactory(amount=Decimal("500.00"))  # another portfolio's: not exported
    client.force_login(manager)
    response = client.get("/imports/export/", {"what": "dossiers", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Dossier", "Créancier", "Débiteur", "SIREN", "État")
    assert len(rows) == 2
    assert rows[1][11] == 40  # Indemnités forfaitaires
    client.force_login(controller)
    response = client.get("/imports/export/", {"what": "dossiers", "format": "xlsx"})
    assert len(list(load_workbook(io.BytesIO(response.content)).active.iter_rows())) == 1


def test_collected_invoices_export_status_212_since_a_date(
    client, manager, django_assert_max_num_queries
):
    """E-invoicing lifecycle: status 212 « Encaissée », with the amount and the date, for the
    creditor's platform; credit notes, older payments and statuses that came from the platform
    are left out."""
    from django.utils import timezone

    from dossiers.models import Payment

    today = timezone.localdate()
    creditor = CreditorFactory(siren="552100554")
    creditor.managers.add(manager)
    paid = ClaimFactory(creditor=creditor, amount=Decimal("300.00"), invoice_number="FA-212")
    part = ClaimFactory(creditor=creditor, amount=Decimal("500.00"), invoice_number="FA-213")
    services.payment_record(
        dossier=paid.dossier,
        amount=Decimal("300.00"),
        received_on=today,
        actor=None,
        reference="VIR 1",
    )
    services.payment_record(
        dossier=part.dossier, amount=Decimal("120.00"), received_on=today, actor=None
    )
    services.payment_record(
        dossier=part.dossier,
        amount=Decimal("30.00"),
        received_on=today,
        actor=None,
        kind=Payment.Kind.CREDIT_NOTE,
    )
    services.payment_record(
        dossier=part.dossier,
        amount=Decimal("10.00"),
        received_on=today,
        actor=None,
        reference="Encaissée FA-213",
    )
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        response = client.get(
            "/imports/export/",
            {"what": "encaissees", "format": "csv", "since": today.isoformat()},
        )
    assert response.status_code == 200
    assert "encaissees-212-depuis" in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith(
        "SIREN du vendeur;Créancier;Numéro de facture;Date d'émission;Code statut"
    )
    rows = [dict(zip(lines[0].split(";"), line.split(";"), strict=True)) for line in lines[1:]]
    assert [
        (
            r["Numéro de facture"],
            r["Code statut"],
            r["Statut"],
            r["Montant encaissé"],
            r["Facture soldée"],
        )
        for r in rows
    ] == [
        ("FA-212", "212", "Encaissée", "300,00", "oui"),
        ("FA-213", "212", "Encaissée", "120,00", "non"),
    ]
    assert rows[0]["SIREN du vendeur"] == "552100554"
    assert rows[0]["Date d'encaissement"] == f"{today:%d/%m/%Y}"
    # Without a start date: a French error, nothing exported.
    refused = client.get("/imports/export/", {"what": "encaissees", "format": "csv"})
    assert refused.status_code == 400
    assert "Indiquez depuis quelle date" in refused.content.decode()
