"""The dashboards' part of the demo: costs per channel, reminders dated the day the cadence sent
them, debtors who paid a few days after a reminder, a kept promise, an honoured payment plan, a
resolved dispute and a complete file at formal notice, so that every chart has something to show.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from courriers import delivery
from dossiers import services as dossier_services
from dossiers.models import CADENCE_STATES, Dossier, DossierState, Evidence
from pilotage import services
from relances import services as relance_services
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
    today, actor, rng = seeder.today, seeder.actor, seeder.rng
    services.cost_settings_update(
        actor=actor, reason="tarifs de démonstration (postaux, SMS, coût horaire)", **DEMO_COSTS
    )
    sent = _deliver_on_their_day(actor)
    paid = _payments_after_reminders(seeder)
    used: set[int] = set()
    lines = [
        "Pilotage     coûts par canal renseignés ; "
        f"{sent} relances datées de leur envoi ; {paid} paiements reçus après une relance"
    ]
    if dossier := _free_dossier(used):
        balance = dossier_services.dossier_balance(dossier)
        share = (balance * Decimal("0.4")).quantize(Decimal("0.01"))
        dossier_services.promise_record(
            dossier=dossier,
            amount=share,
            due_on=today - timedelta(days=10),
            actor=seeder.controller,
            reason="promesse obtenue au téléphone",
            on=today - timedelta(days=20),
        )
        dossier_services.payment_record(
            dossier=dossier,
            amount=share,
            received_on=today - timedelta(days=12),
            actor=seeder.controller,
            reason="règlement promis reçu",
        )
        lines.append(f"Promesse tenue : {dossier.reference} ({dossier.creditor})")
    if dossier := _free_dossier(used):
        balance = dossier_services.dossier_balance(dossier)
        first = (balance / 2).quantize(Decimal("0.01"))
        accepted = today - timedelta(days=60)
        plan = [
            (accepted + timedelta(days=15), first),
            (accepted + timedelta(days=45), balance - first),
        ]
        dossier_services.plan_accept(
            dossier=dossier,
            installments=plan,
            actor=seeder.controller,
            reason="échéancier accepté par le débiteur",
            on=accepted,
        )
        for due_on, amount in plan:
            dossier_services.payment_record(
                dossier=dossier,
                amount=amount,
                received_on=due_on - timedelta(days=rng.randint(0, 3)),
                actor=seeder.controller,
                reason="échéance réglée",
            )
        lines.append(f"Échéancier honoré : {dossier.reference} ({dossier.creditor})")
    if dossier := _free_dossier(used):
        dispute = dossier_services.dispute_open(
            dossier=dossier,
            reason_code="not_received",
            claim=dossier.claims.order_by("due_date").first(),
            actor=seeder.controller,
            on=today - timedelta(days=30),
        )
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


def _deliver_on_their_day(actor) -> int:
    """Deliver now the reminders the walk planned (the demo runs in one transaction, so they
    would leave on commit, all dated today), dated the morning the cadence sent them."""
    count = 0
    planned = Reminder.objects.filter(
        status=Reminder.Status.PLANNED,
        channel__in=relance_services.DELIVERED_CHANNELS,
        scheduled_for__lt=timezone.localdate(),
    ).order_by("pk")
    delivered = [
        reminder_id
        for reminder_id in planned.values_list("pk", flat=True)
        if delivery.reminder_deliver(reminder_id=reminder_id)
    ]
    # Reminders another part of the demo already delivered today, though planned earlier.
    delivered_today = Reminder.objects.filter(
        status=Reminder.Status.SENT,
        sent_at__gte=timezone.make_aware(datetime.combine(timezone.localdate(), time.min)),
        scheduled_for__lt=timezone.localdate(),
    ).values_list("pk", flat=True)
    for reminder_id in sorted({*delivered, *delivered_today}):
        reminder = Reminder.objects.get(pk=reminder_id)
        reminder.sent_at = timezone.make_aware(datetime.combine(reminder.scheduled_for, time(7)))
        dossier_services.journaled_save(
            reminder, actor=actor, reason="démonstration : envoyée le jour prévu par la cadence"
        )
        count += 1
    return count


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
        dossier_services.payment_record(
            dossier=reminder.dossier,
            amount=amount,
            received_on=received_on,
            actor=seeder.actor,
            reason="règlement partiel reçu après relance",
        )
        count += 1
    return count


def _free_dossier(used: set[int]) -> Dossier | None:
    """An active dossier in the cadence, with no promise, plan or dispute going on."""
    dossier = (
        Dossier.objects.filter(state__in=CADENCE_STATES, closed_on__isnull=True)
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
