"""The dossier's life outside the cadence's own steps: promises, payment plans, disputes,
insolvency proceedings, GDPR restriction, tasks and the Go/No-Go decision.

Each service locks the dossier row, calls one transition of the state machine, saves with the
journal's who and why, and tells the cadence (``cadence_stopped``) when reminders must stop.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from dossiers import scheduling
from dossiers.models import (
    ACTIVE_STATES,
    ZERO,
    Claim,
    Debtor,
    Dispute,
    Dossier,
    DossierState,
    Installment,
    PaymentPlan,
    Promise,
    Task,
)
from dossiers.selectors import dossier_accessories
from dossiers.services._common import (
    User,
    amount_due,
    dossier_refresh,
    lock_dossier,
    paid_since,
    refuse_closed,
    save_dossier,
)
from dossiers.services.records import claim_cancel
from journal.journaled import journaled_save, require_reason
from legal import calendar, rules
from legal.bounds import LowerBound
from legal.formatting import euros

S = DossierState


def _today(on: date | None) -> date:
    return on or timezone.localdate()


def _transition(dossier: Dossier, method: str, *args) -> None:
    """Call a transition, turning a refusal into a French message for the user."""
    try:
        getattr(dossier, method)(*args)
    except TransitionNotAllowed as exc:
        raise ValidationError(
            f"Action impossible dans l'état « {dossier.get_state_display()} »."
        ) from exc


def _stop_cadence(dossier: Dossier, *, actor: User | None, reason: str) -> None:
    scheduling.cadence_stopped.send(sender=Dossier, dossier=dossier, actor=actor, reason=reason)


def task_create(
    *,
    dossier: Dossier,
    kind: str,
    due_on: date,
    actor: User | None,
    note: str = "",
    reason: str = "tâche créée",
) -> Task:
    """A task for a person on the dossier. On a closed dossier only the court route's deadlines
    are still opened (a dossier in litigation, ``escalade.court``)."""
    court_follow_up = (S.LITIGATION,) if kind == Task.Kind.COURT_DEADLINE else ()
    # Read from the row: the caller's copy may predate the closing.
    current = Dossier.objects.only("reference", "state", "closed_on").get(pk=dossier.pk)
    refuse_closed(current, action="créer une tâche", allow=court_follow_up)
    task = Task(
        dossier=dossier, kind=kind, due_on=due_on, note=note, assigned_to=dossier.assigned_to
    )
    journaled_save(task, actor=actor, reason=reason)
    return task


# --- Promises --------------------------------------------------------------------------------


def promise_record(
    *,
    dossier: Dossier,
    amount: Decimal,
    due_on: date,
    actor: User | None,
    reason: str = "promesse de paiement obtenue",
    note: str = "",
    on: date | None = None,
) -> Promise:
    """Record a promise to pay: the cadence holds until its date plus the policy's grace."""
    on = _today(on)
    with transaction.atomic():
        dossier = lock_dossier(dossier)
        refuse_closed(dossier, action="enregistrer une promesse de paiement")
        promise = Promise(dossier=dossier, amount=amount, made_on=on, due_on=due_on, note=note)
        journaled_save(promise, actor=actor, reason=require_reason(reason))
        due = amount_due(dossier, on=on)
        if amount > due:
            if dossier.in_accessories_phase:
                raise ValidationError(
                    {
                        "amount": "Le montant promis dépasse les accessoires restant dus "
                        f"({euros(due)} : pénalités de retard et indemnité forfaitaire, "
                        "C. com. L441-10 II, D441-5)."
                    }
                )
            raise ValidationError({"amount": "Le montant promis dépasse le reste dû du dossier."})
        _transition(dossier, "promise")
        save_dossier(dossier, actor=actor, reason=reason, on=on)
        _stop_cadence(dossier, actor=actor, reason=reason)
    return promise


def promise_check(
    *, dossier: Dossier, actor: User | None, on: date | None = None
) -> Promise | None:
    """At the promise's date plus grace: kept → the cadence resumes (or the dossier is already
    paid); broken → the cadence resumes and a person gets a task to call back."""
    on = _today(on)
    with transaction.atomic():
        dossier = lock_dossier(dossier)
        promise = dossier.promises.filter(status=Promise.Status.PENDING).first()
        if promise is None or on <= promise.due_on:
            return promise
        kept = paid_since(dossier, promise.made_on, on) >= promise.amount
        promise.status = Promise.Status.KEPT if kept else Promise.Status.BROKEN
        promise.settled_on = on
        label = "promesse tenue" if kept else "promesse non tenue"
        journaled_save(promise, actor=actor, reason=label)
        if not kept:
            task_create(
                dossier=dossier,
                kind=Task.Kind.PROMISE_BROKEN,
                due_on=on,
                actor=actor,
                note=(
                    f"Promesse de {euros(promise.amount)} pour le "
                    f"{promise.due_on:%d/%m/%Y} non tenue."
                ),
                reason=label,
            )
        if dossier.state == S.PROMISE:
            dossier.resume()
        save_dossier(dossier, actor=actor, reason=f"{label} : reprise de la cadence", on=on)
    return promise


# --- Payment plans ---------------------------------------------------------------------------


def plan_accept(
    *,
    dossier: Dossier,
    installments: list[tuple[date, Decimal]],
    actor: User | None,
    reason: str = "échéancier accepté par le débiteur",
    on: date | None = None,
) -> PaymentPlan:
    """Record an accepted payment plan covering the whole balance; it holds the cadence.

    On a dossier left with its accessories (« Accessoires dus »), the plan covers what is left
    of them (C. com. L441-10 II, D441-5; docs/legal.md §11); while a rate is missing their
    amount is only a lower bound and no plan can settle it.
    The debtor's acceptance acknowledges the debt (C. civ. 2240).
    """
    on = _today(on)
    if not installments:
        raise ValidationError("Un échéancier comporte au moins une échéance.")
    with transaction.atomic():
        dossier = lock_dossier(dossier)
        refuse_closed(dossier, action="accepter un échéancier")
        balance = amount_due(dossier, on=on)
        total = sum((amount for _, amount in installments), ZERO)
        if isinstance(balance, LowerBound):
            raise ValidationError(
                f"Les accessoires restant dus ne sont connus qu'au minimum ({euros(balance)}) : "
                "saisissez le taux de référence manquant avant d'accepter un échéancier."
            )
        if total != balance:
            what = "aux accessoires restant dus" if dossier.in_accessories_phase else "au reste dû"
            raise ValidationError(
                f"Le total des échéances ({euros(total)}) doit être égal {what} ({euros(balance)})."
            )
        if min(due for due, _ in installments) < on:
            raise ValidationError("Une échéance ne peut pas être antérieure à l'acceptation.")
        plan = PaymentPlan(dossier=dossier, accepted_on=on)
        journaled_save(plan, actor=actor, reason=require_reason(reason))
        for due_on, amount in sorted(installments):
            journaled_save(
                Installment(plan=plan, due_on=due_on, amount=amount), actor=actor, reason=reason
            )
        _transition(dossier, "accept_plan")
        save_dossier(dossier, actor=actor, reason=reason, on=on)
        _stop_cadence(dossier, actor=actor, reason=reason)
    return plan


def installment_missed(plan: PaymentPlan, *, on: date, grace_days: int) -> Installment | None:
    """The first installment unpaid ``grace_days`` after its date, as of ``on`` (or None).

    Money received since the plan's acceptance pays the installments in date order.
    """
    paid = paid_since(plan.dossier, plan.accepted_on, on)
    due_so_far = ZERO
    for installment in plan.installments.all():
        due_so_far += installment.amount
        if installment.due_on + timedelta(days=grace_days) < on and paid < due_so_far:
            return installment
    return None


def plan_check(
    *, dossier: Dossier, grace_days: int, actor: User | None, on: date | None = None
) -> Installment | None:
    """A missed installment breaks the plan: the cadence resumes and a person gets a task."""
    on = _today(on)
    with transaction.atomic():
        dossier = lock_dossier(dossier)
        plan = dossier.payment_plans.filter(status=PaymentPlan.Status.ACTIVE).first()
        if plan is None:
            return None
        missed = installment_missed(plan, on=on, grace_days=grace_days)
        if missed is None:
            save_dossier(dossier, actor=actor, reason="échéancier respecté", on=on)
            return None
        missed.missed_on = on
        journaled_save(missed, actor=actor, reason="échéance impayée")
        plan.status = PaymentPlan.Status.BROKEN
        plan.ended_on = on
        journaled_save(plan, actor=actor, reason="échéancier rompu")
        task_create(
            dossier=dossier,
            kind=Task.Kind.INSTALLMENT_MISSED,
            due_on=on,
            actor=actor,
            note=f"Échéance de {euros(missed.amount)} du {missed.due_on:%d/%m/%Y} impayée.",
            reason="échéance impayée",
        )
        if dossier.state == S.PAYMENT_PLAN:
            dossier.resume()
        save_dossier(dossier, actor=actor, reason="échéance impayée : reprise de la cadence", on=on)
    return missed


# --- Disputes --------------------------------------------------------------------------------


def dispute_open(
    *,
    dossier: Dossier,
    reason_code: str,
    actor: User | None,
    claim: Claim | None = None,
    description: str = "",
    on: date | None = None,
) -> Dispute:
    """A contestation stops the reminders of the whole dossier until it is resolved."""
    on = _today(on)
    with transaction.atomic():
        dossier = lock_dossier(dossier)
        refuse_closed(dossier, action="enregistrer une contestation")
        if claim is not None and claim.dossier_id != dossier.pk:
            raise ValidationError({"claim": "Cette facture n'appartient pas au dossier."})
        dispute = Dispute(
            dossier=dossier, claim=claim, reason=reason_code, description=description, opened_on=on
        )
        journaled_save(dispute, actor=actor, reason="contestation reçue")
        if dossier.state != S.DISPUTED:
            _transition(dossier, "open_dispute")
        save_dossier(dossier, actor=actor, reason="contestation reçue", on=on)
        _stop_cadence(dossier, actor=actor, reason="contestation reçue")
    return dispute


def dispute_resolve(
    *,
    dispute: Dispute,
    upheld: bool,
    resolution: str,
    actor: User | None,
    on: date | None = None,
) -> Dispute:
    """Close a contestation. Upheld: the disputed invoice is cancelled. When no contestation
    remains open, the cadence resumes where it stopped (or the dossier closes if nothing is due)."""
    on = _today(on)
    resolution = require_reason(resolution)
    with transaction.atomic():
        dossier = lock_dossier(dossier=dispute.dossier_id)
        refuse_closed(dossier, action="clore une contestation")
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if dispute.status != Dispute.Status.OPEN:
            raise ValidationError("Cette contestation est déjà close.")
        dispute.status = Dispute.Status.UPHELD if upheld else Dispute.Status.RESOLVED
        dispute.resolved_on = on
        dispute.resolution = resolution
        journaled_save(dispute, actor=actor, reason=f"contestation close : {resolution}")
        if upheld and dispute.claim_id and not dispute.claim.is_cancelled:
            claim_cancel(
                claim=dispute.claim,
                actor=actor,
                reason=f"contestation fondée : {resolution}",
                on=on,
            )
            dossier = lock_dossier(dossier)
        if dossier.is_closed or dossier.disputes.filter(status=Dispute.Status.OPEN).exists():
            return dispute
        if dossier.state == S.DISPUTED:
            dossier.resume()
        dossier_refresh(dossier=dossier, actor=actor, reason="contestation close", on=on)
    return dispute


# --- Insolvency proceedings and GDPR restriction ---------------------------------------------


def claim_declaration_deadline(published_on: date, *, abroad: bool = False) -> date:
    """Last day to declare a claim: 2 months from the BODACC publication, 4 from abroad
    (C. com. R622-24), moved to the next working day if it ends on a closed day (CPC 642)."""
    months = rules.INSOLVENCY_DECLARATION_MONTHS
    if abroad:
        months += rules.INSOLVENCY_DECLARATION_EXTRA_MONTHS_ABROAD
    return calendar.roll_forward(calendar.add_months(published_on, months))


def insolvency_open(
    *,
    debtor: Debtor,
    kind: str,
    opened_on: date,
    actor: User | None,
    published_on: date | None = None,
    on: date | None = None,
) -> list[Task]:
    """Insolvency proceedings opened against a debtor: every active dossier stops (L622-21),
    planned reminders are cancelled and a claim declaration task carries its deadline."""
    on = _today(on)
    published_on = published_on or opened_on
    deadline = claim_declaration_deadline(published_on)
    tasks = []
    with transaction.atomic():
        debtor = Debtor.objects.select_for_update().get(pk=debtor.pk)
        debtor.insolvency_status = kind
        debtor.insolvency_opened_on = opened_on
        reason = f"{debtor.get_insolvency_status_display()} ouvert le {opened_on:%d/%m/%Y}"
        journaled_save(debtor, actor=actor, reason=reason)
        for pk in (
            debtor.dossiers.filter(state__in=ACTIVE_STATES)
            .order_by("pk")
            .values_list("pk", flat=True)
        ):
            dossier = lock_dossier(pk)
            if dossier.state != S.INSOLVENCY:
                _transition(dossier, "open_insolvency")
            save_dossier(dossier, actor=actor, reason=reason, on=on)
            _stop_cadence(dossier, actor=actor, reason=reason)
            note = (
                f"Déclarer la créance au mandataire judiciaire avant le {deadline:%d/%m/%Y} "
                f"(publication BODACC du {published_on:%d/%m/%Y}, C. com. R622-24)."
            )
            tasks.append(
                task_create(
                    dossier=dossier,
                    kind=Task.Kind.CLAIM_DECLARATION,
                    due_on=deadline,
                    actor=actor,
                    note=note,
                    reason=reason,
                )
            )
    return tasks


def restriction_set(
    *, debtor: Debtor, restricted: bool, actor: User | None, reason: str, on: date | None = None
) -> Debtor:
    """Restrict (or lift the restriction of) the processing of a debtor's data (GDPR art. 18):
    no reminder goes out while it holds; lifting it resumes each dossier where it stopped."""
    on = _today(on)
    reason = require_reason(reason)
    with transaction.atomic():
        debtor = Debtor.objects.select_for_update().get(pk=debtor.pk)
        debtor.processing_restricted = restricted
        journaled_save(debtor, actor=actor, reason=reason)
        for pk in (
            debtor.dossiers.filter(state__in=ACTIVE_STATES)
            .order_by("pk")
            .values_list("pk", flat=True)
        ):
            dossier = lock_dossier(pk)
            if restricted and dossier.state not in (S.RESTRICTED, S.INSOLVENCY):
                _transition(dossier, "restrict")
                _stop_cadence(dossier, actor=actor, reason=reason)
            elif not restricted and dossier.state == S.RESTRICTED:
                dossier.resume()
            save_dossier(dossier, actor=actor, reason=reason, on=on)
    return debtor


# --- Go/No-Go --------------------------------------------------------------------------------

DECISIONS = {
    "litigation": "hand_to_court",
    "written_off": "write_off",
    "amicable": "back_to_amicable",
}


def dossier_decide(
    *, dossier: Dossier, decision: str, actor: User | None, reason: str, on: date | None = None
) -> Dossier:
    """The Go/No-Go decision: hand to court, write off, or a new amicable cycle."""
    on = _today(on)
    reason = require_reason(reason)
    if decision not in DECISIONS:
        raise ValidationError("Décision inconnue.")
    with transaction.atomic():
        dossier = lock_dossier(dossier)
        refuse_closed(dossier, action="prendre une décision Go/No-Go")
        _transition(dossier, DECISIONS[decision], on)
        save_dossier(dossier, actor=actor, reason=f"décision Go/No-Go : {reason}", on=on)
        if dossier.is_closed:
            _stop_cadence(dossier, actor=actor, reason=reason)
    return dossier


# --- Accessories after the principal (C. com. L441-10 II, D441-5) ---------------------------


def accessories_waive(
    *, dossier: Dossier, actor: User | None, reason: str, on: date | None = None
) -> Dossier:
    """The creditor gives up the penalties and the indemnity left on this dossier: a decision
    recorded in the journal with who took it and why; the dossier closes as paid."""
    on = _today(on)
    reason = require_reason(reason)
    with transaction.atomic():
        dossier = lock_dossier(dossier)
        refuse_closed(dossier, action="abandonner les accessoires")
        if dossier.state != S.ACCESSORIES:
            raise ValidationError(
                "Seul un dossier « Accessoires dus » peut voir ses accessoires abandonnés "
                f"(état actuel : « {dossier.get_state_display()} »)."
            )
        remaining = dossier_accessories(dossier, on=on).remaining
        dossier.close_accessories(on=max(on, dossier.opened_on))
        save_dossier(
            dossier,
            actor=actor,
            reason=f"abandon des accessoires ({euros(remaining)}) : {reason}",
            on=on,
        )
        _stop_cadence(dossier, actor=actor, reason="accessoires abandonnés")
    return dossier


def formal_notice_sent(*, dossier: Dossier, on: date, actor: User | None) -> Dossier:
    """Record that a formal notice went out: the day of the first one, from which legal interest
    runs (C. civ. 1231-6; a later cycle's notice keeps it), and the next action recomputed, the
    Go/No-Go counting its deadline from this sending (``relances.planning``)."""
    with transaction.atomic():
        dossier = lock_dossier(dossier)
        if dossier.formal_notice_sent_on is None:
            dossier.formal_notice_sent_on = on
        save_dossier(dossier, actor=actor, reason="mise en demeure envoyée : délai en cours", on=on)
    return dossier


def formal_notice_deposited(
    *, dossier: Dossier, sent_on: date, deposited_on: date, actor: User | None
) -> Dossier:
    """A registered notice was deposited at the post office on ``deposited_on``: it went out
    then, not on the day it was printed (``sent_on``). The first notice's date (legal interest,
    C. civ. 1231-6) follows the deposit, and the next action is recomputed, the Go/No-Go counting
    its deadline from the deposit (``relances.planning.notice_state``)."""
    with transaction.atomic():
        dossier = lock_dossier(dossier)
        refuse_closed(dossier, action="enregistrer le dépôt de la mise en demeure")
        if dossier.formal_notice_sent_on in (None, sent_on):
            dossier.formal_notice_sent_on = deposited_on
        save_dossier(
            dossier,
            actor=actor,
            reason=f"mise en demeure déposée à La Poste le {deposited_on:%d/%m/%Y}",
            on=timezone.localdate(),
        )
    return dossier
