"""The imports' part of the demo: an invoice file from the first creditor's accounting, imported
as a user would from « Imports » (new invoices joining the open dossiers of known debtors), and
a second file left with its errors, so that the list shows both a finished import and a preview
with its French messages."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers import scoping
from dossiers.models import CADENCE_STATES, Creditor, Debtor, Dossier
from imports.models import ImportBatch, ImportKind

HEADER = "Numéro de facture;Date d'émission;Date d'échéance;Montant TTC;Débiteur;SIREN\n"


def _csv(lines: list[str]) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode("utf-8")


def import_from_accounting(*, seeder) -> list[str]:
    from imports import services

    creditor = Creditor.objects.order_by("pk").first()
    if creditor is None:
        return []
    today, user = seeder.today, seeder.controller
    # Dossiers the controller may write to: an import's writes are scoped like theirs.
    dossiers = list(
        scoping.editable_dossiers(
            user,
            Dossier.objects.filter(
                creditor=creditor,
                state__in=CADENCE_STATES,
                debtor__kind=Debtor.Kind.PROFESSIONAL,
            ),
        )
        .select_related("debtor")
        .order_by("pk")[:3]
    )
    lines = []
    for n, dossier in enumerate(dossiers, start=1):
        issued = today - timedelta(days=40 + 5 * n)
        lines.append(
            f"IMP-{today:%Y}-{n:04d};{issued:%d/%m/%Y};{issued + timedelta(days=30):%d/%m/%Y};"
            f"{n * 1000 + 250},{n * 10:02d};{dossier.debtor.name};{dossier.debtor.siren}"
        )
    if not lines:
        return []
    upload = SimpleUploadedFile("export-comptabilite.csv", _csv(lines), content_type="text/csv")
    batch = services.batch_create(
        kind=ImportKind.CLAIMS, creditor=creditor, upload=upload, actor=user
    )
    batch = services.batch_check(batch_id=batch.pk)
    if batch.status != ImportBatch.Status.READY:
        return [f"Import de démonstration en erreur : {batch.errors[:1]}"]
    services.batch_confirm(batch=batch, actor=user)
    batch = services.batch_import(batch_id=batch.pk, actor=user)

    bad = SimpleUploadedFile(
        "factures-a-corriger.csv",
        _csv(
            [
                f"IMP-{today:%Y}-0101;31/02/{today:%Y};31/03/{today:%Y};120,00;Client A;",
                f"IMP-{today:%Y}-0102;01/09/{today:%Y};01/10/{today:%Y};12O,00;Client B;123456789",
            ]
        ),
        content_type="text/csv",
    )
    services.batch_check(
        batch_id=services.batch_create(
            kind=ImportKind.CLAIMS, creditor=creditor, upload=bad, actor=user
        ).pk
    )
    done = (batch.summary or {}).get("done", {})
    return [
        f"Imports : « export-comptabilite.csv » importé pour {creditor} "
        f"({done.get('create', 0)} factures) et un fichier en erreur à corriger (menu Imports)."
    ]
