"""The demo's invoice copies: a one-page PDF written by hand (no rendering engine needed), so that
the demo's pieces open in any viewer."""

from __future__ import annotations

from decimal import Decimal

from legal.formatting import euros


def plain_euros(amount: Decimal) -> str:
    """``legal.formatting.euros`` with plain spaces: the demo's hand-made PDF has no font for
    the non-breaking ones."""
    return euros(amount).replace("\u202f", " ").replace("\xa0", " ")


def invoice_pdf(lines: list[str]) -> bytes:
    """A one-page PDF printing the lines, so that the demo pieces open in any viewer."""

    def literal(line: str) -> str:
        return "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"

    text = " ".join(f"{literal(line)} '" for line in lines)
    stream = f"BT /F1 12 Tf 60 780 Td 18 TL {text} ET".encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)
