"""The journal's writes: the Go/No-Go file (solvency analysis, prior amicable attempt) and the
manager's reasoned decision. Each records who and why in the history, in one transaction."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dossiers.models import Dossier, Task
from dossiers.services import dossier_balance, dossier_decide, lock_dossier, refuse_closed
from dossiers.services.work import task_close
from escalade import court, gonogo
from escalade.models import AmicableResolutionAttempt, EscalationDecision, SolvencyAnalysis
from escalade.routes import ROUTE_DECISION, Route, suggest_route
from journal import verification
from journal.journaled import journaled_save


def solvency_record(
    *,
    dossier: Dossier,
    analysed_on: date,
    sources: list[str],
    conclusion: str,
    note: str = "",
    actor,
) -> SolvencyAnalysis:
    sources = [s for s in sources if s]
    unknown = [s for s in sources if s not in SolvencyAnalysis.Source.values]
    if not sources or unknown:
        raise ValidationError(
            {"sources": "Indiquez au moins une source licite parmi celles proposées."}
        )
    with transaction.atomic():
        dossier = lock_dossier(dossier)
        refuse_closed(dossier, action="enregistrer une analyse de solvabilité")
        analysis = SolvencyAnalysis(
            dossier=dossier,
            analysed_on=analysed_on,
            sources=sources,
            conclusion=conclusion,
            note=note.strip(),
            recorded_by=actor,
        )
        journaled_save(analysis, actor=actor, reason="analyse de solvabilité enregistrée")
    return analysis


def amicable_attempt_record(
    *, dossier: Dossier, method: str, attempted_on: date, outcome: str = "", actor
) -> AmicableResolutionAttempt:
    with transaction.atomic():
        dossier = lock_dossier(dossier)
        refuse_closed(dossier, action="enregistrer une tentative de résolution amiable")
        attempt = AmicableResolutionAttempt(
            dossier=dossier,
            method=method,
            attempted_on=attempted_on,
            outcome=outcome.strip(),
            recorded_by=actor,
        )
        journaled_save(attempt, actor=actor, reason="tentative de résolution amiable enregistrée")
    return attempt


def checklist_for(dossier: Dossier, *, route: str | None, verify_journal: bool = True):
    """(annotated dossier, checklist, balance, suggestion) for one dossier."""
    row = gonogo.with_checklist(
        Dossier.objects.filter(pk=dossier.pk).select_related("debtor", "creditor")
    ).get()
    balance = dossier_balance(row)
    suggestion = suggest_route(
        balance=balance,
        debtor_kind=row.debtor.kind,
        disputed=row.has_open_dispute,
        insolvent=bool(row.debtor.insolvency_status),
        paid_since_notice=gonogo.paid_since_notice(row),
    )
    journal_ok = verification.verify(row).ok if verify_journal else None
    items = gonogo.items(
        row, route=route or suggestion.route, balance=balance, journal_ok=journal_ok
    )
    return row, items, balance, suggestion


def decision_record(
    *, dossier: Dossier, route: str, reasoning: str, actor, on: date | None = None
) -> EscalationDecision:
    """Record the manager's decision and make the state change (``dossier_decide``).

    The reasoning is mandatory; a court route needs a complete checklist for that route.
    """
    reasoning = (reasoning or "").strip()
    errors = {}
    if route not in Route.values:
        errors["route"] = "Choisissez une voie parmi celles proposées."
    if not reasoning:
        errors["reasoning"] = "La motivation de la décision est obligatoire."
    if errors:
        raise ValidationError(errors)
    on = on or timezone.localdate()
    row, items, balance, suggestion = checklist_for(dossier, route=route)
    if row.state != "go_no_go":
        raise ValidationError(
            f"Le dossier n'attend pas de décision (état « {row.get_state_display()} »)."
        )
    blocking = gonogo.blocks(route, items)
    if blocking:
        raise ValidationError(
            {
                "route": "Pièces manquantes pour cette voie : "
                + " ; ".join(item.label for item in blocking)
                + "."
            }
        )
    label = Route(route).label
    with transaction.atomic():
        # The Go/No-Go task is done by the decision: closed before the dossier closes with it.
        for task in row.tasks.filter(kind=Task.Kind.GO_NO_GO, status=Task.Status.OPEN):
            task_close(task=task, actor=actor, reason=f"décision prise : {label}")
        decided = dossier_decide(
            dossier=row,
            decision=ROUTE_DECISION[Route(route)],
            actor=actor,
            reason=f"{label} — {reasoning}",
            on=on,
        )
        decision = EscalationDecision(
            dossier=decided,
            route=route,
            suggested_route=suggestion.route,
            reasoning=reasoning,
            checklist=[item.as_dict() for item in items],
            summary={"balance": str(balance), "route_label": label},
            decided_by=actor,
        )
        journaled_save(decision, actor=actor, reason=f"décision Go/No-Go : {label}")
        # The route's own deadlines, as tasks with their article (escalade.court).
        court.proceeding_open(dossier=decided, route=route, actor=actor, on=on)
    return decision
