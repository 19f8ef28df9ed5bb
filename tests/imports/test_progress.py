"""A long import runs in one transaction, yet its progress shows while it runs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from dossiers.models import Claim
from imports import services
from imports.models import ImportBatch
from tests.factories import CreditorFactory, UserFactory


# serialized_rollback: the flush after this test empties the tables; it restores the
# migrations' data (groups, content types) for the tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_is_visible_outside_the_import_transaction(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the progress of a running import is reported on PostgreSQL")
    monkeypatch.setattr(services, "PROGRESS_EVERY", 400)
    monkeypatch.setattr(services, "WRITE_CHUNK", 400)  # invoices are written 400 at a time
    user = UserFactory(username="import-progress", role="controller")
    creditor = CreditorFactory()
    rows = "".join(
        f"P-{n};01/09/2026;01/10/2026;10,00;Client Progrès SARL;912345675;1 rue A;44000;Nantes\n"
        for n in range(1200)
    )
    header = "Facture;Date d'émission;Date d'échéance;Montant;Débiteur;SIREN;Adresse;CP;Ville\n"
    seen = []
    report = services._Progress.__call__

    def watch(self, done, force=False):
        report(self, done, force)
        if done % services.PROGRESS_EVERY == 0:
            observer = connections.create_connection("default")
            try:
                with observer.cursor() as cursor:
                    cursor.execute(
                        "SELECT processed_rows, (SELECT count(*) FROM dossiers_claim) "
                        "FROM imports_importbatch WHERE id = %s",
                        [self.batch_id],
                    )
                    seen.append(cursor.fetchone())
            finally:
                observer.close()

    monkeypatch.setattr(services._Progress, "__call__", watch)
    batch = services.batch_create(
        kind="claims",
        creditor=creditor,
        upload=SimpleUploadedFile("gros.csv", (header + rows).encode()),
        actor=user,
    )  # the check runs on commit (eager Celery task)
    services.batch_confirm(batch=ImportBatch.objects.get(pk=batch.pk), actor=user)
    # another connection saw the progress grow while no claim was committed yet
    assert seen == [(400, 0), (800, 0), (1200, 0)]
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.DONE
    assert Claim.objects.count() == 1200
