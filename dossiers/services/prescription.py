"""Recording what acts on a claim's prescription: acknowledgments, mediations.

Payment plans and partial payments are acknowledgments already on record; this service records
the others (C. civ. 2240: written acknowledgment, request for time) and the start and end of a
mediation or conciliation agreed in writing (2238). Reminders and formal notices never act on
prescription: asking to record one is refused with the reason.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import user_or_none
from dossiers.models import Claim, Dossier, PrescriptionEvent
from dossiers.services._common import User, lock_dossier, refuse_closed
from journal.journaled import journaled_save, require_reason

K = PrescriptionEvent.Kind
NO_EFFECT_KINDS = {
    "formal_notice": "Une mise en demeure n'interrompt pas la prescription (C. civ. 2240 à 2244).",
    "reminder": "Une relance n'interrompt pas la prescription (C. civ. 2240 à 2244).",
}


def prescription_event_record(
    *,
    dossier: Dossier,
    kind: str,
    occurred_on: date,
    actor: User | None,
    reason: str,
    claim: Claim | None = None,
    description: str = "",
) -> PrescriptionEvent:
    """Record an act that interrupts or suspends prescription, with who and why.

    ``claim`` None: the act covers every invoice of the dossier issued by its date (a written
    acknowledgment of the whole balance, a mediation about the dossier).
    """
    if kind in NO_EFFECT_KINDS:
        raise ValidationError({"kind": NO_EFFECT_KINDS[kind]})
    if kind not in K.values:
        raise ValidationError({"kind": f"Nature d'acte « {kind} » inconnue."})
    reason = require_reason(reason)
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": "La date de l'acte ne peut pas être dans le futur."})
    with transaction.atomic():
        dossier = lock_dossier(dossier)
        refuse_closed(dossier, action="enregistrer un acte de prescription")
        if claim is not None and claim.dossier_id != dossier.pk:
            raise ValidationError({"claim": "Cette facture n'appartient pas au dossier."})
        if kind in (K.MEDIATION_START, K.MEDIATION_END):
            _check_mediation(dossier, claim, kind, occurred_on)
        event = PrescriptionEvent(
            dossier=dossier,
            claim=claim,
            kind=kind,
            occurred_on=occurred_on,
            description=description,
            recorded_by=user_or_none(actor),
        )
        journaled_save(event, actor=actor, reason=reason)
    return event


def _check_mediation(dossier: Dossier, claim: Claim | None, kind: str, occurred_on: date) -> None:
    """One mediation at a time per scope; an end follows a start."""
    last = (
        dossier.prescription_events.filter(
            claim=claim, kind__in=(K.MEDIATION_START, K.MEDIATION_END)
        )
        .order_by("-occurred_on", "-pk")
        .first()
    )
    open_since = last.occurred_on if last and last.kind == K.MEDIATION_START else None
    if kind == K.MEDIATION_START and open_since is not None:
        raise ValidationError(
            f"Une médiation est déjà en cours depuis le {open_since:%d/%m/%Y} : "
            "enregistrez d'abord sa fin."
        )
    if kind == K.MEDIATION_END:
        if open_since is None:
            raise ValidationError("Aucune médiation en cours : enregistrez d'abord son début.")
        if occurred_on < open_since:
            raise ValidationError("La fin de la médiation ne peut pas précéder son début.")
