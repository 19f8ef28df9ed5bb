import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services
from imports.models import ImportBatch

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0), tick=False):
        yield


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def check(kind, creditor, content: bytes | str, *, user, name="factures.csv") -> ImportBatch:
    """Upload a file and run its check, as the task does after the upload's commit."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    batch = services.batch_create(
        kind=kind, creditor=creditor, upload=SimpleUploadedFile(name, content), actor=user
    )
    return services.batch_check(batch_id=batch.pk)


def run_import(kind, creditor, content, *, user, name="factures.csv") -> ImportBatch:
    """Upload, check, confirm and import a file; returns the batch as it ends."""
    batch = check(kind, creditor, content, user=user, name=name)
    if batch.status != ImportBatch.Status.READY:
        return batch
    services.batch_confirm(batch=batch, actor=user)
    return services.batch_import(batch_id=batch.pk, actor=user)


def errors_by_row(batch: ImportBatch) -> dict[int, list[str]]:
    return {item["row"]: item["errors"] for item in batch.errors}
