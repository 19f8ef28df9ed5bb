"""The dashboards' part of the demo: costs per channel, debtors who paid a few days after a
reminder (dated that day), a kept promise, an honoured payment plan, a resolved dispute and a
complete file at formal notice, so that every chart has something to show.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from dossiers import services as dossier_services
from dossiers.models import CADENCE_STATES, Dossier, DossierState, Evidence
from pilotage import services
from relances.models import Channel, Reminder

DEMO_COSTS = {
    "email": Decimal("0.05"),
    "sms": Decimal("0.08"),
    "letter": Decimal("1.45"),
    "registered_letter": Decimal("6.80"),
    "call_minute": Decimal("0.60"),
    "call_minutes": Decimal("6.0"),
}


def seed_dashboards(*, seeder) -> list[str]:
    today, actor, rng, clock = seeder.today, seeder.actor, seeder.rng, seeder.clock
    services.cost_settings_update(
        actor=actor, reason="tarifs de démonstration (postaux, SMS, coût horaire)", **DEMO_COSTS
    )
    # The walk sent each reminder on its day (demo.relances): nothing to re-date here.
    sent = Reminder.objects.filter(
        status=Reminder.Status.SENT, sent_at__lt=_day_start(today)
    ).count()
    paid = _payments_after_reminders(seeder)
    used: set[int] = set()
    lines = [
        "Pilotage     coûts par canal renseignés ; "
        f"{sent} relances datées de leur envoi ; {paid} paiements reçus après une relance"
    ]
    if dossier := _free_dossier(used, today - timedelta(days=20)):
        balance = dossier_services.dossier_balance(dossier)
        share = (balance * Decimal("0.4")).quantize(Decimal("0.01"))
        with clock.moment(today - timedelta(days=20), 15):
            dossier_services.promise_record(
                dossier=dossier,
                amount=share,
                due_on=today - timedelta(days=10),
                actor=seeder.controller,
                reason="promesse obtenue au téléphone",
                on=today - timedelta(days=20),
            )
        with clock.moment(today - timedelta(days=12), 14):
            dossier_services.payment_record(
                dossier=dossier,
                amount=share,
                received_on=today - timedelta(days=12),
                actor=seeder.controller,
                reason="règlement promis reçu",
            )
        lines.append(f"Promesse tenue : {dossier.reference} ({dossier.creditor})")
    if dossier := _free_dossier(used, today - timedelta(days=60)):
        balance = dossier_services.dossier_balance(dossier)
        first = (balance / 2).quantize(Decimal("0.01"))
        accepted = today - timedelta(days=60)
        plan = [
            (accepted + timedelta(days=15), first),
            (accepted + timedelta(days=45), balance - first),
        ]
        with clock.moment(accepted, 15):
            dossier_services.plan_accept(
                dossier=dossier,
                installments=plan,
                actor=seeder.controller,
                reason="échéancier accepté par le débiteur",
                on=accepted,
            )
        for due_on, amount in plan:
            received_on = due_on - timedelta(days=rng.randint(0, 3))
            with clock.moment(received_on, 14):
                dossier_services.payment_record(
                    dossier=dossier,
                    amount=amount,
                    received_on=received_on,
                    actor=seeder.controller,
                    reason="échéance réglée",
                )
        lines.append(f"Échéancier honoré : {dossier.reference} ({dossier.creditor})")
    if dossier := _free_dossier(used, today - timedelta(days=30)):
        with clock.moment(today - timedelta(days=30), 11):
            dispute = dossier_services.dispute_open(
                dossier=dossier,
                reason_code="not_received",
                claim=dossier.claims.order_by("due_date").first(),
                actor=seeder.controller,
                on=today - timedelta(days=30),
            )
        with clock.moment(today - timedelta(days=18), 16):
            dossier_services.dispute_resolve(
                dispute=dispute,
                upheld=False,
                resolution="facture renvoyée avec l'accusé de réception du débiteur",
                actor=seeder.controller,
                on=today - timedelta(days=18),
            )
        lines.append(f"Contestation résolue en 12 jours : {dossier.reference}")
    notice = (
        Dossier.objects.filter(state__in=[DossierState.FORMAL_NOTICE, DossierState.GO_NO_GO])
        .order_by("pk")
        .first()
    )
    if notice is not None:
        for kind, name in (
            (Evidence.Kind.ORDER, "bon-de-commande"),
            (Evidence.Kind.DELIVERY_NOTE, "bon-de-livraison-signe"),
        ):
            dossier_services.evidence_add(
                dossier=notice,
                kind=kind,
                file=ContentFile(b"%PDF-1.4\n% document de demonstration\n", name=f"{name}.pdf"),
                description="Pièce de démonstration",
                actor=seeder.controller,
                reason="dossier complété avant la mise en demeure",
            )
        lines.append(f"Dossier complet en mise en demeure : {notice.reference}")
    return lines


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _payments_after_reminders(seeder) -> int:
    """Three in five debtors reminded by e-mail pays part of the balance a few days later."""
    today, rng = seeder.today, seeder.rng
    count = 0
    reminders = (
        Reminder.objects.filter(
            status=Reminder.Status.SENT,
            channel=Channel.EMAIL,
            dossier__closed_on__isnull=True,
            dossier__state__in=CADENCE_STATES,
        )
        .select_related("dossier")
        .order_by("pk")
    )
    seen: set[int] = set()
    for reminder in reminders:
        if reminder.dossier_id in seen or rng.random() > 0.6:
            continue
        seen.add(reminder.dossier_id)
        received_on = reminder.sent_at.date() + timedelta(
            days=rng.choice((2, 4, 6, 10, 13, 21, 27))
        )
        if received_on >= today:
            continue
        balance = dossier_services.dossier_balance(reminder.dossier)
        amount = (balance * Decimal(rng.uniform(0.2, 0.5))).quantize(Decimal("1"))
        if amount <= 0:
            continue
        with seeder.clock.moment(received_on, 14):
            dossier_services.payment_record(
                dossier=reminder.dossier,
                amount=amount,
                received_on=received_on,
                actor=seeder.actor,
                reason="règlement partiel reçu après relance",
            )
        count += 1
    return count


def _free_dossier(used: set[int], opened_by) -> Dossier | None:
    """An active dossier in the cadence, opened by ``opened_by`` (its story starts then), with
    no promise, plan or dispute going on."""
    dossier = (
        Dossier.objects.filter(
            state__in=CADENCE_STATES, closed_on__isnull=True, opened_on__lte=opened_by
        )
        .exclude(pk__in=used)
        .exclude(promises__status="pending")
        .exclude(payment_plans__status="active")
        .exclude(disputes__status="open")
        .order_by("-pk")
        .first()
    )
    if dossier is not None:
        used.add(dossier.pk)
    return dossier
