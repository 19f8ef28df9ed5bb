"""Load the reference rates from ``dossiers/legal/data/*.csv`` (with their sources), give the
roles their permissions on the new tables, and journal each loaded row."""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations
from django.utils import timezone

from dossiers import roles

DATA = Path(__file__).resolve().parent.parent / "legal" / "data"
REASON = "chargement initial (dossiers/legal/data, migration 0005)"


def _rows(name):
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _journal(apps, model_name, instance, fields):
    History = apps.get_model("dossiers", f"Historical{model_name}")
    History.objects.create(
        id=instance.pk,
        history_date=timezone.now(),
        history_type="+",
        history_change_reason=REASON,
        **{name: getattr(instance, name) for name in fields},
    )


def load_rates(apps, schema_editor):
    LegalInterestRate = apps.get_model("dossiers", "LegalInterestRate")
    EcbRate = apps.get_model("dossiers", "EcbRate")
    legal_fields = [
        "half_year_start",
        "half_year_end",
        "consumer_creditor_percent",
        "other_creditor_percent",
        "source",
        "verified",
    ]
    for row in _rows("taux_interet_legal.csv"):
        rate = LegalInterestRate.objects.create(
            half_year_start=row["half_year_start"],
            half_year_end=row["half_year_end"],
            consumer_creditor_percent=Decimal(row["consumer_creditor_percent"]),
            other_creditor_percent=Decimal(row["other_creditor_percent"]),
            source=row["source"],
            verified=row["verified"],
        )
        rate.refresh_from_db()
        _journal(apps, "LegalInterestRate", rate, legal_fields)
    ecb_fields = ["effective_from", "rate_percent", "source", "verified"]
    for row in _rows("ecb_main_refinancing_rate.csv"):
        rate = EcbRate.objects.create(
            effective_from=row["effective_from"],
            rate_percent=Decimal(row["rate_percent"]),
            source=row["source"],
            verified=row["verified"],
        )
        rate.refresh_from_db()
        _journal(apps, "EcbRate", rate, ecb_fields)


def unload_rates(apps, schema_editor):
    for name in ("LegalInterestRate", "EcbRate"):
        apps.get_model("dossiers", f"Historical{name}").objects.all().delete()
        apps.get_model("dossiers", name).objects.all().delete()


def grant_permissions(apps, schema_editor):
    roles.sync_group_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0004_reference_rates_and_prescription_events"),
    ]

    operations = [
        migrations.RunPython(load_rates, unload_rates),
        migrations.RunPython(grant_permissions, migrations.RunPython.noop),
    ]
