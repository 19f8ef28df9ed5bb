"""Every letter, e-mail and SMS that asks for payment carries the dossier's RF reference; the PDF
letter and the e-mail carry the EPC QR code of a SEPA transfer (creditor's IBAN, amount due, RF
reference) that a banking app reads (EPC069-12)."""

import base64
import re
from types import SimpleNamespace

import pytest

from courriers import rendering, versions
from courriers.context import transfer_qr_payload
from legal.references import (
    _epc_qr,
    dossier_rf_reference,
    epc_qr_png,
    qr_modules_png,
    rf_printed,
)
from relances.models import Channel
from tests.courriers.letters_helpers import D, make_claim, pdf_text

ON = D(2026, 11, 20)


def _data_uri(html: str, mime: str) -> bytes:
    match = re.search(rf'src="data:{re.escape(mime)};base64,([A-Za-z0-9+/=]+)"', html)
    assert match, f"aucune image {mime}"
    return base64.b64decode(match.group(1))


@pytest.mark.django_db
def test_a_letter_shows_the_rf_reference_and_the_transfer_qr_code(frozen):
    claim = make_claim(frozen)  # 1 200,00 € due 01/10/2026, professional, firm letter
    dossier, creditor = claim.dossier, claim.creditor
    rf = dossier_rf_reference(dossier.reference)
    template = versions.template_for("relance-amiable-pro", Channel.EMAIL)
    document = rendering.render_document(template, dossier, on=ON)

    # The code's text, written by hand from EPC069-12: BCD, 002, UTF-8, SCT, BIC, name, IBAN,
    # amount, no purpose, the structured RF reference and nothing after it.
    payload = (
        f"BCD\n002\n1\nSCT\n{creditor.bic}\n{creditor.legal_name}\n{creditor.iban}\nEUR1200\n\n{rf}"
    )
    assert document.layout["transfer_qr"] == payload
    assert _data_uri(document.print_html, "image/png") == qr_modules_png(payload)
    assert _data_uri(document.html, "image/png") == epc_qr_png(payload)

    text = pdf_text(document.pdf)
    assert f"Référence de virement : {rf_printed(rf)}" in text
    assert f"en indiquant la référence {rf_printed(rf)}" in text
    assert "Scannez ce code avec l'application de votre banque" in text
    assert f"référence {rf_printed(rf)}" in document.text  # the e-mail's text part


@pytest.mark.django_db
def test_every_demand_template_carries_the_reference_and_the_code(frozen):
    claim = make_claim(frozen, kind="consumer")
    rf = rf_printed(dossier_rf_reference(claim.dossier.reference))
    for code, channel in [
        ("relance-informelle-conso", Channel.EMAIL),
        ("relance-ferme-conso", Channel.EMAIL),
        ("mise-en-demeure-conso", Channel.REGISTERED_LETTER),
    ]:
        template = versions.template_for(code, channel)
        document = rendering.render_document(template, claim.dossier, on=ON)
        assert rf in document.print_html and rf in document.text, code
        assert "data:image/png;base64," in document.print_html, code
        assert "data:image/png;base64," in document.html, code


@pytest.mark.django_db
def test_the_sms_quotes_the_rf_reference(frozen):
    claim = make_claim(frozen)
    template = versions.template_for("relance-sms", Channel.SMS)
    document = rendering.render_document(template, claim.dossier, on=ON)
    rf = rf_printed(dossier_rf_reference(claim.dossier.reference))
    assert f"Réf. virement : {rf}." in document.sms_text
    assert len(document.sms_text) <= versions.SMS_MAX_CHARS


@pytest.mark.django_db
def test_a_template_may_place_the_rf_reference_itself(frozen):
    claim = make_claim(frozen)
    assert "rf_reference" in versions.ALLOWED_VARIABLES
    variables, _layout = rendering.build_context(claim.dossier, kind="amicable", on=ON)
    assert variables["rf_reference"] == rf_printed(dossier_rf_reference(claim.dossier.reference))


@pytest.mark.django_db
def test_the_thank_you_asks_for_nothing_no_code(frozen):
    claim = make_claim(frozen)
    template = versions.template_for("remerciement", Channel.EMAIL)
    document = rendering.render_document(template, claim.dossier, on=ON)
    assert document.layout["transfer_qr"] == ""
    assert "data:image" not in document.html + document.print_html


def test_no_code_without_iban_or_without_an_amount():
    creditor = SimpleNamespace(legal_name="Durand SAS", iban="", bic="")
    assert transfer_qr_payload(creditor, amount=1, rf_reference="RF18539007547034") == ""
    creditor.iban = "BE72000000001616"
    assert transfer_qr_payload(creditor, amount=0, rf_reference="RF18539007547034") == ""
    assert transfer_qr_payload(creditor, amount=5, rf_reference="RF18539007547034").endswith(
        "EUR5\n\nRF18539007547034"
    )


@pytest.mark.django_db
def test_the_printed_codes_are_sharp_squares_of_exactly_the_codes_modules(frozen):
    """The PDF holds each code as an image of one pixel per module, drawn unsmoothed
    (``/Interpolate false``): on paper and at any zoom each module is a sharp square, and the
    pixels are exactly the modules of the transfer's code and of the debtor-space link's."""
    import io

    import numpy as np
    from pypdf import PdfReader
    from pypdf.generic import BooleanObject

    claim = make_claim(frozen)
    template = versions.template_for("relance-ferme", Channel.LETTER, "professional")
    document = rendering.render_document(template, claim.dossier, on=ON)
    reader = PdfReader(io.BytesIO(document.pdf))
    # Each page lists the resources the pages share: each image once, by its object.
    images = list(
        {
            image.indirect_reference.idnum: image for page in reader.pages for image in page.images
        }.values()
    )
    assert len(images) == 2  # the transfer's code and the debtor-space link's
    for image in images:
        xobject = image.indirect_reference.get_object()
        assert xobject.get("/Interpolate") == BooleanObject(False)  # drawn unsmoothed
    transfer = np.array(_epc_qr(document.layout["transfer_qr"]).get_matrix(), dtype=bool)
    drawn = [np.array(image.image.convert("L")) < 128 for image in images]
    assert any(d.shape == transfer.shape and (d == transfer).all() for d in drawn)
    link = np.array(_epc_qr(document.layout["portal_link"]).get_matrix(), dtype=bool)
    assert any(d.shape == link.shape and (d == link).all() for d in drawn)
