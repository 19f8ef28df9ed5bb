"""Imports at scale (#20): reading is linear in the file, the invoices are written set-based
(a few statements per chunk of rows, not per row), and every row still gets its history row
(who, why) and its dossier its planning, as ``claim_create`` gives them one by one."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.imports import csv_bytes
from dossiers import services
from dossiers.models import Claim, Debtor, DebtorContact, Dossier
from imports.models import ImportBatch
from imports.reading import read_table
from tests.factories import CreditorFactory, DebtorFactory
from tests.imports.conftest import check

pytestmark = pytest.mark.django_db


def _read_seconds(rows: int) -> float:
    # CPU time of this process, not wall time: other work on the machine does not count.
    content = csv_bytes(rows)
    start = time.process_time()
    table = read_table(content, "export.csv")
    assert len(table.rows) == rows
    return time.process_time() - start


def test_reading_a_file_is_linear_in_its_lines():
    # Each line's text was found by splitting the whole file again: 4× the lines took 16×.
    small = min(_read_seconds(2_000) for _ in range(3))
    large = min(_read_seconds(8_000) for _ in range(3))
    assert large < 8 * small, (small, large)


def _import_queries(user, rows: int) -> int:
    creditor = CreditorFactory()
    batch = check("claims", creditor, csv_bytes(rows), user=user, name="export.csv")
    assert batch.status == ImportBatch.Status.READY, batch.errors[:3]
    from imports import services as imports_services

    imports_services.batch_confirm(batch=batch, actor=user)
    with CaptureQueriesContext(connection) as queries:
        batch = imports_services.batch_import(batch_id=batch.pk, actor=user)
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    return len(queries)


def test_new_invoices_debtors_and_dossiers_are_written_in_a_few_statements(admin_user):
    few = _import_queries(admin_user, 50)
    many = _import_queries(admin_user, 500)  # ten times the rows, new debtors and dossiers
    assert many <= few + 10, (few, many)


def test_an_import_journals_every_row_and_plans_every_dossier_as_claim_create(admin_user):
    creditor = CreditorFactory()
    batch = check("claims", creditor, csv_bytes(10), user=admin_user, name="export.csv")
    from imports import services as imports_services

    imports_services.batch_confirm(batch=batch, actor=admin_user)
    batch = imports_services.batch_import(batch_id=batch.pk, actor=admin_user)
    assert batch.status == ImportBatch.Status.DONE
    reason = f"import du fichier « export.csv » (n° {batch.pk})"
    assert Claim.objects.count() == 10 and Debtor.objects.count() == 2
    assert DebtorContact.objects.count() == 2 and Dossier.objects.count() == 2
    for model in (Claim, Debtor, DebtorContact):
        history = model.history.filter(history_type="+")
        assert history.count() == model.objects.count()
        assert set(history.values_list("history_user_id", "history_change_reason")) == {
            (admin_user.pk, reason)
        }
    assert set(
        Dossier.history.filter(history_type="+").values_list("history_change_reason", flat=True)
    ) == {"ouverture du dossier"}
    # Each dossier is planned as if its invoices had come one by one through claim_create.
    imported = {
        d.debtor.siren: (d.reference_date, d.next_action_at, d.state)
        for d in Dossier.objects.select_related("debtor")
    }
    for debtor in Debtor.objects.all():
        other = DebtorFactory(postal_code=debtor.postal_code)
        witness_creditor = CreditorFactory()
        for claim in Claim.objects.filter(dossier__debtor=debtor):
            last = services.claim_create(
                creditor=witness_creditor,
                debtor=other,
                invoice_number=claim.invoice_number,
                issue_date=claim.issue_date,
                due_date=claim.due_date,
                amount=claim.amount,
                actor=admin_user,
            )
        witness = Dossier.objects.get(pk=last.dossier_id)
        assert imported[debtor.siren] == (
            witness.reference_date,
            witness.next_action_at,
            witness.state,
        )
