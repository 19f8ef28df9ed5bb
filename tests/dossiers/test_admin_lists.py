"""The admin's dossier list (issue #18, item 10): a search does not multiply a dossier's
balance and invoice count by its joins."""

import datetime
import html
from decimal import Decimal

import pytest

from tests.factories import ClaimFactory, DebtorFactory

pytestmark = pytest.mark.django_db


def test_searching_dossiers_does_not_multiply_their_balance(client, admin_user):
    """Leroy's dossier: two invoices, 10 000,00 € and 11 745,23 € (21 745,23 €). Searching
    « Leroy » read 43 490,46 € and 4 invoices (each claim counted once per claim joined)."""
    debtor = DebtorFactory(name="Leroy Bâtiment SARL")
    first = ClaimFactory(
        debtor=debtor,
        invoice_number="F-1",
        issue_date=datetime.date(2026, 9, 1),
        due_date=datetime.date(2026, 10, 1),
        amount=Decimal("10000.00"),
    )
    ClaimFactory(
        debtor=debtor,
        creditor=first.dossier.creditor,
        invoice_number="F-2",
        issue_date=datetime.date(2026, 9, 15),
        due_date=datetime.date(2026, 10, 15),
        amount=Decimal("11745.23"),
    )
    assert first.dossier.claims.count() == 2
    client.force_login(admin_user)
    for query in ({}, {"q": "Leroy"}, {"q": "F-1"}, {"q": "Leroy", "o": "5"}):
        response = client.get("/admin/dossiers/dossier/", query)
        assert response.status_code == 200, query
        page = html.unescape(response.content.decode()).replace("\u202f", " ")
        page = page.replace("\xa0", " ")
        assert "21 745,23 €" in page, query
        assert "43 490,46 €" not in page, query
        assert '<td class="field-claim_count">2</td>' in page, query
