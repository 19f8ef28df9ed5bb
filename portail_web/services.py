"""What the debtor does on their page, each through the services the controllers use
(``dossiers.services``, ``relances.services``, ``rgpd.services``), in one transaction, journaled
with the debtor as actor (no user, ``portail.services.DEBTOR_ACTOR`` in the reason), the
evidence kept, and an item left for the controller (``PortalEvent``, shown in « Ma journée »).

Rules of the creditor (``PortalSettings``) are checked first: what is outside them is refused
with a French message and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from courriers.rendering import render_pdf
from dossiers import services as dossier_services
from dossiers.models import Claim, Dispute, Dossier, Evidence, Task
from journal import signing
from legal import calendar
from legal.formatting import euros, french_date
from portail import services as portal
from portail.models import PortalAccess, PortalEvent
from relances import services as cadence
from rgpd import services as rgpd_services

ACTOR = None  # the debtor has no account: the reason names them (portal.DEBTOR_ACTOR)
# « Déjà payé »: the cadence waits this long for the controller to find the payment.
ALREADY_PAID_HOLD_DAYS = 7
# A plan starts within this many days.
PLAN_FIRST_DUE_MAX_DAYS = 30


def _reason(text: str) -> str:
    return f"{portal.DEBTOR_ACTOR} : {text}"


def _pdf_evidence(
    *, dossier: Dossier, template: str, context: dict, name: str, description: str, on: date
) -> Evidence:
    html = render_to_string(template, {"dossier": dossier, "on": on, **context})
    pdf = render_pdf(html, on=on, title=description, author=dossier.creditor.legal_name)
    # Sealed like the letters when a certificate is configured (PAdES, timestamped with a TSA):
    # the promise or the schedule kept is then provably the one the debtor committed to.
    pdf = signing.sign_pdf(pdf, reason=description)
    return dossier_services.evidence_add(
        dossier=dossier,
        file=ContentFile(pdf, name=name),
        kind=Evidence.Kind.OTHER,
        actor=ACTOR,
        description=description,
        reason=_reason(description.lower()),
    )


def _signature(access: PortalAccess, address: str | None) -> dict:
    """What the evidence says of who committed and how: the link and the moment; the address
    only as the keyed digest the rate limits use."""
    return {
        "link": f"lien n° {access.pk} (contact n° {access.contact_id or '—'})",
        "moment": timezone.localtime().strftime("%d/%m/%Y à %H:%M:%S"),
        "address": portal.address_key(address)[:16],
    }


# --- Promise ------------------------------------------------------------------------------------


def promise_make(
    *, access: PortalAccess, amount: Decimal, due_on: date, address: str | None = None
) -> PortalEvent:
    """A written promise to pay: within the creditor's limit, it pauses the cadence like a
    promise taken by phone, and counts as an acknowledgment of the debt (C. civ. 2240) whose
    evidence is a PDF kept with the dossier."""
    on = timezone.localdate()
    settings = portal.settings_for(access.dossier.creditor)
    if not settings.allow_promise:
        raise ValidationError("Le créancier ne permet pas de promesse de paiement en ligne.")
    limit = on + timedelta(days=settings.promise_max_days)
    if due_on < on:
        raise ValidationError({"due_on": "La date promise ne peut pas être passée."})
    if due_on > limit:
        raise ValidationError(
            {
                "due_on": f"Le créancier accepte une promesse à {settings.promise_max_days} jours "
                f"au plus, soit jusqu'au {french_date(limit)}. Pour un délai plus long, "
                "proposez un échéancier ou contactez le service recouvrement."
            }
        )
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(access.dossier)
        balance = dossier_services.dossier_balance(dossier)
        if amount > balance:
            raise ValidationError(
                {"amount": f"Le montant dépasse le reste dû du dossier ({euros(balance)})."}
            )
        promise = dossier_services.promise_record(
            dossier=dossier,
            amount=amount,
            due_on=due_on,
            actor=ACTOR,
            reason=_reason("promesse de paiement (reconnaissance de dette, C. civ. 2240)"),
            note="promesse écrite sur l'espace en ligne",
            on=on,
        )
        evidence = _pdf_evidence(
            dossier=dossier,
            template="portail_web/commitment_print.html",
            context={
                "title": "Promesse de paiement et reconnaissance de dette",
                "lines": [f"Paiement de {euros(amount)} au plus tard le {french_date(due_on)}."],
                "balance": euros(balance),
                "signature": _signature(access, address),
            },
            name=f"promesse-{dossier.reference}-{on:%Y%m%d}.pdf",
            description="Promesse de paiement en ligne (reconnaissance de dette, C. civ. 2240)",
            on=on,
        )
        return portal.event_record(
            access=access,
            kind=PortalEvent.Kind.PROMISE,
            summary=f"Promesse de {euros(promise.amount)} pour le {french_date(due_on)}",
            evidence=evidence,
        )


# --- Payment plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanProposal:
    installments: list[tuple[date, Decimal]]
    problems: list[str]

    @property
    def within_rules(self) -> bool:
        return not self.problems


def plan_propose(*, dossier: Dossier, count: int, first_due_on: date) -> PlanProposal:
    """Monthly installments of the balance (the last one takes the cents), and what breaks the
    creditor's rules (maximum count, minimum installment)."""
    on = timezone.localdate()
    settings = portal.settings_for(dossier.creditor)
    if first_due_on < on:
        raise ValidationError({"first_due_on": "La première mensualité ne peut pas être passée."})
    latest = on + timedelta(days=PLAN_FIRST_DUE_MAX_DAYS)
    if first_due_on > latest:
        raise ValidationError(
            {
                "first_due_on": f"La première mensualité tombe dans les {PLAN_FIRST_DUE_MAX_DAYS} "
                f"jours, soit au plus tard le {french_date(latest)}."
            }
        )
    balance = dossier_services.dossier_balance(dossier)
    if balance <= 0:
        raise ValidationError("Rien ne reste dû sur ce dossier.")
    share = (balance / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    if share <= 0:
        raise ValidationError({"installments": "Trop de mensualités pour ce montant."})
    amounts = [share] * (count - 1) + [balance - share * (count - 1)]
    installments = [
        (calendar.add_months(first_due_on, n), amount) for n, amount in enumerate(amounts)
    ]
    problems = []
    if count > settings.plan_max_installments:
        problems.append(
            f"le créancier accepte en ligne {settings.plan_max_installments} mensualités au plus"
        )
    if count > 1 and min(amounts) < settings.plan_min_installment:
        problems.append(
            f"chaque mensualité doit être d'au moins {euros(settings.plan_min_installment)}"
        )
    return PlanProposal(installments=installments, problems=problems)


def plan_submit(
    *,
    access: PortalAccess,
    count: int,
    first_due_on: date,
    for_review: bool = False,
    address: str | None = None,
) -> PortalEvent:
    """Inside the creditor's rules, the plan is accepted at once (``plan_accept``: the cadence
    pauses; an acknowledgment of the debt, C. civ. 2240) with its schedule as a PDF. Outside
    them it is refused in French, unless the debtor sends it for a controller's approval
    (``for_review``): nothing changes on the dossier, an item waits in « Ma journée »."""
    on = timezone.localdate()
    settings = portal.settings_for(access.dossier.creditor)
    if not settings.allow_plan:
        raise ValidationError("Le créancier ne permet pas de proposer un échéancier en ligne.")
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(access.dossier)
        proposal = plan_propose(dossier=dossier, count=count, first_due_on=first_due_on)
        schedule = " ; ".join(f"{euros(a)} le {french_date(d)}" for d, a in proposal.installments)
        if not proposal.within_rules:
            if not for_review:
                raise ValidationError(
                    "Cet échéancier ne peut pas être accepté en ligne : "
                    + " ; ".join(proposal.problems)
                    + ". Vous pouvez modifier votre proposition, ou l'envoyer pour examen au "
                    "service recouvrement."
                )
            return portal.event_record(
                access=access,
                kind=PortalEvent.Kind.PLAN_PROPOSED,
                summary=f"{count} mensualités à partir du {french_date(first_due_on)}",
                details=f"Échéancier proposé hors règles ({'; '.join(proposal.problems)}) : "
                f"{schedule}",
            )
        plan = dossier_services.plan_accept(
            dossier=dossier,
            installments=proposal.installments,
            actor=ACTOR,
            reason=_reason("échéancier accepté en ligne (reconnaissance de dette, C. civ. 2240)"),
            on=on,
        )
        evidence = _pdf_evidence(
            dossier=dossier,
            template="portail_web/commitment_print.html",
            context={
                "title": "Échéancier de paiement et reconnaissance de dette",
                "lines": [
                    f"Échéance n° {n} : {euros(a)} au plus tard le {french_date(d)}."
                    for n, (d, a) in enumerate(proposal.installments, start=1)
                ],
                "balance": euros(sum((a for _d, a in proposal.installments), Decimal("0"))),
                "signature": _signature(access, address),
            },
            name=f"echeancier-{dossier.reference}-{on:%Y%m%d}.pdf",
            description="Échéancier accepté en ligne (reconnaissance de dette, C. civ. 2240)",
            on=on,
        )
        return portal.event_record(
            access=access,
            kind=PortalEvent.Kind.PLAN,
            summary=f"Échéancier n° {plan.pk} : {count} mensualité(s) — {schedule}"[:300],
            evidence=evidence,
        )


# --- Dispute ------------------------------------------------------------------------------------


def dispute_submit(
    *,
    access: PortalAccess,
    reason_code: str,
    description: str,
    claim_id: int | None = None,
    attachment=None,
) -> PortalEvent:
    """A contestation: a dispute opened as a controller would (the cadence pauses), the
    attachment kept as evidence (type and size checked by the evidence's validator)."""
    on = timezone.localdate()
    if not portal.settings_for(access.dossier.creditor).allow_dispute:
        raise ValidationError("Le créancier ne permet pas de contester en ligne.")
    if reason_code not in Dispute.Reason.values:
        raise ValidationError({"reason": "Motif inconnu."})
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(access.dossier)
        claim = None
        if claim_id:
            claim = Claim.objects.filter(pk=claim_id, dossier=dossier).first()
            if claim is None:
                raise ValidationError({"claim": "Cette facture n'appartient pas au dossier."})
        dispute = dossier_services.dispute_open(
            dossier=dossier,
            reason_code=reason_code,
            actor=ACTOR,
            claim=claim,
            description=description,
            on=on,
        )
        evidence = None
        if attachment is not None:
            evidence = dossier_services.evidence_add(
                dossier=dossier,
                file=attachment,
                kind=Evidence.Kind.OTHER,
                actor=ACTOR,
                claim=claim,
                description="Pièce jointe à une contestation en ligne",
                reason=_reason("pièce jointe à sa contestation"),
            )
        label = f"facture n° {claim.invoice_number}" if claim else "tout le dossier"
        return portal.event_record(
            access=access,
            kind=PortalEvent.Kind.DISPUTE,
            summary=f"Contestation n° {dispute.pk} ({dispute.get_reason_display()}) : {label}",
            details=description,
            evidence=evidence,
        )


# --- « Déjà payé » ------------------------------------------------------------------------------


def already_paid_submit(
    *, access: PortalAccess, paid_on: date, amount: Decimal, method: str, proof
) -> PortalEvent:
    """The debtor says they have paid: a task for the controller to find the payment, the
    cadence on hold for a few days, the proof kept as evidence. No payment is recorded: only
    the bank statement proves it."""
    on = timezone.localdate()
    if not portal.settings_for(access.dossier.creditor).allow_already_paid:
        raise ValidationError("Le créancier ne permet pas de déclarer un paiement en ligne.")
    if paid_on > on:
        raise ValidationError({"paid_on": "La date du paiement ne peut pas être future."})
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(access.dossier)
        evidence = dossier_services.evidence_add(
            dossier=dossier,
            file=proof,
            kind=Evidence.Kind.OTHER,
            actor=ACTOR,
            description=f"Justificatif d'un paiement déclaré du {french_date(paid_on)}",
            reason=_reason("justificatif de paiement"),
        )
        note = (
            f"Le débiteur déclare avoir payé {euros(amount)} le {french_date(paid_on)} "
            f"({method}) : retrouver le paiement (justificatif n° {evidence.pk})."
        )
        dossier_services.task_create(
            dossier=dossier,
            kind=Task.Kind.PAYMENT_CLAIMED,
            due_on=on,
            actor=ACTOR,
            note=note,
            reason=_reason("paiement déclaré"),
        )
        until = on + timedelta(days=ALREADY_PAID_HOLD_DAYS)
        if not dossier.holds.filter(released_on__isnull=True, until__gte=on).exists():
            cadence.hold_set(
                dossier=dossier,
                until=until,
                reason="paiement déclaré par le débiteur en ligne, à vérifier",
                actor=ACTOR,
                on=on,
            )
        return portal.event_record(
            access=access,
            kind=PortalEvent.Kind.ALREADY_PAID,
            summary=f"Paiement déclaré : {euros(amount)} le {french_date(paid_on)} ({method})",
            evidence=evidence,
        )


# --- Contact details and GDPR rights -------------------------------------------------------------


def contact_update_submit(*, access: PortalAccess, **fields) -> PortalEvent:
    """New contact details: never applied as typed; the controller checks them and applies
    them (rectification, ``rgpd.services.contact_rectify``)."""
    if not portal.settings_for(access.dossier.creditor).allow_contact_update:
        raise ValidationError("Le créancier ne permet pas de modifier vos coordonnées en ligne.")
    labels = {"name": "nom", "email": "e-mail", "phone": "téléphone", "address": "adresse"}
    given = {k: v for k, v in fields.items() if v}
    return portal.event_record(
        access=access,
        kind=PortalEvent.Kind.CONTACT,
        summary="Nouvelles coordonnées à vérifier : " + ", ".join(labels[k] for k in given),
        details="\n".join(f"{labels[k]} : {v}" for k, v in given.items()),
    )


RIGHTS_KINDS = ("access", "rectification", "objection")


def rights_submit(*, access: PortalAccess, kind: str, details: str) -> PortalEvent:
    """A GDPR request (access, rectification, objection) into the DPO's queue (``rgpd``)."""
    if not portal.settings_for(access.dossier.creditor).allow_rights:
        raise ValidationError("Adressez votre demande au délégué à la protection des données.")
    if kind not in RIGHTS_KINDS:
        raise ValidationError({"kind": "Droit inconnu."})
    with transaction.atomic():
        request = rgpd_services.request_record(
            debtor=access.dossier.debtor,
            kind=kind,
            received_on=timezone.localdate(),
            details=f"Reçue par l'espace en ligne (dossier {access.dossier.reference}) : {details}",
            actor=ACTOR,
        )
        return portal.event_record(
            access=access,
            kind=PortalEvent.Kind.RIGHTS,
            summary=f"Demande RGPD n° {request.pk} : {request.get_kind_display()}",
            details=details,
        )
