"""Two requests at once never open two dossiers for one creditor-debtor pair (PostgreSQL)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from dossiers import services
from dossiers.models import Claim, Dossier
from tests.factories import CreditorFactory, DebtorFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="les accès simultanés se départagent par les verrous de ligne de PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_invoices_for_a_new_pair_at_once_share_one_dossier():
    creditor, debtor = CreditorFactory(), DebtorFactory()
    other_debtor = DebtorFactory()
    start = threading.Barrier(3)
    errors = []

    def record(number, who):
        try:
            start.wait(timeout=10)
            services.claim_create(
                creditor=creditor,
                debtor=who,
                invoice_number=number,
                issue_date="2026-09-01",
                due_date="2026-10-01",
                amount=Decimal("100.00"),
                actor=None,
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=record, args=("FA-1", debtor)),
        threading.Thread(target=record, args=("FA-2", debtor)),
        threading.Thread(target=record, args=("FA-3", other_debtor)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert Dossier.objects.filter(debtor=debtor).count() == 1
    assert Claim.objects.filter(dossier__debtor=debtor).count() == 2
    references = list(Dossier.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references)) == 2
