"""Dossier references unique across the base: each creditor gets a code (read from its legal
name), and the references already given (« DOS-2026-00002 », once per creditor) take it
(« DOS-FIR-2026-00002 »); each renamed dossier gets a history row saying so."""

import re

import django.core.validators
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from dossiers.models.parties import creditor_code_from_name

OLD_REFERENCE = re.compile(r"^DOS-(\d{4}-\d+)$")


def give_codes_and_rename(apps, schema_editor):
    Creditor = apps.get_model("dossiers", "Creditor")
    Dossier = apps.get_model("dossiers", "Dossier")
    HistoricalDossier = apps.get_model("dossiers", "HistoricalDossier")
    taken = set()
    for creditor in Creditor.objects.order_by("pk"):
        base = creditor_code_from_name(creditor.legal_name)
        code, number = base, 1
        while code in taken:
            number += 1
            code = f"{base}{number}"
        taken.add(code)
        Creditor.objects.filter(pk=creditor.pk).update(code=code)
    codes = dict(Creditor.objects.values_list("pk", "code"))
    seen = set()
    fields = [f.attname for f in Dossier._meta.concrete_fields]
    now = timezone.now()
    for dossier in Dossier.objects.order_by("pk"):
        reference = dossier.reference
        if match := OLD_REFERENCE.match(reference):
            reference = f"DOS-{codes[dossier.creditor_id]}-{match.group(1)}"
        if reference in seen:
            reference = f"{reference}-{dossier.pk}"
        seen.add(reference)
        if reference == dossier.reference:
            continue
        dossier.reference = reference
        Dossier.objects.filter(pk=dossier.pk).update(reference=reference)
        HistoricalDossier.objects.create(
            **{name: getattr(dossier, name) for name in fields},
            history_date=now,
            history_type="~",
            history_change_reason="référence renumérotée : code du créancier (références uniques)",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0002_reference_rates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="dossier",
            name="dossier_reference_unique_per_creditor",
        ),
        migrations.AddField(
            model_name="creditor",
            name="code",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="Dans les références de ses dossiers (DOS-<code>-<année>-<numéro>). Laissé vide : tiré de la raison sociale.",
                max_length=12,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[A-Z0-9]{2,12}$",
                        "Le code du créancier : 2 à 12 lettres majuscules ou chiffres, sans accent.",
                    )
                ],
                verbose_name="code",
            ),
        ),
        migrations.AddField(
            model_name="historicalcreditor",
            name="code",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="Dans les références de ses dossiers (DOS-<code>-<année>-<numéro>). Laissé vide : tiré de la raison sociale.",
                max_length=12,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[A-Z0-9]{2,12}$",
                        "Le code du créancier : 2 à 12 lettres majuscules ou chiffres, sans accent.",
                    )
                ],
                verbose_name="code",
            ),
        ),
        migrations.RunPython(give_codes_and_rename, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="creditor",
            constraint=models.UniqueConstraint(
                condition=models.Q(("code", ""), _negated=True),
                fields=("code",),
                name="creditor_code_unique",
                violation_error_message="Ce code est déjà celui d'un autre créancier.",
            ),
        ),
        migrations.AddConstraint(
            model_name="dossier",
            constraint=models.UniqueConstraint(
                fields=("reference",),
                name="dossier_reference_unique",
                violation_error_message="Cette référence de dossier existe déjà.",
            ),
        ),
    ]
