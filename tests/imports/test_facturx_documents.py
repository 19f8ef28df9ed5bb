"""Factur-X document types and profiles, from CII XML written here from the specification
(tests/data/facturx/: MINIMUM, BASIC WL, BASIC, EN 16931, EXTENDED; types 380, 381, 384, 389),
embedded into a PDF/A-3 with the ``factur-x`` library: an invoice known with other facts is a
conflict (page and API), never silently the earlier claim; credit notes reduce the debt;
corrective invoices replace the invoice they correct; self-billed invoices keep their roles;
a seller is found by SIREN or VAT number; names come on one line."""

import datetime
import hashlib
import io
from decimal import Decimal
from pathlib import Path

import facturx
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from rest_framework.test import APIClient

from dossiers.models import Claim, Creditor, Debtor, Evidence, Payment
from imports.facturx_invoice import read_xml
from legal.formatting import euros
from tests.factories import CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data" / "facturx"
LEVELS = {
    "minimum-380": "minimum",
    "basicwl-381": "basicwl",
    "basic-384": "basic",
    "en16931-389": "en16931",
    "extended-380": "extended",
}


def xml(name: str, **replace) -> bytes:
    text = (DATA / f"{name}.xml").read_text()
    for old, new in replace.items():
        text = text.replace(old, new)
    return text.encode()


def pdf(name: str, *, title: str = "", **replace) -> bytes:
    """The XML embedded into a PDF/A-3 (checked against the profile's XSD)."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if title:
        writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return facturx.generate_from_binary(
        buffer.getvalue(), xml(name, **replace), level=LEVELS[name], check_xsd=True
    )


@pytest.fixture
def seller():
    return CreditorFactory(siren="732829320", unassigned_pool_open=True)


@pytest.fixture
def buyer():
    return DebtorFactory(name="Boulangerie Moreau SARL", siren="542107651")


def post(client, content: bytes, name="facture.pdf"):
    return client.post("/imports/factur-x/", {"file": SimpleUploadedFile(name, content)})


def api_post(user, content: bytes, name="facture.pdf"):
    api = APIClient()
    api.force_authenticate(user)
    return api.post(
        "/api/v1/einvoices/", {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )


def page(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&nbsp;", "\u00a0")


@pytest.mark.parametrize(
    "name, type_code, number, amount, preceding",
    [
        ("minimum-380", "380", "FX-MIN-0001", "600.00", ()),
        ("basicwl-381", "381", "FX-AV-0001", "120.00", ("FX-MIN-0001",)),
        ("basic-384", "384", "FX-RECT-0001", "480.00", ("FX-MIN-0001",)),
        ("en16931-389", "389", "FX-AUTO-0001", "1200.00", ()),
        ("extended-380", "380", "FX-EXT-0001", "1500.00", ()),
    ],
)
def test_every_profile_is_read_with_its_document_type(name, type_code, number, amount, preceding):
    assert facturx.xml_check_xsd(xml(name), flavor="factur-x", level=LEVELS[name])
    invoice = read_xml(xml(name))
    assert (invoice.type_code, invoice.number, invoice.amount, invoice.preceding) == (
        type_code,
        number,
        Decimal(amount),
        preceding,
    )
    assert invoice.seller.siren == "732829320"


def test_a_minimum_invoice_for_a_known_buyer_becomes_a_claim(controller, client, seller, buyer):
    client.force_login(controller)
    content = pdf("minimum-380")
    response = post(client, content)
    claim = Claim.objects.get()
    assert response.status_code == 302, page(response)
    assert (claim.invoice_number, claim.amount, claim.dossier.debtor) == (
        "FX-MIN-0001",
        Decimal("600.00"),
        buyer,
    )
    assert claim.due_date == datetime.date(2026, 10, 1)  # 30 days: no due date in MINIMUM
    assert Evidence.objects.get().sha256 == hashlib.sha256(content).hexdigest()


def test_the_same_number_with_other_dates_is_a_conflict_not_the_earlier_claim(
    controller, client, seller, buyer
):
    client.force_login(controller)
    post(client, pdf("minimum-380"))
    # Same number, same amount, another year: the page shows the differences, nothing is kept.
    later = pdf("minimum-380", **{"20260901": "20240901"})
    response = post(client, later, name="FX-MIN-0001-2024.pdf")
    text = page(response)
    assert response.status_code == 409
    assert "Conflit avec la facture FX-MIN-0001 déjà enregistrée" in text
    assert "Date d'émission" in text and "01/09/2026" in text and "01/09/2024" in text
    assert Claim.objects.get().issue_date == datetime.date(2026, 9, 1)
    assert Evidence.objects.count() == 1
    # The API answers 409 with the differences, never 200 with the 2026 claim.
    response = api_post(controller, later)
    assert response.status_code == 409
    body = response.json()
    assert body["claim"] == Claim.objects.get().pk
    assert {"field": "Date d'émission", "recorded": "01/09/2026", "received": "01/09/2024"} in (
        body["differences"]
    )
    assert "Date d'échéance" in {d["field"] for d in body["differences"]}


def test_another_document_or_amount_or_debtor_is_a_conflict(controller, seller, buyer):
    assert api_post(controller, pdf("minimum-380")).status_code == 201
    # The same figures in another PDF (another document) …
    response = api_post(controller, pdf("minimum-380", title="autre exemplaire"))
    assert response.status_code == 409
    assert [d["field"] for d in response.json()["differences"]] == ["Document (PDF)"]
    # … another amount, another debtor.
    other = DebtorFactory(siren="443061841")
    response = api_post(
        controller,
        pdf("minimum-380", **{">600.00<": ">700.00<", "542107651": other.siren}),
    )
    fields = {d["field"]: d for d in response.json()["differences"]}
    assert response.status_code == 409 and set(fields) >= {"Montant TTC", "Débiteur"}
    assert fields["Montant TTC"]["recorded"] == euros(Decimal("600.00"))
    assert Claim.objects.count() == 1 and Evidence.objects.count() == 1


def test_the_same_invoice_twice_is_idempotent_and_its_pdf_kept(controller, seller, buyer):
    content = pdf("minimum-380")
    first = api_post(controller, content)
    again = api_post(controller, content)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Claim.objects.count() == 1 and Evidence.objects.count() == 1


def test_a_conflict_in_a_dossier_the_user_may_not_see_is_not_revealed(
    controller, admin_user, client, buyer
):
    CreditorFactory(siren="732829320")  # pool closed: the first dossier is not the controller's
    api_post(admin_user, pdf("minimum-380"))
    client.force_login(controller)
    claim = Claim.objects.get()
    response = post(client, pdf("minimum-380", **{"20260901": "20240901"}))
    text = page(response)
    assert response.status_code == 409
    assert "hors de votre portefeuille" in text
    assert claim.dossier.reference not in text and "01/09/2026" not in text
    response = api_post(controller, pdf("minimum-380", **{"20260901": "20240901"}))
    assert response.status_code == 409
    assert response.json()["differences"] == [] and response.json()["claim"] is None


def test_a_credit_note_reduces_the_invoice_it_cites(controller, seller, buyer):
    api_post(controller, pdf("minimum-380"))
    response = api_post(controller, pdf("basicwl-381"))
    assert response.status_code == 201, response.json()
    claim = Claim.objects.get()
    assert claim.outstanding == Decimal("480.00")
    credit = Payment.objects.get()
    assert (credit.kind, credit.amount, credit.received_on, credit.reference) == (
        Payment.Kind.CREDIT_NOTE,
        Decimal("120.00"),
        datetime.date(2026, 9, 15),
        "Avoir FX-AV-0001",
    )
    assert "imputé" in response.json()["message"]
    assert Evidence.objects.filter(claim=claim).count() == 2
    # Twice: unchanged.
    assert api_post(controller, pdf("basicwl-381")).status_code == 200
    assert Payment.objects.count() == 1
    # The same number with another amount: a conflict.
    response = api_post(controller, pdf("basicwl-381", **{"120.00": "130.00"}))
    assert response.status_code == 409
    # More than is still due: refused, the surplus is the seller's to refund.
    response = api_post(
        controller,
        pdf("basicwl-381", **{"FX-AV-0001": "FX-AV-0002", ">120.00<": ">900.00<"}),
    )
    assert response.status_code == 400
    assert "dépasse ce qui reste dû" in response.json()["file"][0]
    assert Claim.objects.get().outstanding == Decimal("480.00")


def test_a_credit_note_for_an_unknown_invoice_is_refused_in_french(controller, seller, buyer):
    response = api_post(controller, pdf("basicwl-381"))
    assert response.status_code == 400
    assert "FX-MIN-0001, inconnue pour ce créancier" in response.json()["file"][0]
    assert not Payment.objects.exists()


def test_a_corrective_invoice_replaces_the_invoice_it_corrects(controller, seller, buyer):
    api_post(controller, pdf("minimum-380"))
    response = api_post(controller, pdf("basic-384"))
    assert response.status_code == 201, response.json()
    original = Claim.objects.get(invoice_number="FX-MIN-0001")
    corrective = Claim.objects.get(invoice_number="FX-RECT-0001")
    assert original.is_cancelled and original.outstanding == 0
    assert "remplacée par la facture rectificative FX-RECT-0001" in original.cancellation_reason
    assert (corrective.amount, corrective.outstanding, corrective.due_date) == (
        Decimal("480.00"),
        Decimal("480.00"),
        datetime.date(2026, 10, 31),
    )
    assert corrective.dossier_id == original.dossier_id
    assert not corrective.dossier.is_closed
    assert api_post(controller, pdf("basic-384")).status_code == 200


def test_a_negative_corrective_invoice_is_a_reduction_never_a_zero_amount(
    controller, seller, buyer
):
    api_post(controller, pdf("minimum-380"))
    negative = {">400.00<": ">-100.00<", ">80.00<": ">-20.00<", ">480.00<": ">-120.00<"}
    negative |= {">10.00<": ">-2.50<"}
    response = api_post(controller, pdf("basic-384", **negative))
    assert response.status_code == 201, response.json()
    assert "nul" not in response.json()["message"]
    assert Claim.objects.get().outstanding == Decimal("480.00")
    assert Payment.objects.get().reference == "Rectificative FX-RECT-0001"


def test_a_corrective_invoice_of_an_invoice_already_paid_in_part_is_refused(
    controller, seller, buyer
):
    from dossiers import services

    api_post(controller, pdf("minimum-380"))
    claim = Claim.objects.get()
    services.payment_record(
        dossier=claim.dossier,
        amount=Decimal("100.00"),
        received_on=datetime.date(2026, 10, 5),
        actor=controller,
        reference="VIR-1",
    )
    response = api_post(controller, pdf("basic-384"))
    assert response.status_code == 400
    assert f"a déjà reçu {euros(Decimal('100.00'))}" in response.json()["file"][0]
    assert Claim.objects.count() == 1


def test_a_corrective_invoice_citing_nothing_known_is_refused(controller, seller, buyer):
    response = api_post(controller, pdf("basic-384"))
    assert response.status_code == 400
    assert "corrige la facture FX-MIN-0001, inconnue" in response.json()["file"][0]


def test_a_self_billed_invoice_keeps_the_seller_as_creditor_and_says_who_issued_it(
    controller, seller, buyer
):
    response = api_post(controller, pdf("en16931-389"))
    assert response.status_code == 201, response.json()
    claim = Claim.objects.get()
    assert (claim.creditor, claim.dossier.debtor, claim.amount) == (
        seller,
        buyer,
        Decimal("1200.00"),
    )
    assert "Autofacture : émise par le client « Boulangerie Moreau SARL »" in (
        Evidence.objects.get().description
    )


def test_a_self_billed_invoice_where_the_creditor_is_the_buyer_is_refused(admin_user):
    # The creditor bought: its own self-billed invoice states its debt, not a claim.
    CreditorFactory(siren="542107651")
    response = api_post(admin_user, pdf("en16931-389"))
    assert response.status_code == 400
    assert "dette de ce créancier" in response.json()["file"][0]


def test_a_seller_is_found_by_vat_number_and_names_come_on_one_line(controller, seller):
    response = api_post(controller, pdf("extended-380"))
    assert response.status_code == 201, response.json()
    claim = Claim.objects.get()
    debtor = claim.dossier.debtor
    assert claim.creditor == seller
    assert (debtor.name, debtor.address_line1, debtor.country, debtor.kind) == (
        "Herrn Max Mustermann",
        "Invalidenstraße 12 Hinterhaus",
        "DE",
        Debtor.Kind.UNKNOWN,
    )


def test_a_seller_is_found_by_its_recorded_foreign_vat_number(controller):
    creditor = CreditorFactory(unassigned_pool_open=True, vat_number="de 136 695 976")
    assert creditor.vat_number == "DE136695976"
    response = api_post(controller, pdf("extended-380", **{"FR 44 732829320": "DE136695976"}))
    assert response.status_code == 201, response.json()
    assert Claim.objects.get().creditor == creditor


def test_a_creditor_vat_number_is_checked(seller):
    seller.vat_number = "FR00732829320"
    with pytest.raises(ValidationError) as error:
        seller.full_clean()
    assert "n'est pas un numéro de TVA intracommunautaire valide" in str(error.value)
    assert Creditor.objects.filter(vat_number="").count() == 1
