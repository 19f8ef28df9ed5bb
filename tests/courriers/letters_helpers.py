"""Shared set-up of the letters tests: a dossier whose invoice is due 01/10/2026, walked
through the cadence, and the text of a PDF."""

import datetime
import io
import re
from decimal import Decimal

from pypdf import PdfReader

from relances.models import Reminder
from tests.factories import ClaimFactory, ConsumerFactory, CreditorFactory, DebtorFactory

D = datetime.date
DUE = D(2026, 10, 1)  # Thursday
STEP_DAYS = {  # the default cadence's dates for an invoice due 01/10/2026 (working days)
    "r7-email": D(2026, 10, 8),
    "r15-email": D(2026, 10, 16),
    "r30-courrier": D(2026, 11, 2),  # 31/10 is a Saturday, 01/11 All Saints
    "r45-mise-en-demeure": D(2026, 11, 16),
}


def make_claim(frozen, *, kind="professional", agency=False, amount="1200.00", **creditor):
    debtor = DebtorFactory() if kind == "professional" else ConsumerFactory()
    creditor = CreditorFactory(is_collection_agency=agency, **creditor)
    with frozen(D(2026, 9, 1)):
        return ClaimFactory(
            creditor=creditor,
            debtor=debtor,
            issue_date=D(2026, 9, 1),
            due_date=DUE,
            amount=Decimal(amount),
        )


def walk_to(walk, claim, day):
    w = walk(claim.dossier)
    w.run(D(2026, 10, 5), day)
    return w


def reminder(claim, code) -> Reminder:
    return Reminder.objects.get(dossier=claim.dossier, step__code=code)


def pdf_text(data: bytes) -> str:
    """The text of every page, spaces normalised (French number grouping uses narrow spaces)."""
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    text = text.replace("\u202f", " ").replace("\xa0", " ")
    return re.sub(r"\s+", " ", text)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " "))
