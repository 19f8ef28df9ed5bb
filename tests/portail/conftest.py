"""A dossier reminded by e-mail (R+7), and the personal link read from that e-mail."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail

from tests.factories import ClaimFactory, ConsumerFactory, CreditorFactory, DebtorFactory

D = datetime.date
DUE = D(2026, 10, 1)
R7 = D(2026, 10, 8)
LINK = re.compile(r"https?://[^\s\"<>]+/p/([A-Za-z0-9_-]{22})/")


def link_in(text: str) -> str:
    """The path of the personal link printed in a message."""
    match = LINK.search(text)
    assert match, text
    return f"/p/{match.group(1)}/"


def make_dossier(frozen, *, kind="professional", amount="1200.00", **creditor):
    debtor = (
        DebtorFactory(postal_code="33000")
        if kind == "professional"
        else ConsumerFactory(postal_code="75011")
    )
    creditor = CreditorFactory(**creditor)
    with frozen(D(2026, 9, 1)):
        claim = ClaimFactory(
            creditor=creditor,
            debtor=debtor,
            issue_date=D(2026, 9, 1),
            due_date=DUE,
            amount=Decimal(amount),
        )
    return claim.dossier


@pytest.fixture
def reminded(frozen, walk):
    """(dossier, link path) of a professional reminded by e-mail on R+7."""

    def _reminded(kind="professional", **creditor):
        dossier = make_dossier(frozen, kind=kind, **creditor)
        mail.outbox.clear()
        walk(dossier).run(D(2026, 10, 5), R7)
        assert mail.outbox, "aucune relance envoyée"
        return dossier, link_in(mail.outbox[-1].body)

    return _reminded


@pytest.fixture
def verified(client, frozen):
    """Log the client through the second factor of a link (an invoice number)."""

    def _verified(dossier, path, day=R7):
        number = dossier.claims.first().invoice_number
        with frozen(day):
            response = client.post(path, {"answer": number.lower()})
        assert response.status_code == 302, response.content.decode()[:500]
        return response

    return _verified
