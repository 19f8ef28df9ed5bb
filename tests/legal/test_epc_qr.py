"""The EPC QR code for a SEPA credit transfer (EPC069-12 v2.1, « SCT », version 002)."""

from decimal import Decimal

import pytest
import qrcode
from lxml import etree

from legal.references import epc_qr_payload, epc_qr_svg


def test_the_guidelines_worked_example():
    """EPC069-12 v2.1, the sample code of the guidelines (Red Cross of Belgium, 1 €)."""
    payload = epc_qr_payload(
        bic="BPOTBEB1",
        name="Red Cross of Belgium",
        iban="BE72000000001616",
        amount=Decimal("1.00"),
        purpose="CHAR",
        text="Urgency fund",
        note="Sample EPC QR code",
    )
    assert payload == (
        "BCD\n002\n1\nSCT\nBPOTBEB1\nRed Cross of Belgium\nBE72000000001616\nEUR1\nCHAR\n"
        "\nUrgency fund\nSample EPC QR code"
    )


def test_a_dossier_payload_carries_the_rf_reference_and_no_text():
    """Structured reference (ISO 11649) in element 10; element 11 must then stay empty, and empty
    trailing elements are left out. Version 002: the BIC may be empty."""
    payload = epc_qr_payload(
        name="Menuiserie Durand SARL",
        iban="FR76 3000 6000 0112 3456 7890 189",
        amount=Decimal("1234.50"),
        reference="RF18 5390 0754 7034",
        text="Facture F-2026-001",
    )
    assert payload.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "",
        "Menuiserie Durand SARL",
        "FR7630006000011234567890189",
        "EUR1234.5",
        "",
        "RF18539007547034",
    ]


def test_without_reference_the_text_is_the_remittance():
    payload = epc_qr_payload(
        name="Durand", iban="BE72000000001616", amount=Decimal("12.34"), text="F-1  F-2"
    )
    assert payload.endswith("EUR12.34\n\n\nF-1 F-2")


def test_amount_may_be_left_to_the_payer():
    payload = epc_qr_payload(name="Durand", iban="BE72000000001616", amount=None)
    assert payload == "BCD\n002\n1\nSCT\n\nDurand\nBE72000000001616"


def test_the_name_is_cut_to_70_characters():
    payload = epc_qr_payload(name="A" * 90, iban="BE72000000001616", amount=Decimal("1"))
    assert payload.split("\n")[5] == "A" * 70


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("iban", "BE72000000001617", "IBAN"),
        ("amount", Decimal("0"), "montant"),
        ("amount", Decimal("1000000000"), "montant"),
        ("reference", "RF19539007547034", "référence RF"),
        ("bic", "BPOT", "BIC"),
        ("name", "  ", "nom"),
    ],
)
def test_what_a_bank_would_refuse_is_refused_in_french(field, value, message):
    arguments = {"name": "Durand", "iban": "BE72000000001616", "amount": Decimal("1")}
    arguments[field] = value
    with pytest.raises(ValueError, match=message):
        epc_qr_payload(**arguments)


def test_payload_over_331_bytes_is_refused():
    with pytest.raises(ValueError, match="331"):
        epc_qr_payload(
            name="é" * 70, iban="BE72000000001616", amount=Decimal("1"), text="é" * 140, note="x"
        )


def test_svg_is_a_plain_path_image_at_level_m():
    payload = epc_qr_payload(
        name="Menuiserie Durand SARL",
        iban="FR7630006000011234567890189",
        amount=Decimal("1234.50"),
        reference="RF18539007547034",
    )
    svg = epc_qr_svg(payload)
    root = etree.fromstring(svg.encode(), etree.XMLParser(resolve_entities=False))
    assert root.tag.endswith("svg")
    assert [child.tag.rsplit("}", 1)[-1] for child in root] == ["path"]
    assert "style" not in svg and "script" not in svg
    # The code a phone reads: same data, level M, within version 13 as the guidelines demand.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    assert code.version <= 13
    side = code.modules_count + 2 * 4
    assert root.get("viewBox") == f"0 0 {side} {side}"


def test_svg_draws_exactly_the_dark_modules_as_few_rectangles():
    """The path is made of rectangles (runs merged down the rows): the same image as one square
    per dark module, with far fewer commands for WeasyPrint to draw."""
    import re

    from legal.references import _epc_qr

    payload = epc_qr_payload(
        name="Menuiserie Durand SARL",
        iban="FR7630006000011234567890189",
        amount=Decimal("1234.50"),
        reference="RF18539007547034",
    )
    matrix = _epc_qr(payload).get_matrix()
    side = len(matrix)
    drawn = [[0] * side for _ in range(side)]
    rectangles = re.findall(r"M(\d+),(\d+)H(\d+)V(\d+)H\1z", epc_qr_svg(payload))
    for x0, y0, x1, y1 in rectangles:
        for y in range(int(y0), int(y1)):
            for x in range(int(x0), int(x1)):
                drawn[y][x] += 1
    assert drawn == [[1 if dark else 0 for dark in row] for row in matrix]
    assert len(rectangles) < sum(map(sum, matrix)) / 2


@pytest.mark.parametrize("level", ["M", "L", "H"])
def test_the_mask_is_the_one_the_library_chooses(level):
    """The codes choose their mask on arrays (``legal.references._QRCode``, ~2× faster): the
    same mask, hence the same matrix, as ``qrcode.QRCode`` for payloads of every size (versions
    1 to 10 and more, with and without the version information), short and long texts, accents."""
    import random
    import string

    from legal.references import _QRCode

    rng = random.Random(18)
    alphabet = string.ascii_letters + string.digits + " \n-/:.éàç€"
    correction = getattr(qrcode.constants, f"ERROR_CORRECT_{level}")
    versions = set()
    for size in (1, 5, 12, 25, 40, 60, 90, 130, 180, 240, 331) * 6:
        payload = "".join(rng.choice(alphabet) for _ in range(size)).encode()
        theirs = qrcode.QRCode(error_correction=correction, border=4)
        ours = _QRCode(error_correction=correction, border=4)
        for code in (theirs, ours):
            code.add_data(payload)
            code.make(fit=True)
        assert ours.get_matrix() == theirs.get_matrix(), (size, theirs.version)
        versions.add(theirs.version)
    assert min(versions) <= 2 and max(versions) >= 10


def test_the_png_is_the_image_the_library_draws():
    """The e-mail's PNG is drawn as one array (``epc_qr_png``), not module by module as
    ``make_image`` does: the same pixels, so the same bytes, for payloads of every size."""
    import io
    import random
    import string

    from legal.references import epc_qr_png

    rng = random.Random(18)
    alphabet = string.ascii_letters + string.digits + " \n-/:.éàç€"
    for size in (1, 12, 40, 90, 180, 331):
        payload = "".join(rng.choice(alphabet) for _ in range(size))
        theirs = qrcode.QRCode(
            error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=4
        )
        theirs.add_data(payload.encode("utf-8"))
        theirs.make(fit=True)
        buffer = io.BytesIO()
        theirs.make_image().save(buffer)
        assert epc_qr_png(payload) == buffer.getvalue(), size
