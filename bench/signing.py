"""The cost of signing one letter (issue #21, docs/journal.md §6):
``.venv/bin/python -m bench.signing [N]``.

Renders ``bench/letter.html`` once as the letters are rendered (``courriers.rendering``), makes a
test CA and signer (``tests/fixtures/pki.py``), then times ``journal.signing.sign_pdf`` N times
(default 20) without a TSA. No database is touched (SQLite settings of the demo)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def main(count: int = 20) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvrement.settings.local")
    os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
    import django

    django.setup()
    from django.conf import settings

    from courriers.rendering import render_pdf
    from journal import signing
    from tests.fixtures.pki import make_signing_pki

    html = (Path(__file__).parent / "letter.html").read_text()
    started = time.perf_counter()
    pdf = render_pdf(html, on=date(2026, 12, 2), title="Relance", author="Créancier SAS")
    rendering = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as scratch:
        paths = make_signing_pki(Path(scratch))
        settings.PDF_SIGNING_PKCS12 = str(paths["signer.p12"])
        settings.PDF_SIGNING_PASSPHRASE = "secret"  # noqa: S105 - a test certificate
        settings.JOURNAL_TSA_URL = ""
        signing.sign_pdf(pdf)  # the certificate is loaded once per configuration
        started = time.perf_counter()
        for _ in range(count):
            signed = signing.sign_pdf(pdf, reason="Relance")
        per_letter = (time.perf_counter() - started) / count
    result = {
        "pdf_bytes": len(pdf),
        "signed_bytes": len(signed),
        "render_s": round(rendering, 3),
        "sign_s_per_letter": round(per_letter, 4),
    }
    print(
        f"Courrier de {len(pdf)} o (signé : {len(signed)} o) ; rendu {rendering:.3f} s ; "
        f"signature PAdES sans horodatage : {per_letter:.4f} s par courrier ({count} mesures)."
    )
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
