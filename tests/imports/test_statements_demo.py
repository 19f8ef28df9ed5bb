"""The demo's statement: certain, probable and unmatched lines, as docs/imports.md says."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from demo.statements import bank_statements
from dossiers.models import Dossier, DossierState
from imports.statements.models import BankStatement, BankTransaction
from tests.factories import ClaimFactory, DebtorFactory

Status = BankTransaction.Status


@pytest.mark.django_db
def test_the_demo_statement_has_every_kind_of_line(statement_world, controller):
    world = statement_world
    ClaimFactory(
        creditor=world.creditor,
        debtor=DebtorFactory(name="Fromagerie Vidal"),
        invoice_number="FV-0001",
        amount=Decimal("640.00"),
        issue_date=datetime.date(2026, 9, 1),
        due_date=datetime.date(2026, 10, 1),
    )
    seeder = SimpleNamespace(today=datetime.date(2026, 11, 23), controller=controller)
    lines = bank_statements(seeder=seeder)
    assert "menu Rapprochement" in lines[0]
    notice, statement = BankStatement.objects.order_by("pk")
    assert (notice.format, statement.format) == ("camt.054", "camt.053")
    assert notice.summary == {"lines": 1, "posted": 1}
    assert statement.summary == {
        "lines": 6,
        "posted": 2,
        "proposed": 2,
        "unmatched": 1,
        "ignored": 1,
    }
    rows = {(r.status, r.rule) for r in statement.transactions.all()}
    assert rows == {
        (Status.POSTED, "rf"),
        (Status.POSTED, "invoice"),
        (Status.PROPOSED, "invoice"),
        (Status.PROPOSED, "iban"),
        (Status.UNMATCHED, ""),
        (Status.IGNORED, ""),
    }
    assert Dossier.objects.get(pk=world.moreau.pk).state == DossierState.PAID
    # Run twice (a second seed on the same data): nothing new.
    bank_statements(seeder=seeder)
    assert BankStatement.objects.count() == 2
