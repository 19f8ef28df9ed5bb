"""The daily cadence run and the delivery of reminders.

``run_cadence(on=...)`` selects the due dossiers with one indexed query and handles each in its
own transaction under the dossier's row lock. Reminders are unique per (dossier, step, cycle), so
a second run, a duplicate beat tick or two concurrent runs create nothing twice. Delivery is
queued with ``transaction.on_commit`` and sends only a reminder still ``planned``.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from dossiers import services as dossier_services
from dossiers.formatting import euros
from dossiers.models import Dossier, DossierState, Task

from . import planning
from .models import Channel, Reminder, Stage

logger = logging.getLogger(__name__)
S = DossierState
CADENCE_ACTOR_LABEL = "cadence automatique"
# Channels a machine delivers; a phone step is a call for a person to make.
DELIVERED_CHANNELS = (
    Channel.EMAIL,
    Channel.LETTER,
    Channel.REGISTERED_LETTER,
    Channel.SMS,
)


@dataclass
class RunReport:
    """What a run did (or, dry, would do), for the command's output and the logs."""

    on: date
    dry_run: bool = False
    examined: int = 0
    reminders: int = 0
    caught_up: int = 0
    counts: Counter = field(default_factory=Counter)
    lines: list[str] = field(default_factory=list)


def _reminder_content(dossier: Dossier, step) -> str:
    """A plain record of what the step says; the letters issue replaces it with templates."""
    claims = list(dossier.claims.filter(outstanding__gt=0).order_by("due_date"))
    total = sum(c.outstanding for c in claims)
    invoices = ", ".join(f"{c.invoice_number} (échéance {c.due_date:%d/%m/%Y})" for c in claims)
    return (
        f"{step.label} — dossier {dossier.reference}\n"
        f"Créancier : {dossier.creditor.legal_name}\n"
        f"Factures : {invoices}\nReste dû : {euros(total)}"
    )


def _queue_delivery(reminder: Reminder) -> None:
    from .tasks import reminder_deliver_task

    transaction.on_commit(partial(reminder_deliver_task.delay, reminder_id=reminder.pk))


def dossier_advance(
    *, dossier: Dossier, on: date, actor=None, dry_run: bool = False
) -> planning.Decision:
    """Handle one dossier for one day: fire its due step, check its promise or plan, or
    open the Go/No-Go. Runs in its own transaction under the dossier's row lock."""
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(dossier)
        if dossier.is_closed or dossier.next_action_at is None or dossier.next_action_at > on:
            return planning.Decision("none", "déjà traité")
        decision = planning.decide(dossier, on=on)
        if dry_run:
            transaction.set_rollback(True)
            return decision
        if decision.action in ("promise", "plan"):
            _check_arrangement(dossier, decision, on=on, actor=actor)
            # A broken promise or plan resumes the cadence: a step due today fires today.
            dossier = dossier_services.lock_dossier(dossier)
            decision = planning.decide(dossier, on=on)
        if decision.action == "go_no_go":
            dossier.notice_deadline_passed()
            dossier_services.save_dossier(
                dossier, actor=actor, reason="délai de la mise en demeure expiré", on=on
            )
            dossier_services.task_create(
                dossier=dossier,
                kind=Task.Kind.GO_NO_GO,
                due_on=on,
                actor=actor,
                note="Mise en demeure restée sans effet : décider de la suite (Go/No-Go).",
                reason="délai de la mise en demeure expiré",
            )
        elif decision.action == "fire":
            _fire(dossier, decision, on=on, actor=actor)
        elif decision.action not in ("promise", "plan"):
            dossier_services.save_dossier(dossier, actor=actor, reason=decision.reason, on=on)
    return decision


def _check_arrangement(dossier: Dossier, decision: planning.Decision, *, on: date, actor) -> None:
    if decision.action == "promise":
        dossier_services.promise_check(dossier=dossier, actor=actor, on=on)
    else:
        policy = planning.policy_for(dossier)
        dossier_services.plan_check(
            dossier=dossier, grace_days=policy.grace_days, actor=actor, on=on
        )


def _fire(dossier: Dossier, decision: planning.Decision, *, on: date, actor) -> None:
    caught_up_note = ""
    if decision.skipped:
        codes = ", ".join(step.label for step in decision.skipped)
        caught_up_note = f"Rattrapage au {on:%d/%m/%Y} : étapes non émises ({codes})."
        for step in decision.skipped:
            _create_reminder(
                dossier,
                step,
                on=on,
                actor=actor,
                status=Reminder.Status.CANCELLED,
                note=f"Étape dépassée, non émise (rattrapage au {on:%d/%m/%Y}).",
            )
    if decision.stage != Stage.COURTESY and decision.stage != dossier.state:
        dossier.advance(decision.stage)
    for step in decision.fire:
        reminder = _create_reminder(
            dossier,
            step,
            on=on,
            actor=actor,
            status=Reminder.Status.PLANNED,
            caught_up=bool(decision.skipped),
            note=caught_up_note,
        )
        if step.channel in DELIVERED_CHANNELS and not step.needs_approval:
            _queue_delivery(reminder)
    labels = " + ".join(step.label for step in decision.fire)
    reason = f"cadence : {labels}" + (" (rattrapage)" if decision.skipped else "")
    dossier_services.save_dossier(dossier, actor=actor, reason=reason, on=on)


def _create_reminder(dossier, step, *, on, actor, status, caught_up=False, note=""):
    reminder = Reminder(
        dossier=dossier,
        step=step,
        cycle=dossier.cycle,
        channel=step.channel,
        status=status,
        scheduled_for=on,
        caught_up=caught_up,
        note=note,
    )
    reminder._history_user = actor
    reminder._change_reason = note or f"cadence : {step.label}"
    # The unique constraint (dossier, step, cycle) is the final guard against a double run.
    with transaction.atomic():
        reminder.save()
    return reminder


def due_dossier_ids(on: date) -> list[int]:
    """The one indexed query of the daily run (partial index dossier_due_action_idx)."""
    return list(
        Dossier.objects.filter(closed_on__isnull=True, next_action_at__lte=on)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def run_cadence(*, on: date | None = None, actor=None, dry_run: bool = False) -> RunReport:
    """Advance every due dossier for the day ``on``; safe to run any number of times."""
    on = on or timezone.localdate()
    report = RunReport(on=on, dry_run=dry_run)
    for pk in due_dossier_ids(on):
        report.examined += 1
        try:
            decision = dossier_advance(dossier=pk, on=on, actor=actor, dry_run=dry_run)
        except IntegrityError:
            # Another run created this step's reminder first: nothing to do twice.
            report.counts["already_done"] += 1
            continue
        report.counts[decision.action] += 1
        if decision.action == "fire":
            report.reminders += len(decision.fire)
            report.caught_up += int(decision.caught_up)
            labels = " + ".join(step.label for step in decision.fire)
            flag = " (rattrapage)" if decision.caught_up else ""
            report.lines.append(f"dossier {pk} : {labels}{flag}")
        elif decision.action in ("go_no_go", "promise", "plan"):
            report.lines.append(f"dossier {pk} : {decision.reason or decision.action}")
    return report


def reminder_deliver(*, reminder_id: int) -> bool:
    """Deliver a planned reminder once: lock its row, send only if still planned.

    Delivery is a plain record for now (content kept, status sent); the letters issue plugs
    e-mail, PDF and post in here.
    """
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True)
            .select_related("dossier__creditor", "step")
            .filter(pk=reminder_id, status=Reminder.Status.PLANNED)
            .first()
        )
        if reminder is None:
            return False
        reminder.content = _reminder_content(reminder.dossier, reminder.step)
        reminder.status = Reminder.Status.SENT
        reminder.sent_at = timezone.now()
        reminder._change_reason = "relance émise"
        reminder.save()
    return True


def reminders_cancel(*, dossier: Dossier, actor, reason: str) -> int:
    """Cancel the dossier's planned reminders (dispute, promise, insolvency, payment...)."""
    count = 0
    for reminder in Reminder.objects.select_for_update().filter(
        dossier=dossier, status=Reminder.Status.PLANNED
    ):
        reminder.status = Reminder.Status.CANCELLED
        reminder.note = f"Annulée : {reason}"
        reminder._history_user = actor
        reminder._change_reason = f"relance annulée : {reason}"
        reminder.save()
        count += 1
    return count
