"""Records: creditors, debtors, invoices, payments and evidence."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import models, transaction
from django.db.models.functions import Length
from django.utils import timezone

from accounts.roles import user_or_none
from dossiers import scheduling, scoping
from dossiers.models import (
    ZERO,
    Claim,
    Creditor,
    Debtor,
    DebtorContact,
    Dossier,
    DossierState,
    Evidence,
    Payment,
    PaymentAllocation,
    Promise,
)
from dossiers.selectors import dossiers_accessories, dossiers_claim_facts
from dossiers.services._common import (
    User,
    accessories_claimed,
    cents,
    dossier_refresh,
    lock_dossier,
    refuse_closed,
    save_dossier,
)
from dossiers.validators import normalize_iban, normalize_siren, normalize_vat_number
from journal.bulk import journaled_insert, journaled_update_each
from journal.journaled import journaled_save, require_reason
from recouvrement.checks import clean_fields_once
from recouvrement.lookups import AnyOf

# --- Creditors and debtors -------------------------------------------------------------------


def creditor_create(*, actor: User | None, reason: str = "création du créancier", **fields):
    fields["siren"] = normalize_siren(fields.get("siren", ""))
    fields["iban"] = normalize_iban(fields.get("iban", ""))
    fields["vat_number"] = normalize_vat_number(fields.get("vat_number", ""))
    fields["bic"] = (fields.get("bic") or "").replace(" ", "").upper()
    fields["code"] = (fields.get("code") or "").strip().upper()  # left empty: from the name
    creditor = Creditor(**fields)
    with transaction.atomic():
        journaled_save(creditor, actor=actor, reason=require_reason(reason))
    return creditor


def debtor_create(
    *,
    actor: User | None,
    reason: str = "création du débiteur",
    contacts: list[dict] | None = None,
    **fields,
) -> Debtor:
    fields["siren"] = normalize_siren(fields.get("siren", ""))
    debtor = Debtor(**fields)
    with transaction.atomic():
        journaled_save(debtor, actor=actor, reason=require_reason(reason))
        for contact in contacts or []:
            debtor_contact_add(debtor=debtor, actor=actor, reason=reason, **contact)
    return debtor


def debtor_update(*, debtor: Debtor, actor: User | None, reason: str, **fields) -> Debtor:
    """Change a debtor's details; the previous values stay in the history."""
    if "siren" in fields:
        fields["siren"] = normalize_siren(fields["siren"])
    with transaction.atomic():
        debtor = Debtor.objects.select_for_update().get(pk=debtor.pk)
        for name, value in fields.items():
            setattr(debtor, name, value)
        journaled_save(debtor, actor=actor, reason=require_reason(reason))
    return debtor


def debtor_contact_add(
    *, debtor: Debtor, actor: User | None, reason: str = "ajout d'un contact", **fields
) -> DebtorContact:
    contact = DebtorContact(debtor=debtor, **fields)
    with transaction.atomic():
        journaled_save(contact, actor=actor, reason=require_reason(reason))
    return contact


# --- Dossiers and claims ---------------------------------------------------------------------


def _next_reference(creditor: Creditor, on: date) -> str:
    """Dossier references read DOS-<creditor code>-<year>-<sequence per creditor and year>,
    unique across the base (the code is the creditor's; database constraint). The sequence
    follows the highest number taken, not the count, so that a gap never draws a number twice."""
    code = creditor.code or f"C{creditor.pk}"
    prefix = f"DOS-{code}-{on:%Y}-"
    highest = (
        Dossier.objects.filter(reference__regex=rf"^{re.escape(prefix)}[0-9]+$")
        .annotate(length=Length("reference"))
        .order_by("-length", "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(highest[len(prefix) :]) if highest else 0
    return f"{prefix}{number + 1:05d}"


def next_dossier_references(creditor: Creditor, on: date, count: int) -> list[str]:
    """The next ``count`` dossier references of a creditor (its row locked by the caller, as
    ``dossier_open_or_join`` locks it), for dossiers opened together (an import)."""
    first = _next_reference(creditor, on)
    prefix, number = first.rsplit("-", 1)
    return [f"{prefix}-{int(number) + n:05d}" for n in range(count)]


def debtors_create_many(
    rows: list[dict], *, contacts: list[dict | None], actor: User | None, reason: str
) -> list[int]:
    """``debtor_create`` for many debtors checked beforehand (an import): one journaled insert
    of the debtors, one of their contacts (``contacts[i]``: the fields of ``rows[i]``'s billing
    contact, or None). Returns the new debtors' ids, in the order of ``rows``."""
    reason = require_reason(reason)
    for row in rows:
        row["siren"] = normalize_siren(row.get("siren", ""))
    pks = journaled_insert(Debtor, rows, reasons=[reason] * len(rows), actor=actor)
    linked = [
        {"debtor_id": pk, **contact} for pk, contact in zip(pks, contacts, strict=True) if contact
    ]
    journaled_insert(DebtorContact, linked, reasons=[reason] * len(linked), actor=actor)
    return pks


def dossiers_open_or_join(
    *, creditor: Creditor, debtor_ids: list[int], actor: User | None, on: date | None = None
) -> tuple[dict[int, int], list[int]]:
    """``dossier_open_or_join`` for many debtors of one creditor, in a few statements:
    ({debtor id: its active dossier's id}, the ids of the dossiers opened), serialised per
    creditor by the same row lock."""
    on = on or timezone.localdate()
    Creditor.objects.select_for_update().only("pk").get(pk=creditor.pk)
    found: dict[int, int] = {}
    wanted = list(dict.fromkeys(debtor_ids))  # the dossiers' references follow this order
    for start in range(0, len(wanted), 10_000):
        found.update(
            Dossier.objects.filter(
                AnyOf("debtor_id", wanted[start : start + 10_000]),
                creditor=creditor,
                closed_on__isnull=True,
            ).values_list("debtor_id", "pk")
        )
    missing = [pk for pk in wanted if pk not in found]
    if not missing:
        return found, []
    references = next_dossier_references(creditor, on, len(missing))
    opened = journaled_insert(
        Dossier,
        [{"debtor_id": d, "reference": r} for d, r in zip(missing, references, strict=True)],
        reasons=["ouverture du dossier"] * len(missing),
        actor=actor,
        common={"creditor_id": creditor.pk, "opened_on": on},
    )
    found.update(zip(missing, opened, strict=True))
    scheduling.dossiers_opened.send(
        sender=Dossier, creditor_id=creditor.pk, dossier_ids=opened, actor=actor, on=on
    )
    return found, opened


def dossiers_refresh_opened(
    dossier_ids: list[int], *, actor: User | None, reason: str, on: date | None = None
) -> None:
    """``dossier_refresh`` of dossiers just opened with their invoices (no payment, promise or
    reminder yet): the reference date (oldest due date) and the next action date, planned in
    batches as the daily run plans, written with one journaled statement per batch."""
    on = on or timezone.localdate()
    creditors: dict[int, Creditor] = {}
    for start in range(0, len(dossier_ids), 2_000):
        chunk = dossier_ids[start : start + 2_000]
        first_due = dict(
            Claim.objects.filter(
                AnyOf("dossier_id", chunk), outstanding__gt=0, cancelled_on__isnull=True
            )
            .values("dossier_id")
            .annotate(first=models.Min("due_date"))
            .values_list("dossier_id", "first")
        )
        dossiers = list(
            Dossier.objects.select_for_update(of=("self",))
            .select_related("debtor")
            .filter(AnyOf("pk", chunk))
            .order_by("pk")
        )
        # (an import's dossiers share their creditor: one object, not one per dossier)
        wanted = {dossier.creditor_id for dossier in dossiers} - set(creditors)
        creditors.update((c.pk, c) for c in Creditor.objects.filter(pk__in=wanted))
        for dossier in dossiers:
            dossier.creditor = creditors[dossier.creditor_id]
            dossier.reference_date = first_due.get(dossier.pk)
        dates = scheduling.next_action_dates(dossiers, on=on)
        for dossier in dossiers:
            dossier.next_action_at = dates.get(dossier.pk)
            dossier._change_reason = reason
        journaled_update_each(dossiers, ["reference_date", "next_action_at"], actor=actor)


def dossier_open_or_join(
    *,
    creditor: Creditor,
    debtor: Debtor,
    actor: User | None,
    on: date | None = None,
    scoped: bool = False,
) -> tuple[Dossier, bool]:
    """The pair's active dossier, opened if there is none. Returns (dossier, created).

    Openings are serialised per creditor (row lock), so two requests at once can neither open
    two dossiers for one pair nor draw the same reference. ``scoped``: the actor writes as a
    user (the API, a page), so an existing dossier is joined only if they may act on it
    (``scoping.may_join``); a new one opens unassigned, in the creditor's pool.
    """
    on = on or timezone.localdate()
    with transaction.atomic():
        Creditor.objects.select_for_update().only("pk").get(pk=creditor.pk)
        existing = (
            Dossier.objects.select_for_update()
            .filter(creditor=creditor, debtor=debtor, closed_on__isnull=True)
            .first()
        )
        if existing:
            if scoped and not scoping.may_join(actor, existing):
                raise ValidationError({"debtor": scoping.OUT_OF_PORTFOLIO})
            return existing, False
        dossier = Dossier(
            creditor=creditor, debtor=debtor, reference=_next_reference(creditor, on), opened_on=on
        )
        journaled_save(dossier, actor=actor, reason="ouverture du dossier", exclude=["state"])
        scheduling.dossiers_opened.send(
            sender=Dossier, creditor_id=creditor.pk, dossier_ids=[dossier.pk], actor=actor, on=on
        )
    return dossier, True


def claim_create(
    *,
    creditor: Creditor,
    debtor: Debtor,
    invoice_number: str,
    issue_date: date,
    due_date: date,
    amount: Decimal,
    actor: User | None,
    reason: str = "enregistrement de la facture",
    contract_ref: str = "",
    purchase_order_ref: str = "",
    delivery_note_ref: str = "",
    scoped: bool = False,
) -> Claim:
    """Record an unpaid invoice in the pair's dossier, opening the dossier if needed.

    ``scoped``: written by a user through the API or a page: the pair's existing dossier must
    be one they may act on (writes are scoped like reads), else nothing is written."""
    claim = Claim(
        creditor=creditor,
        invoice_number=(invoice_number or "").strip(),
        issue_date=issue_date,
        due_date=due_date,
        amount=amount,
        outstanding=amount,
        contract_ref=contract_ref,
        purchase_order_ref=purchase_order_ref,
        delivery_note_ref=delivery_note_ref,
    )
    # Validate before opening a dossier, so that a refused invoice leaves nothing behind.
    claim.full_clean(exclude=["dossier"])
    with transaction.atomic():
        dossier, _ = dossier_open_or_join(
            creditor=creditor, debtor=debtor, actor=actor, scoped=scoped
        )
        claim.dossier = dossier
        journaled_save(claim, actor=actor, reason=require_reason(reason))
        dossier_refresh(dossier=lock_dossier(dossier), actor=actor, reason="nouvelle facture")
    return claim


def claim_cancel(*, claim: Claim, actor: User | None, reason: str, on: date | None = None) -> Claim:
    """Cancel an invoice (issued in error, dispute upheld): nothing remains due on it.

    The amount stays as issued; the history shows the cancellation, who made it and why.
    """
    reason = require_reason(reason)
    with transaction.atomic():
        refuse_closed(lock_dossier(claim.dossier_id), action="annuler une facture")
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        if claim.is_cancelled:
            raise ValidationError("Cette facture est déjà annulée.")
        claim.cancelled_on = on or timezone.localdate()
        claim.cancellation_reason = reason
        claim.outstanding = ZERO
        journaled_save(claim, actor=actor, reason=f"annulation : {reason}")
        dossier_refresh(
            dossier=lock_dossier(claim.dossier), actor=actor, reason=f"facture {claim} annulée"
        )
    return claim


# --- Payments and credit notes ---------------------------------------------------------------


@dataclass(frozen=True)
class AllocationPlan:
    claim: Claim
    amount: Decimal


def allocate_oldest_first(
    claims: list[Claim], amount: Decimal, *, designated: set[int] | frozenset[int] = frozenset()
) -> tuple[list[AllocationPlan], Decimal]:
    """Split an amount over claims, the oldest due date first. Returns (plan, unallocated).

    C. civ. 1342-10: the debtor of several debts may say, when paying, which one he pays; the
    claims he named (``designated``, their primary keys) are settled first, whatever their age.
    Without his word — and for what is left once they are settled — imputation goes to the
    oldest debt, as the article prescribes for debts equally due.
    """
    plan: list[AllocationPlan] = []
    left = amount
    for claim in sorted(
        claims, key=lambda c: (c.pk not in designated, c.due_date, c.issue_date, c.pk)
    ):
        if left <= 0:
            break
        share = min(left, claim.outstanding)
        if share > 0:
            plan.append(AllocationPlan(claim=claim, amount=share))
            left -= share
    return plan, left


def _designated_reason(reason: str, claims: Sequence[Claim], designated: frozenset[int]) -> str:
    """The journal's reason of a payment, naming the invoices the debtor designated."""
    if not designated:
        return reason
    named = ", ".join(sorted({c.invoice_number for c in claims if c.pk in designated}))
    return f"{reason} (imputé sur {named}, désignée(s) par le débiteur)"[:500]


def payment_record(
    *,
    dossier: Dossier,
    amount: Decimal,
    received_on: date,
    actor: User | None,
    method: str = Payment.Method.TRANSFER,
    reference: str = "",
    kind: str = Payment.Kind.PAYMENT,
    reason: str = "",
    invoices: Sequence[str] = (),
) -> Payment:
    """Record a payment or a credit note and allocate it to the claims, oldest due date first.

    ``invoices``: the invoice numbers the debtor said he pays (C. civ. 1342-10), settled first
    even when others are older; each must be an open invoice of the dossier, else nothing is
    written. A payment larger than the balance is kept whole: beyond the invoices it pays the
    accessories of a professional's dossier (penalties and indemnity, ``legal.accessories``),
    else it shows as an overpayment to refund; a credit note larger than the balance is
    refused, and so is anything on a closed dossier (French message naming its state).
    """
    if kind == Payment.Kind.CREDIT_NOTE:
        method = Payment.Method.CREDIT_NOTE
    label = "avoir" if kind == Payment.Kind.CREDIT_NOTE else "paiement"
    reason = (reason or "").strip() or f"enregistrement d'un {label}"
    payment = Payment(
        dossier=dossier,
        kind=kind,
        amount=amount,
        received_on=received_on,
        method=method,
        reference=reference,
        recorded_by=user_or_none(actor),
    )
    payment.full_clean()
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "La date ne peut pas être dans le futur."})
    with transaction.atomic():
        # Lock the dossier, then its claims in primary-key order (no deadlock between writers).
        dossier = lock_dossier(dossier)
        if dossier.is_closed:
            refuse_closed(dossier, action=label, message=closed_dossier_message(dossier, label))
        claims = list(
            Claim.objects.select_for_update().filter(dossier=dossier).open().order_by("pk")
        )
        designated = _designated(claims, invoices)
        plan, unallocated = allocate_oldest_first(claims, amount, designated=designated)
        reason = _designated_reason(reason, claims, designated)
        if kind == Payment.Kind.CREDIT_NOTE and unallocated > 0:
            raise ValidationError(
                {"amount": "L'avoir dépasse le reste dû du dossier ; il ne peut pas être imputé."}
            )
        journaled_save(payment, actor=actor, reason=reason)
        for line in plan:
            allocation = PaymentAllocation(payment=payment, claim=line.claim, amount=line.amount)
            journaled_save(allocation, actor=actor, reason=reason)
            line.claim.outstanding -= line.amount
            journaled_save(line.claim, actor=actor, reason=f"{label} {payment.pk} imputé")
        if not dossier.is_closed:
            dossier_refresh(dossier=dossier, actor=actor, reason=f"{label} reçu", on=received_on)
    return payment


@dataclass
class PaymentIn:
    """One payment for ``payments_record_many``: ``payment_record``'s arguments (a payment, not
    a credit note). ``named``: the invoice numbers the payer cited, those still open when the
    payment is recorded being designated (C. civ. 1342-10), as a bank line's are."""

    dossier_id: int
    amount: Decimal
    received_on: date
    method: str = Payment.Method.TRANSFER
    reference: str = ""
    reason: str = ""
    named: Sequence[str] = ()


def payments_record_many(items: Sequence[PaymentIn], *, actor: User | None) -> list[int]:
    """``payment_record`` for many payments (a bank statement's certain lines), inside the
    caller's transaction, in a few statements whatever their number: the dossiers and their open
    claims locked together (primary-key order), each payment planned in Python as
    ``payment_record`` plans it (the invoices named, then the oldest due), then the payments,
    their allocations and the claims' balances written by ``journaled_insert`` and
    ``journaled_update_each`` with ``payment_record``'s reasons. A dossier left with invoices
    due (the usual case) has its reference date and next action planned in one batch, as the
    daily run plans; any other (cleared, promise pending, accessories) goes through
    ``dossier_refresh`` as after ``payment_record`` (closing, cadence stopped, thank-you). The
    same rows as ``payment_record`` called for each in turn (a test compares them); returns
    the payments' ids, in the order of ``items``. A dossier paid twice is taken in turn."""
    ids: list[int] = []
    run: list[PaymentIn] = []
    in_run: set[int] = set()
    for item in items:
        if item.dossier_id in in_run:
            ids += _payments_run(run, actor=actor)
            run, in_run = [], set()
        run.append(item)
        in_run.add(item.dossier_id)
    return ids + _payments_run(run, actor=actor)


# What ``payments_record_many`` reads and writes of a dossier's open claims.
PLANNED_CLAIM_FIELDS = (
    "pk",
    "dossier_id",
    "invoice_number",
    "issue_date",
    "due_date",
    "outstanding",
)


class _OpenClaim:
    """An open claim as ``payments_record_many`` plans and writes it (``PLANNED_CLAIM_FIELDS``
    and the journal's reason): a row, not a model — the open claims of every dossier a
    statement pays, 140,000 at 1M claims, cost more built as models than planned."""

    __slots__ = (*PLANNED_CLAIM_FIELDS, "_change_reason")

    def __init__(self, pk, dossier_id, invoice_number, issue_date, due_date, outstanding):
        self.pk, self.dossier_id, self.invoice_number = pk, dossier_id, invoice_number
        self.issue_date, self.due_date, self.outstanding = issue_date, due_date, outstanding


def _payments_run(items: list[PaymentIn], *, actor: User | None) -> list[int]:
    """``payments_record_many`` for payments on different dossiers."""
    if not items:
        return []
    today = timezone.localdate()
    recorder = user_or_none(actor)
    valid: set[tuple] = set()  # (field, value) found valid: checked once for the run
    for item in items:
        # ``full_clean(exclude=["dossier", "recorded_by"], validate_constraints=False)``, each
        # value checked once (``recouvrement.checks``: the same refusals).
        payment = Payment(
            dossier_id=item.dossier_id,
            kind=Payment.Kind.PAYMENT,
            amount=item.amount,
            received_on=item.received_on,
            method=item.method,
            reference=item.reference,
        )
        clean_fields_once(payment, exclude=("dossier", "recorded_by"), valid=valid)
        if item.received_on > today:
            raise ValidationError({"received_on": "La date ne peut pas être dans le futur."})
    wanted = sorted(item.dossier_id for item in items)
    dossiers: dict[int, Dossier] = {}
    claims: dict[int, list[_OpenClaim]] = {pk: [] for pk in wanted}
    for start in range(0, len(wanted), 5_000):
        chunk = wanted[start : start + 5_000]
        dossiers.update(
            (d.pk, d)
            for d in Dossier.objects.select_for_update()
            .select_related("debtor")
            .filter(AnyOf("pk", chunk))
            .order_by("pk")
        )
        # The fields the plans and the balances read, as rows (the claims' other columns, a
        # dozen texts and dates, neither read nor written here).
        locked = Claim.objects.select_for_update().filter(AnyOf("dossier_id", chunk)).open()
        for row in locked.order_by("pk").values_list(*PLANNED_CLAIM_FIELDS):
            claim = _OpenClaim(*row)
            claims[claim.dossier_id].append(claim)
    # Their creditors locked as a join would lock them, one instance each (a statement's
    # dossiers share one creditor: not built again for each).
    creditors = (
        Creditor.objects.select_for_update()
        .order_by("pk")
        .in_bulk({d.creditor_id for d in dossiers.values()})
    )
    for dossier in dossiers.values():
        dossier.creditor = creditors[dossier.creditor_id]
    promised = set(
        Promise.objects.filter(
            AnyOf("dossier_id", wanted), status=Promise.Status.PENDING
        ).values_list("dossier_id", flat=True)
    )
    payments, reasons, plans = [], [], []
    for item in items:
        dossier = dossiers[item.dossier_id]
        if dossier.is_closed:
            refuse_closed(dossier, action="paiement", message=closed_dossier_message(dossier))
        own = claims[dossier.pk]
        named = set(item.named)
        designated = _designated(own, [c.invoice_number for c in own if c.invoice_number in named])
        plan, _unallocated = allocate_oldest_first(own, item.amount, designated=designated)
        reason = (item.reason or "").strip() or "enregistrement d'un paiement"
        reason = _designated_reason(reason, own, designated)
        payments.append(
            {"dossier_id": dossier.pk, "kind": Payment.Kind.PAYMENT, "amount": item.amount,
             "received_on": item.received_on, "method": item.method,
             "reference": item.reference, "recorded_by_id": getattr(recorder, "pk", None)}
        )  # fmt: skip
        reasons.append(reason)
        plans.append(plan)
    pks = journaled_insert(Payment, payments, reasons=reasons, actor=actor)
    allocations, allocation_reasons, changed = [], [], []
    for pk, reason, plan in zip(pks, reasons, plans, strict=True):
        for line in plan:
            allocations.append({"payment_id": pk, "claim_id": line.claim.pk, "amount": line.amount})
            allocation_reasons.append(reason)
            line.claim.outstanding -= line.amount
            line.claim._change_reason = f"paiement {pk} imputé"
            changed.append(line.claim)
    journaled_insert(PaymentAllocation, allocations, reasons=allocation_reasons, actor=actor)
    journaled_update_each(changed, ["outstanding"], actor=actor, model=Claim)
    # The dossiers brought in line (``dossier_refresh``): those left with invoices due, no
    # promise pending and no accessories in a few statements; the others one by one.
    planned: dict[date, list[Dossier]] = {}
    cleared: dict[int, date] = {}
    others = []
    for item in items:
        dossier = dossiers[item.dossier_id]
        due = [c for c in claims[dossier.pk] if c.outstanding > 0]
        usual = dossier.state != DossierState.ACCESSORIES and not dossier.in_accessories_phase
        if due and usual and dossier.pk not in promised:
            dossier.reference_date = min(c.due_date for c in due)
            dossier._change_reason = "paiement reçu"
            planned.setdefault(item.received_on, []).append(dossier)
        elif not due and usual and claims[dossier.pk]:
            cleared[dossier.pk] = max(item.received_on, dossier.opened_on)
        else:
            others.append((dossier, item.received_on))
    left = _principal_paid_many(
        [dossiers[pk] for pk in cleared], on=cleared, actor=actor, planned=planned
    )
    for on, group in planned.items():
        known = {d.pk: left[d.pk] for d in group if d.pk in left}
        dates = scheduling.next_action_dates(group, on=on, accessories=known)
        for dossier in group:
            dossier.next_action_at = dates.get(dossier.pk)
    journaled_update_each(
        [d for group in planned.values() for d in group],
        ["reference_date", "next_action_at", "state", "accessories_since", "resume_state"],
        actor=actor,
        unchanged_kept=True,  # an invoice paid that was not the oldest moves none of them
    )
    for dossier, on in others:
        dossier_refresh(dossier=dossier, actor=actor, reason="paiement reçu", on=on)
    return pks


def _principal_paid_many(
    dossiers: list[Dossier], *, on: dict[int, date], actor, planned: dict[date, list[Dossier]]
) -> dict[int, Decimal]:
    """``dossier_refresh`` of dossiers whose invoices a payment just cleared (``_principal_paid``
    of each, outside the accessories): a professional who paid late and whose creditor claims
    them owes the accessories (the principal's cadence stops, the dossier joins ``planned``);
    the others close as paid (written here, then their cadence stopped: reminders cancelled,
    thank-you, purge date — ``scheduling.cadences_stopped``). Their claims and allocations are
    read once (``dossiers_claim_facts``) for the accessories and the purge dates; returns
    what is left of the accessories of those now in « Accessoires dus », at their date (the
    planner reads it instead of computing it again)."""
    if not dossiers:
        return {}
    claims = dossiers_claim_facts(dossiers)
    claimed = [d for d in dossiers if accessories_claimed(d)]
    figures = dossiers_accessories(claimed, on=on, claims=claims)
    outstanding = set(
        Claim.objects.filter(AnyOf("dossier_id", list(on)), outstanding__gt=0).values_list(
            "dossier_id", flat=True
        )
    )  # ``settle``'s condition, read once
    owing, paid = [], []
    for dossier in dossiers:
        owed = dossier.pk in figures and figures[dossier.pk].remaining > 0
        dossier._nothing_outstanding = dossier.pk not in outstanding
        try:
            dossier.settle(on=on[dossier.pk], accessories_owed=owed)
        finally:
            del dossier._nothing_outstanding
        (owing if owed else paid).append(dossier)
    if owing:
        scheduling.cadences_stopped.send(
            sender=Dossier, dossiers=owing, actor=actor, reason="principal réglé", claims=claims
        )
        for dossier in owing:
            dossier._change_reason = "paiement reçu : principal réglé, pénalités et indemnité dues"
            planned.setdefault(on[dossier.pk], []).append(dossier)
    for dossier in paid:
        dossier._change_reason = "paiement reçu : solde réglé"
    journaled_update_each(
        paid, ["state", "closed_on", "next_action_at", "resume_state"], actor=actor
    )
    if paid:
        scheduling.cadences_stopped.send(
            sender=Dossier, dossiers=paid, actor=actor, reason="dossier soldé", claims=claims
        )
    return {d.pk: figures[d.pk].remaining for d in owing}


def closed_dossier_message(dossier: Dossier, label: str = "paiement") -> str:
    """Why a payment or a credit note is refused on a closed dossier, in French."""
    message = (
        f"Le dossier {dossier.reference} est clos ({dossier.get_state_display()} le "
        f"{dossier.closed_on:%d/%m/%Y}) : aucun {label} ne peut plus y être enregistré."
    )
    if dossier.state == "paid":
        message += (
            " Tout est réglé, principal et accessoires : une somme reçue en trop se rembourse "
            "au débiteur, hors du dossier."
        )
    return message


def _designated(claims: list[Claim], invoices: Sequence[str]) -> frozenset[int]:
    """The open claims the debtor named, by invoice number; an unknown number is refused."""
    wanted = {str(number).strip() for number in invoices or () if str(number).strip()}
    if not wanted:
        return frozenset()
    by_number = {claim.invoice_number: claim.pk for claim in claims}
    unknown = sorted(wanted - set(by_number))
    if unknown:
        raise ValidationError(
            {
                "invoices": "Facture(s) "
                + ", ".join(unknown)
                + " : pas une facture restant due de ce dossier."
            }
        )
    return frozenset(by_number[number] for number in wanted)


def payment_reverse(*, payment: Payment, actor: User | None, reason: str, on: date) -> Payment:
    """A payment the bank took back (returned direct debit, recalled transfer): the invoices it
    settled are owed again, the payment is marked rejected (its allocations stay as evidence),
    and a dossier it had cleared reopens at the stage it had before — journaled with who and
    why; an invoice cancelled since stays at 0 (nothing is owed on it). A payment already
    rejected, or a credit note, is refused."""
    reason = require_reason(reason)
    with transaction.atomic():
        dossier = lock_dossier(payment.dossier_id)
        # The bank took back the money that paid the dossier: it reopens (a fact, not a person's
        # act on the archive). A dossier in litigation or written off stays closed.
        refuse_closed(
            dossier, action="enregistrer le rejet de ce paiement", allow=(DossierState.PAID,)
        )
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.kind != Payment.Kind.PAYMENT:
            raise ValidationError("Seul un paiement peut être rejeté, pas un avoir.")
        if payment.reversed_on is not None:
            raise ValidationError("Ce paiement a déjà été rejeté.")
        allocations = list(payment.allocations.order_by("claim_id"))
        claims = Claim.objects.select_for_update().in_bulk(
            [a.claim_id for a in allocations], field_name="pk"
        )
        for allocation in allocations:
            claim = claims[allocation.claim_id]
            if claim.is_cancelled:  # cancelled since: nothing is owed on it, it stays at 0
                continue
            claim.outstanding += allocation.amount
            journaled_save(claim, actor=actor, reason=f"paiement {payment.pk} rejeté : {reason}")
        payment.reversed_on = on
        payment.reversal_reason = reason[:300]
        journaled_save(payment, actor=actor, reason=f"paiement rejeté : {reason}")
        if dossier.state in (DossierState.PAID, DossierState.ACCESSORIES):
            before = (
                dossier.history.exclude(state__in=[DossierState.PAID, DossierState.ACCESSORIES])
                .order_by("-history_date", "-history_id")
                .values_list("state", "resume_state")
                .first()
            ) or (DossierState.OPEN, "")
            dossier.reopen_after_return(*before)
            save_dossier(
                dossier, actor=actor, reason=f"paiement rejeté, dossier rouvert : {reason}", on=on
            )
        elif not dossier.is_closed:
            dossier_refresh(dossier=dossier, actor=actor, reason="paiement rejeté", on=on)
    return payment


def payment_unallocated(payment: Payment) -> Decimal:
    allocated = cents(payment.allocations.aggregate(total=models.Sum("amount"))["total"])
    return payment.amount - allocated


# --- Evidence --------------------------------------------------------------------------------


def evidence_add(
    *,
    dossier: Dossier,
    file: File,
    kind: str,
    actor: User | None,
    claim: Claim | None = None,
    description: str = "",
    reason: str = "dépôt d'une pièce",
) -> Evidence:
    """Store a document with its SHA-256 (computed from the bytes on save)."""
    if claim is not None and claim.dossier_id != dossier.pk:
        raise ValidationError({"claim": "Cette facture n'appartient pas au dossier."})
    evidence = Evidence(
        dossier=dossier,
        claim=claim,
        kind=kind,
        file=file,
        original_name=getattr(file, "name", "") or "",
        description=description,
        uploaded_by=user_or_none(actor),
    )
    evidence.full_clean(exclude=["sha256"])
    with transaction.atomic():
        refuse_closed(lock_dossier(dossier), action="déposer une pièce")
        evidence._history_user = actor
        evidence._change_reason = require_reason(reason)
        evidence.save()
    return evidence
