"""The cadence's part of the demo: the last weeks of daily runs, then the side states.

The records of ``seed_demo`` are walked through the cadence day by day over the last 75 days, as
if the daily run had been live, so reminders carry their real dates and dossiers stand at every
step; then a few dossiers get a promise, a payment plan, a dispute and a Go/No-Go decision; and the
controller's worklist (« Ma journée ») gets one of each kind of item: a promise due today, a
broken promise, a missed installment, a failed delivery, a prescription within 90 days, a call
with its recap e-mail to send, a dossier on hold.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from dossiers import services as dossier_services
from dossiers.models import Debtor, Dossier, DossierState
from relances import services
from relances.models import CallLog, Reminder

S = DossierState
WALK_DAYS = 75


def _first(state: str, exclude: set[int]) -> Dossier | None:
    dossier = Dossier.objects.filter(state=state).exclude(pk__in=exclude).order_by("pk").first()
    if dossier is not None:
        exclude.add(dossier.pk)
    return dossier


def walk_the_cadence(*, seeder) -> list[str]:
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
        balance = dossier_services.dossier_balance(dossier)
        dossier_services.promise_record(
            dossier=dossier,
            amount=balance,
            due_on=today + timedelta(days=10),
            actor=seeder.controller,
            reason="promesse obtenue au téléphone",
        )
        lines.append(f"Promesse de paiement en cours : {dossier.reference} ({dossier.creditor})")
    if dossier := _first(S.REMINDER_3, used):
        balance = dossier_services.dossier_balance(dossier)
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
    lines += _worklist_items(seeder, used)
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


def _balance(dossier: Dossier) -> Decimal:
    return sum((c.outstanding for c in dossier.claims.all()), Decimal("0.00"))


def _worklist_items(seeder, used: set[int]) -> list[str]:
    """One dossier for each kind of item of « Ma journée » that the walk does not make."""
    today, controller = seeder.today, seeder.controller
    lines = []
    if dossier := _first(S.OPEN, used):
        dossier_services.promise_record(
            dossier=dossier,
            amount=_balance(dossier),
            due_on=today,
            actor=controller,
            reason="promesse obtenue au téléphone",
            on=today - timedelta(days=10),
        )
        lines.append(f"Promesse à échéance aujourd'hui : {dossier.reference} ({dossier.creditor})")
    if dossier := _first(S.OPEN, used):
        dossier_services.promise_record(
            dossier=dossier,
            amount=_balance(dossier),
            due_on=today - timedelta(days=8),
            actor=controller,
            reason="promesse obtenue au téléphone",
            on=today - timedelta(days=15),
        )
        dossier_services.promise_check(dossier=dossier, actor=None, on=today)
        lines.append(f"Promesse non tenue : {dossier.reference} ({dossier.creditor})")
    if dossier := _first(S.OPEN, used):
        balance = _balance(dossier)
        first = (balance / 3).quantize(Decimal("0.01"))
        dossier_services.plan_accept(
            dossier=dossier,
            installments=[
                (today - timedelta(days=30), first),
                (today, first),
                (today + timedelta(days=30), balance - 2 * first),
            ],
            actor=controller,
            reason="échéancier accepté par courriel : reconnaissance de dette (C. civ. 2240)",
            on=today - timedelta(days=35),
        )
        dossier_services.plan_check(dossier=dossier, grace_days=3, actor=None, on=today)
        lines.append(f"Échéance impayée : {dossier.reference} ({dossier.creditor})")
    # Deliveries are queued on commit and the demo runs in one transaction: the e-mail is
    # still planned here, and its delivery then finds it failed and sends nothing.
    email = (
        Reminder.objects.filter(
            status__in=[Reminder.Status.PLANNED, Reminder.Status.SENT],
            channel="email",
            dossier__assigned_to=controller,
            dossier__closed_on__isnull=True,
        )
        .exclude(dossier_id__in=used)
        .order_by("-scheduled_for", "pk")
        .first()
    )
    if email is not None:
        services.reminder_mark_failed(
            reminder_id=email.pk, error="adresse refusée par le serveur du destinataire (550)"
        )
        lines.append(f"Envoi en échec : {email.dossier.reference} ({email.dossier.creditor})")
    if dossier := _first(S.REMINDER_2, used) or _first(S.REMINDER_1, used):
        services.call_log(
            dossier=dossier,
            actor=controller,
            outcome=CallLog.Outcome.REACHED,
            contact_name="Service comptable",
            contact_role=CallLog.ContactRole.ACCOUNTING,
            delay_reason="cash_flow",
            commitment_amount=_balance(dossier),
            commitment_date=today + timedelta(days=30),
            summary="Règlement annoncé pour la fin du mois prochain.",
            at=timezone.make_aware(datetime.combine(today - timedelta(days=1), time(11))),
        )
        lines.append(f"Appel avec récapitulatif à envoyer : {dossier.reference}")
    if dossier := _first(S.OPEN, used):
        services.hold_set(
            dossier=dossier,
            until=today + timedelta(days=14),
            reason="bon de livraison signé demandé au créancier",
            actor=controller,
        )
        lines.append(f"Dossier en attente : {dossier.reference} ({dossier.creditor})")
    lines += _near_prescription(seeder, used)
    return lines


def _near_prescription(seeder, used: set[int]) -> list[str]:
    """A consumer's older invoice, due almost 2 years ago (C. conso. L218-2), found and added to
    their dossier: its prescription falls within 90 days, the worklist warns."""
    today = seeder.today
    dossier = (
        Dossier.objects.active()
        .filter(debtor__kind=Debtor.Kind.CONSUMER, assigned_to=seeder.controller)
        .exclude(pk__in=used)
        .order_by("pk")
        .first()
    )
    if dossier is None:
        return []
    used.add(dossier.pk)
    due = today.replace(year=today.year - 2) + timedelta(days=45)
    claim = dossier_services.claim_create(
        creditor=dossier.creditor,
        debtor=dossier.debtor,
        invoice_number=f"FA-{due.year}-90001",
        issue_date=due - timedelta(days=30),
        due_date=due,
        amount=Decimal("640.00"),
        actor=seeder.actor,
        reason="facture ancienne retrouvée lors d'un rapprochement",
    )
    return [f"Prescription dans moins de 90 jours : {claim.dossier.reference} ({dossier.creditor})"]
