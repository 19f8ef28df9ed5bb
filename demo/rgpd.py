"""The GDPR part of the demo: an archived dossier past its purge date, purged with its
certificate (so the dashboard shows no overdue purge), a dossier whose purge is due within 30
days, an access request waiting for the DPO and an objection decided.

Demo dossiers cannot wait years to reach their dates: two archived dossiers of the seed get
their purge date moved through a journaled save that says so.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from dossiers import services as dossier_services
from dossiers.models import Debtor, Dossier
from rgpd import retention, services
from rgpd.models import RightsRequest


def _single_archives() -> list[Dossier]:
    """Closed dossiers whose debtor has no other dossier (purgeable alone)."""
    others = Dossier.objects.filter(debtor=OuterRef("debtor_id")).exclude(pk=OuterRef("pk"))
    return list(
        Dossier.objects.filter(closed_on__isnull=False)
        .exclude(Exists(others))
        .order_by("closed_on", "pk")[:2]
    )


def _advance(dossier: Dossier, *, actor, purge_on) -> Dossier:
    dossier.purge_on = purge_on
    dossier_services.journaled_save(
        dossier,
        actor=actor,
        reason="démonstration : date de purge avancée (l'archive dure normalement des années)",
        exclude=["state"],
    )
    return dossier


def seed_gdpr(*, seeder) -> list[str]:
    today = seeder.today
    dpo = get_user_model().objects.filter(username="dpo").first() or seeder.actor
    retention.purge_dates_refresh(actor=seeder.actor)
    lines = []
    archives = _single_archives()
    if archives:
        _advance(archives[0], actor=seeder.actor, purge_on=today - timedelta(days=3))
        report = services.purge_run(today, actor=dpo)
        lines.append(
            f"RGPD : purge exécutée (certificat n° {report.certificate.pk}, "
            f"{report.debtors} débiteur(s), {report.history_rows} lignes d'historique)"
        )
    if len(archives) > 1:
        due = _advance(archives[1], actor=seeder.actor, purge_on=today + timedelta(days=20))
        lines.append(f"RGPD : purge prévue le {due.purge_on:%d/%m/%Y} : {due.reference}")
    active = list(
        Debtor.objects.filter(dossiers__closed_on__isnull=True).distinct().order_by("pk")[:2]
    )
    if active:
        with seeder.clock.moment(today - timedelta(days=5), 10):
            services.request_record(
                debtor=active[0],
                kind=RightsRequest.Kind.ACCESS,
                received_on=today - timedelta(days=5),
                details="Demande reçue par e-mail : copie de toutes les données détenues.",
                actor=dpo,
            )
        lines.append(f"RGPD : demande d'accès à traiter ({active[0].name})")
    if len(active) > 1:
        with seeder.clock.moment(today - timedelta(days=12), 10):
            objection = services.request_record(
                debtor=active[1],
                kind=RightsRequest.Kind.OBJECTION,
                received_on=today - timedelta(days=12),
                details="S'oppose aux relances par téléphone.",
                actor=dpo,
            )
        services.request_decide(
            request=objection,
            status=RightsRequest.Status.REJECTED,
            decision=(
                "Créance certaine et exigible, non contestée : motifs impérieux et légitimes du "
                "créancier (RGPD art. 21-1) ; relances limitées aux jours ouvrés."
            ),
            actor=dpo,
        )
    return lines
