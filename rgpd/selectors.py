"""The DPO's reads: the dashboard's counts and lists, and everything held on one debtor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef

from dossiers import scoping
from dossiers.models import Debtor, Dossier
from rgpd import purge, register
from rgpd.models import DebtorPurge, PurgeCertificate, RightsRequest
from rgpd.services import purgeable_debtors


def project_apps() -> set[str]:
    """The labels of the project's own apps (a package at the repository's root), whatever
    their layer: an app added later is read without editing a list (art. 15 asks for every
    datum held on the person, the letters sent to them included)."""
    root = Path(settings.BASE_DIR).resolve()
    return {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == root
    }


def closed_not_purged():
    return Dossier.objects.filter(closed_on__isnull=False, purge_on__isnull=False).exclude(
        Exists(DebtorPurge.objects.filter(debtor=OuterRef("debtor_id")))
    )


@dataclass
class Dashboard:
    today: date
    due_30: int
    due_90: int
    overdue: int
    blocked: int  # past their date, but the debtor has another dossier still kept
    upcoming: list[Dossier]
    certificates: list[PurgeCertificate]
    requests: list[RightsRequest]
    open_requests: int
    restricted_debtors: int

    @property
    def limit_30(self) -> date:
        return self.today + timedelta(days=30)

    @property
    def limit_90(self) -> date:
        return self.today + timedelta(days=90)


def dashboard(*, today: date, user=None) -> Dashboard:
    """The purge calendar, the certificates and the rights requests. A manager (``user``) sees
    those of their portfolio's debtors only (``dossiers.scoping``); the DPO sees everything."""
    pending = closed_not_purged()
    requests = RightsRequest.objects.all()
    debtors = Debtor.objects.all()
    # Overdue: purgeable since yesterday at least, yet not purged (the daily job should have).
    overdue = purgeable_debtors(today - timedelta(days=1))
    if user is not None:  # the scoping functions leave the DPO's querysets whole
        pending = scoping.visible_dossiers(user, pending)
        debtors = scoping.visible_debtors(user, debtors)
        overdue = scoping.visible_debtors(user, overdue)
        if not scoping.sees_every_dossier(user):
            requests = requests.filter(debtor__in=debtors.values("pk"))
    counts = pending.aggregate(
        due_30=Count(
            "pk", filter=models.Q(purge_on__gt=today, purge_on__lte=today + timedelta(30))
        ),
        due_90=Count(
            "pk", filter=models.Q(purge_on__gt=today, purge_on__lte=today + timedelta(90))
        ),
        past=Count("pk", filter=models.Q(purge_on__lte=today)),
    )
    return Dashboard(
        today=today,
        due_30=counts["due_30"],
        due_90=counts["due_90"],
        overdue=overdue.count(),
        blocked=counts["past"],
        upcoming=list(
            pending.filter(purge_on__lte=today + timedelta(90))
            .select_related("creditor", "debtor")
            .order_by("purge_on", "pk")[:50]
        ),
        certificates=list(PurgeCertificate.objects.select_related("operator")[:20]),
        requests=list(
            requests.select_related("debtor", "decided_by").order_by("-status", "received_on")[:50]
        ),
        open_requests=requests.filter(status=RightsRequest.Status.OPEN).count(),
        restricted_debtors=debtors.filter(processing_restricted=True).count(),
    )


# --- Subject-access export (GDPR art. 15) ----------------------------------------------------


def _exportable_models():
    """Every model of the project that reaches a debtor (history tables excluded)."""
    own = project_apps()
    for model in apps.get_models():
        if model._meta.app_label not in own or hasattr(model, "instance_type"):
            continue
        if model is DebtorPurge:
            continue
        lookup = purge.debtor_lookup(model)
        if lookup is not None:
            yield model, lookup


def _value(instance, field):
    value = getattr(instance, field.attname)
    if isinstance(field, models.FileField):
        return value.name if value else ""
    if field.choices and value not in (None, ""):
        return getattr(instance, f"get_{field.name}_display")()
    return value


@dataclass
class Section:
    label: str
    columns: list[str]
    rows: list[list]


def subject_access(debtor: Debtor) -> list[Section]:
    """Everything held on the debtor, one section per table, with French labels."""
    sections = []
    for model, lookup in _exportable_models():
        fields = list(model._meta.concrete_fields)
        rows = list(model._base_manager.filter(**{lookup: debtor.pk}).order_by("pk"))
        if not rows:
            continue
        sections.append(
            Section(
                label=str(model._meta.verbose_name_plural).capitalize(),
                columns=[str(f.verbose_name) for f in fields],
                rows=[[_value(row, f) for f in fields] for row in rows],
            )
        )
    return sections


def subject_access_json(debtor: Debtor) -> dict:
    sections = subject_access(debtor)
    answer = {
        "debiteur": debtor.pk,
        "sections": [
            {"table": s.label, "lignes": [dict(zip(s.columns, row, strict=True)) for row in s.rows]}
            for s in sections
        ],
    }
    if any(s.label.startswith("Probabilités de paiement") for s in sections):
        # The logic of the profiling, with its result (GDPR art. 15-1-h).
        answer["profilage"] = register.PROFILING
    return answer
