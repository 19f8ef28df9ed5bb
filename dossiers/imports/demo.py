"""The imports' part of the demo: the sample file ``docs/samples/factures.csv`` imported for the
first creditor, as a user would from « Imports », so that the list shows a finished import."""

from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.dispatch import receiver

from dossiers.demo import demo_seeded
from dossiers.models import Creditor

from .models import ImportBatch, ImportKind

SAMPLE = Path(settings.BASE_DIR) / "docs" / "samples" / "factures.csv"


@receiver(demo_seeded, dispatch_uid="imports_demo")
def import_sample(sender, *, seeder, **kwargs) -> list[str]:
    from . import services

    creditor = Creditor.objects.order_by("pk").first()
    if creditor is None or not SAMPLE.exists():
        return []
    upload = SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes(), content_type="text/csv")
    batch = services.batch_create(
        kind=ImportKind.CLAIMS, creditor=creditor, upload=upload, actor=seeder.controller
    )
    batch = services.batch_check(batch_id=batch.pk)
    if batch.status != ImportBatch.Status.READY:
        return [f"Import de démonstration en erreur : {batch.errors[:1]}"]
    batch = services.batch_confirm(batch=batch, actor=seeder.controller)
    batch = services.batch_import(batch_id=batch.pk, actor=seeder.controller)
    done = (batch.summary or {}).get("done", {})
    return [
        f"Import de démonstration « {SAMPLE.name} » pour {creditor} : "
        f"{done.get('create', 0)} facture(s) créée(s) (menu « Imports »)."
    ]
