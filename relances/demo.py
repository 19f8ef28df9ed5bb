"""The cadence's part of the demo: the last weeks of daily runs, then the side states.

The records of ``seed_demo`` are walked through the cadence day by day over the last 75 days, as
if the daily run had been live, so reminders carry their real dates and dossiers stand at every
step; then a few dossiers get a promise, a payment plan, a dispute and a Go/No-Go decision.
"""

from datetime import timedelta
from decimal import Decimal

from django.dispatch import receiver

from dossiers import services as dossier_services
from dossiers.demo import demo_seeded
from dossiers.models import Dossier, DossierState

from . import services
from .models import Reminder

S = DossierState
WALK_DAYS = 75


def _first(state: str, exclude: set[int]) -> Dossier | None:
    dossier = Dossier.objects.filter(state=state).exclude(pk__in=exclude).order_by("pk").first()
    if dossier is not None:
        exclude.add(dossier.pk)
    return dossier


@receiver(demo_seeded, dispatch_uid="relances_demo")
def walk_the_cadence(sender, *, seeder, **kwargs) -> list[str]:
    today, actor = seeder.today, seeder.actor
    start = today - timedelta(days=WALK_DAYS)
    for dossier in Dossier.objects.active().order_by("pk"):
        dossier_services.save_dossier(
            dossier, actor=actor, reason="démonstration : cadence reprise au démarrage", on=start
        )
    day = start
    while day <= today:
        services.run_cadence(on=day)
        day += timedelta(days=1)

    used: set[int] = set()
    lines = []
    if dossier := _first(S.REMINDER_2, used):
        balance = sum(c.outstanding for c in dossier.claims.all())
        dossier_services.promise_record(
            dossier=dossier,
            amount=balance,
            due_on=today + timedelta(days=10),
            actor=seeder.controller,
            reason="promesse obtenue au téléphone",
        )
        lines.append(f"Promesse de paiement en cours : {dossier.reference} ({dossier.creditor})")
    if dossier := _first(S.REMINDER_3, used):
        balance = sum(c.outstanding for c in dossier.claims.all())
        first = (balance / 3).quantize(Decimal("0.01"))
        dossier_services.plan_accept(
            dossier=dossier,
            installments=[
                (today + timedelta(days=5), first),
                (today + timedelta(days=35), first),
                (today + timedelta(days=65), balance - 2 * first),
            ],
            actor=seeder.controller,
            reason="échéancier accepté : difficultés de trésorerie passagères",
        )
        lines.append(f"Échéancier en cours : {dossier.reference} ({dossier.creditor})")
    if dossier := _first(S.REMINDER_2, used) or _first(S.REMINDER_1, used):
        dossier_services.dispute_open(
            dossier=dossier,
            reason_code="quality",
            claim=dossier.claims.order_by("due_date").first(),
            description="Le client signale des marchandises livrées endommagées.",
            actor=seeder.controller,
        )
        lines.append(f"Contestation en cours : {dossier.reference} ({dossier.creditor})")
    decisions = [
        ("litigation", "dossier complet, créance non contestée : injonction de payer"),
        ("written_off", "montant trop faible au regard du coût d'une procédure"),
    ]
    for decision, reason in decisions:
        if dossier := _first(S.GO_NO_GO, used):
            dossier_services.dossier_decide(
                dossier=dossier, decision=decision, actor=actor, reason=reason
            )
            lines.append(f"Go/No-Go ({reason}) : {dossier.reference} ({dossier.creditor})")
    sent = Reminder.objects.filter(
        status__in=[Reminder.Status.PLANNED, Reminder.Status.SENT]
    ).count()
    states = ", ".join(
        f"{label} {Dossier.objects.filter(state=value).count()}"
        for value, label in S.choices
        if Dossier.objects.filter(state=value).exists()
    )
    return [
        f"Relances    {sent} sur {WALK_DAYS} jours de cadence quotidienne",
        f"États       {states}",
        *lines,
    ]
