"""The demo's accessories (docs/legal.md §11): companies that paid their invoices late still owe
the penalties and the 40 EUR indemnity (C. com. L441-10 II, D441-5). Their dossiers are left in
« Accessoires dus » by the payments of the history; the manager waives those of one of them,
with the reason, in the journal. One creditor waives them by policy (its dossiers close as paid)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model

from accounts import roles
from dossiers import services
from dossiers.models import Dossier, DossierState
from dossiers.selectors import dossier_accessories
from legal.formatting import euros


def accessories_demo(*, seeder) -> list[str]:
    manager = (
        get_user_model().objects.filter(groups__name=roles.MANAGER).order_by("pk").first()
        or seeder.actor
    )
    waiting = list(
        Dossier.objects.filter(state=DossierState.ACCESSORIES)
        .select_related("creditor", "debtor")
        .order_by("accessories_since", "pk")
    )
    lines = []
    if len(waiting) >= 2:
        waived = waiting.pop(0)
        left = dossier_accessories(waived, on=seeder.today).remaining
        services.accessories_waive(
            dossier=waived,
            actor=manager,
            reason="client fidèle, premier retard : geste commercial accordé par le responsable",
            on=seeder.today,
        )
        lines.append(f"Accessoires abandonnés ({euros(left)}) : {waived.reference}")
    if len(waiting) >= 2:
        # A promise on the accessories alone (docs/legal.md §11): the dossier waits for it.
        promised = waiting.pop()
        left = dossier_accessories(promised, on=seeder.today).remaining
        services.promise_record(
            dossier=promised,
            amount=Decimal(left),
            due_on=seeder.today + timedelta(days=10),
            actor=manager,
            reason="promesse de régler les pénalités de retard et l'indemnité forfaitaire",
            on=seeder.today,
        )
        lines.append(f"Promesse sur les accessoires ({euros(left)}) : {promised.reference}")
    for dossier in waiting[:3]:
        left = dossier_accessories(dossier, on=seeder.today).remaining
        lines.append(
            f"Accessoires dus ({euros(left)}, principal réglé le "
            f"{dossier.accessories_since:%d/%m/%Y}) : {dossier.reference} ({dossier.creditor})"
        )
    return lines
