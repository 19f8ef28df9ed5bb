"""The journal's part of the demo: Go/No-Go files (one complete, one incomplete, one decided),
then the whole journal sealed into its hash chain and today's chain-head file written."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts import roles
from courriers import delivery
from dossiers import services as dossier_services
from dossiers.models import Dossier, Evidence
from escalade import court, gonogo, services
from escalade.models import SolvencyAnalysis
from escalade.routes import Route
from journal import chain, heads
from relances import services as relance_services
from relances.models import CallLog, Channel, Reminder, Stage

PIECES = {
    Evidence.Kind.CONTRACT: "Conditions générales de vente signées",
    Evidence.Kind.INVOICE: "Facture",
    Evidence.Kind.DELIVERY_NOTE: "Bon de livraison signé par le client",
    Evidence.Kind.ACKNOWLEDGMENT: "Avis de réception de la mise en demeure (LRAR)",
}


def _send_pending(dossier: Dossier, *, manager, today) -> None:
    """Deliver now what the seed's transaction would deliver on commit, and have the manager
    approve the latest formal notice, so that the checklist sees them sent."""
    planned = (
        Reminder.objects.filter(dossier=dossier, status=Reminder.Status.PLANNED)
        .exclude(channel=Channel.PHONE)
        .select_related("step")
        .order_by("-scheduled_for", "-pk")
    )
    notice_approved = False
    for reminder in planned:
        if reminder.step.needs_approval and reminder.approved_at is None:
            if reminder.step.stage != Stage.FORMAL_NOTICE or notice_approved:
                continue
            relance_services.reminder_approve(reminder=reminder, actor=manager, on=today)
            notice_approved = True
        delivery.reminder_deliver(reminder_id=reminder.pk)


def _complete(dossier: Dossier, *, controller, manager, today, clock) -> None:
    """Give the dossier every piece the checklist asks for (the ones it lacks)."""
    _send_pending(dossier, manager=manager, today=today)
    row = gonogo.with_checklist(Dossier.objects.filter(pk=dossier.pk)).get()
    present = {
        Evidence.Kind.CONTRACT: row.has_contract,
        Evidence.Kind.INVOICE: row.has_invoice,
        Evidence.Kind.DELIVERY_NOTE: row.has_delivery,
        Evidence.Kind.ACKNOWLEDGMENT: row.has_receipt,
    }
    for kind, label in PIECES.items():
        if present[kind]:
            continue
        text = f"{label} — dossier {dossier.reference} (pièce de démonstration)\n"
        dossier_services.evidence_add(
            dossier=dossier,
            file=ContentFile(text.encode(), name=f"{kind}-{dossier.reference}.txt"),
            kind=kind,
            description=label,
            actor=controller,
        )
    if not row.has_plan_attempt:
        # A call logged directly: the call script's attempt limits are the workspace's business.
        call = CallLog(
            dossier=dossier,
            called_at=timezone.make_aware(datetime.combine(today - timedelta(days=3), time(11))),
            called_by=controller,
            outcome=CallLog.Outcome.REACHED,
            contact_role=CallLog.ContactRole.ACCOUNTING,
            plan_offered=True,
            summary="Échéancier en trois mensualités proposé ; refusé sans motif.",
        )
        with clock.moment(today - timedelta(days=3), 11):
            dossier_services.journaled_save(
                call, actor=controller, reason="appel : échéancier proposé"
            )
    if not row.has_solvency:
        services.solvency_record(
            dossier=dossier,
            analysed_on=today,
            sources=[SolvencyAnalysis.Source.BODACC, SolvencyAnalysis.Source.REGISTRY],
            conclusion=SolvencyAnalysis.Conclusion.SOLVENT,
            note="Aucune procédure collective au BODACC ; comptes 2025 publiés, bénéficiaires.",
            actor=controller,
        )


def go_no_go_files(*, seeder) -> list[str]:
    today, controller = seeder.today, seeder.controller
    manager = (
        get_user_model().objects.filter(groups__name=roles.MANAGER).order_by("pk").first()
        or seeder.actor
    )
    # Files whose reminders went out (or go out when the seed commits) first: a dossier that
    # reached the formal notice by catch-up has no reminder to show.
    reminded = Exists(
        Reminder.objects.filter(
            dossier=OuterRef("pk"),
            status__in=[Reminder.Status.PLANNED, Reminder.Status.SENT],
            step__stage__in=[Stage.REMINDER_1, Stage.REMINDER_2, Stage.REMINDER_3],
        ).exclude(channel=Channel.PHONE)
    )
    waiting = list(
        gonogo.ready_for_decision().annotate(reminded=reminded).order_by("-reminded", "pk")[:8]
    )
    lines = []
    # The least advanced file stays as it is, to show what an incomplete file lacks; the others
    # are completed until one is decided and one is left ready for the manager's decision.
    incomplete = waiting.pop() if len(waiting) >= 2 else None
    complete = []
    for dossier in waiting:
        if not dossier.reminded:
            continue
        _complete(dossier, controller=controller, manager=manager, today=today, clock=seeder.clock)
        _, items, _, _ = services.checklist_for(dossier, route=None, verify_journal=False)
        if not gonogo.missing(items):
            complete.append(dossier)
        if len(complete) == 2:
            break
    if len(complete) == 2:
        decided = complete.pop()
        _, _, _, suggestion = services.checklist_for(decided, route=None, verify_journal=False)
        route = suggestion.route if suggestion.route != Route.STAY_AMICABLE else Route.WRITE_OFF
        services.decision_record(
            dossier=decided,
            route=route,
            reasoning="Dossier complet, créance non contestée, débiteur solvable : la voie "
            "suggérée est proportionnée au montant.",
            actor=manager,
        )
        lines.append(
            f"Go/No-Go décidé ({Route(route).label}) : {decided.reference} ({decided.creditor})"
        )
        # The route's first act, so that the dossier shows a court route in progress.
        proceeding = decided.proceedings.first()
        if proceeding is not None:
            event = "invited" if proceeding.route == Route.SMALL_CLAIMS else "ordered"
            court.court_event_record(
                proceeding=proceeding, event=event, on=today, actor=manager, note="démonstration"
            )
            proceeding.refresh_from_db()
            lines.append(
                f"Procédure judiciaire en cours ({proceeding.get_stage_display()}) : "
                f"{decided.reference}"
            )
    if complete:
        ready = complete[0]
        lines.append(f"Go/No-Go complet, à décider : {ready.reference} ({ready.creditor})")
    if incomplete is not None:
        lines.append(
            f"Go/No-Go incomplet (pièces manquantes) : {incomplete.reference} "
            f"({incomplete.creditor})"
        )
    sealed = chain.seal()
    # The head file records committed data only: written once the seed's transaction commits.
    transaction.on_commit(lambda: heads.write_head(today))
    lines.append(
        f"Journal      {sealed} lignes scellées ; tête de chaîne écrite dans "
        f"{heads.head_dir()} ; voir le journal de chaque dossier"
    )
    return lines
