"""A Factur-X invoice built here with the ``factur-x`` library becomes a claim with the right
figures; the PDF is kept as evidence."""

import datetime
import hashlib
import io
from decimal import Decimal

import facturx
import pytest
from pypdf import PdfWriter
from rest_framework.test import APIClient

from dossiers import selectors
from dossiers.models import Claim, Debtor, Evidence
from tests.factories import CreditorFactory

pytestmark = pytest.mark.django_db


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def facturx_pdf(
    *, seller_siren: str, number="FA-2026-0042", due=datetime.date(2026, 10, 1)
) -> bytes:
    """An EN 16931 BASIC WL invoice: 1 000,00 € HT, VAT 20 %, 1 200,00 € due."""
    data = {
        "BT-24": "urn:factur-x.eu:1p0:basicwl",
        "BT-1": number,
        "BT-2": datetime.date(2026, 9, 1),
        "BT-3": "380",
        "BT-5": "EUR",
        "BG-4": {
            "name": "Fournitures Durand SAS",
            "legal_identifier": seller_siren,
            "legal_identifier_schemeid": "0002",
            "vat_identifier": "FR00" + seller_siren,
            "country_code": "FR",
            "postcode": "69002",
            "city": "Lyon",
            "addr_l1": "12 rue de la République",
        },
        "BG-7": {
            "name": "Boulangerie Moreau SARL",
            "legal_identifier": "542107651",
            "legal_identifier_schemeid": "0002",
            "country_code": "FR",
            "postcode": "33000",
            "city": "Bordeaux",
            "addr_l1": "3 place du Marché",
        },
        "BT-72": datetime.date(2026, 9, 1),
        "BT-106": "1000.00",
        "BT-109": "1000.00",
        "BT-110": "200.00",
        "BT-112": "1200.00",
        "BT-115": "1200.00",
        "BG-23": [{"BT-116": "1000.00", "BT-117": "200.00", "BT-118": "S", "BT-119": "20.00"}],
    }
    if due:
        data["BT-9"] = due
    xml = facturx.generate_cii_xml(data, check_schematron=False)
    return facturx.generate_from_binary(blank_pdf(), xml, check_xsd=True)


def test_a_facturx_pdf_becomes_a_claim_with_the_right_figures(controller, client):
    # The controller works this creditor's open pool: the new dossier is theirs to see.
    creditor = CreditorFactory(unassigned_pool_open=True)
    pdf = facturx_pdf(seller_siren=creditor.siren)
    client.force_login(controller)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/imports/factur-x/", {"file": SimpleUploadedFile("FA-2026-0042.pdf", pdf)}
    )
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/dossiers/{claim.dossier_id}/"
    assert (
        claim.invoice_number,
        claim.issue_date,
        claim.due_date,
        claim.amount,
        claim.outstanding,
    ) == (
        "FA-2026-0042",
        datetime.date(2026, 9, 1),
        datetime.date(2026, 10, 1),
        Decimal("1200.00"),
        Decimal("1200.00"),
    )
    debtor = claim.dossier.debtor
    assert (debtor.name, debtor.siren, debtor.kind, debtor.postal_code) == (
        "Boulangerie Moreau SARL",
        "542107651",
        Debtor.Kind.PROFESSIONAL,
        "33000",
    )
    evidence = Evidence.objects.get()
    assert evidence.claim == claim and evidence.kind == Evidence.Kind.INVOICE
    assert evidence.sha256 == hashlib.sha256(pdf).hexdigest()
    # A professional debtor: the 40 € indemnity and penalties from the day after the due date.
    figures = selectors.claim_legal_figures(
        selectors.claims_for_figures().get(pk=claim.pk), on=datetime.date(2026, 10, 2)
    )
    assert figures.days_overdue == 1
    assert figures.recovery_indemnity == Decimal("40.00")

    # The same PDF again changes nothing.
    client.post("/imports/factur-x/", {"file": SimpleUploadedFile("FA-2026-0042.pdf", pdf)})
    assert Claim.objects.count() == 1 and Evidence.objects.count() == 1


def test_a_facturx_outside_the_controllers_scope_leads_back_to_the_imports(controller, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    creditor = CreditorFactory()  # pool closed: the new dossier is not the controller's
    client.force_login(controller)
    pdf = facturx_pdf(seller_siren=creditor.siren)
    response = client.post("/imports/factur-x/", {"file": SimpleUploadedFile("fa.pdf", pdf)})
    assert response.status_code == 302 and response["Location"] == "/imports/"
    assert Claim.objects.count() == 1 and Evidence.objects.count() == 1


def test_the_api_takes_a_facturx_pdf(controller):
    # The pool is open: the second invoice joins the new (unassigned) dossier of the first.
    creditor = CreditorFactory(unassigned_pool_open=True)
    api = APIClient()
    api.force_authenticate(controller)
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = facturx_pdf(seller_siren=creditor.siren, number="FA-7", due=None)
    response = api.post(
        "/api/v1/einvoices/", {"file": SimpleUploadedFile("fa7.pdf", pdf)}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["invoice_number"], body["amount"], body["due_date"]) == (
        "FA-7",
        "1200.00",
        "2026-10-01",
    )
    assert "30 jours après l'émission" in Evidence.objects.get().description
    # Sent without a ".pdf" name, the invoice is still kept as its PDF evidence.
    pdf = facturx_pdf(seller_siren=creditor.siren, number="FA-8")
    response = api.post(
        "/api/v1/einvoices/", {"file": SimpleUploadedFile("facture-fa8", pdf)}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    kept = Evidence.objects.get(claim__invoice_number="FA-8")
    assert kept.file.name.endswith(".pdf") and kept.sha256 == hashlib.sha256(pdf).hexdigest()


def test_unknown_seller_and_plain_pdf_are_refused_in_french(controller, client):
    CreditorFactory()
    client.force_login(controller)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/imports/factur-x/",
        {"file": SimpleUploadedFile("x.pdf", facturx_pdf(seller_siren="732829320"))},
    )
    assert (
        "Le vendeur « Fournitures Durand SAS » (SIREN 732829320) n'est pas un créancier enregistré."
        in response.content.decode().replace("&#x27;", "'").replace("&laquo;", "«")
    )
    response = client.post("/imports/factur-x/", {"file": SimpleUploadedFile("y.pdf", blank_pdf())})
    assert "aucun XML joint" in response.content.decode()
    assert Claim.objects.count() == 0
