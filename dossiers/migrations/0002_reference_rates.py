"""Load the reference rates from ``legal/data/*.csv`` (with their sources) and journal each
loaded row."""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parent.parent.parent / "legal" / "data"
REASON = "chargement initial (legal/data, migration 0002)"


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


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_rates, unload_rates),
    ]
