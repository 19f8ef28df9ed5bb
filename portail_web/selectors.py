"""What the debtor sees on their page, read in a few queries: the creditor, the invoices still
due with the legal engine's figures (penalties and the 40 € indemnity for a professional only,
a missing rate shown as a lower bound), the accessories left once the principal was paid late
(« Accessoires dus », docs/legal.md §11), the copies of the invoices and letters, the payments,
the next step in plain words (checked by ``legal.wording``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from courriers.models import SentMessage
from dossiers.models import Dispute, Dossier, DossierState, Evidence, Payment, Promise
from dossiers.selectors import (
    accessories_paid,
    claim_legal_figures,
    dossier_claims_for_figures,
    rate_table,
)
from legal import wording
from legal.accessories import Accessories, accessories
from legal.bounds import LowerBound
from legal.formatting import euros, french_date
from rgpd.notice import information_notice

S = DossierState
ZERO = Decimal("0.00")


@dataclass
class InvoiceLine:
    claim_id: int
    number: str
    issue_date: str
    due_date: str
    amount: str
    unpaid: str
    days_overdue: int
    penalties: str = ""
    indemnity: str = ""
    disputed: bool = False


@dataclass
class AccessoryLine:
    """An invoice paid late: what its delay still costs (C. com. L441-10 II, D441-5)."""

    number: str
    due_date: str
    amount: str
    penalties: str
    indemnity: str


@dataclass
class DebtorView:
    dossier: Dossier
    professional: bool
    invoices: list[InvoiceLine]
    unpaid_total: Decimal
    penalties_total: Decimal | None
    indemnity_total: Decimal
    total_due: Decimal
    lower_bound_phrase: str
    payments: list[dict]
    letters: list[SentMessage]
    invoice_copies: list[Evidence]
    next_step: str
    notice: str
    promise: Promise | None = None
    open_disputes: list[Dispute] = field(default_factory=list)
    # « Accessoires dus »: the principal is paid, the penalties and indemnities are not.
    accessories: Accessories | None = None
    accessory_lines: list[AccessoryLine] = field(default_factory=list)

    @property
    def payable(self) -> Decimal:
        """What the payment page asks for: the invoices' balance, or the accessories left."""
        if self.accessories is not None:
            return self.accessories.remaining
        return self.unpaid_total

    @property
    def unpaid_text(self) -> str:
        return euros(self.unpaid_total)

    @property
    def penalties_text(self) -> str:
        if self.penalties_total is None:
            return "à calculer"
        return euros(self.penalties_total)

    @property
    def indemnity_text(self) -> str:
        return euros(self.indemnity_total)

    @property
    def total_text(self) -> str:
        return euros(self.total_due)


def _sum(values) -> Decimal:
    """A sum that stays a lower bound when one term is (``LowerBound`` merges on its side)."""
    total: Decimal = ZERO
    for value in values:
        total = value + total if isinstance(value, LowerBound) else total + value
    return total


def next_step(dossier: Dossier, *, promise: Promise | None, on: date) -> str:
    """The next step of the cadence in plain words, without a threat: the wording check of the
    letters (``legal.wording``) must find nothing in it, else a neutral sentence is shown."""
    consumer = dossier.debtor.kind != "professional"
    state = dossier.state
    if state == S.ACCESSORIES:
        text = (
            "Vos factures sont réglées, merci. Restent dues les pénalités de retard et "
            "l'indemnité forfaitaire indiquées ci-dessous"
        )
        if dossier.next_action_at:
            text += (
                " : sans règlement ni nouvelle de votre part, un rappel de ces sommes vous sera "
                f"adressé à partir du {french_date(max(dossier.next_action_at, on))}."
            )
        else:
            text += "."
    elif state == S.PROMISE and promise is not None:
        text = (
            f"Votre promesse de paiement de {euros(promise.amount)} pour le "
            f"{french_date(promise.due_on)} est enregistrée : aucun rappel ne vous sera "
            "adressé d'ici là."
        )
    elif state == S.PAYMENT_PLAN:
        text = (
            "Votre échéancier est en cours : tant que les échéances sont respectées, aucun "
            "rappel ne vous sera adressé."
        )
    elif state == S.DISPUTED:
        text = (
            "Votre contestation est en cours d'examen par le créancier : aucun rappel ne vous "
            "sera adressé tant qu'elle n'est pas traitée."
        )
    elif state in (S.GO_NO_GO, S.FORMAL_NOTICE):
        text = (
            "Le créancier examine la suite à donner à votre dossier. Vous pouvez encore régler, "
            "proposer un échéancier ou nous signaler une difficulté depuis cette page."
        )
    elif dossier.next_action_at:
        text = (
            "Sans règlement ni nouvelle de votre part, un nouveau rappel vous sera adressé à "
            f"partir du {french_date(max(dossier.next_action_at, on))}."
        )
    else:
        text = "Aucune démarche n'est prévue pour le moment."
    if wording.forbidden_phrases(text, consumer=consumer):
        return "Le service recouvrement reste à votre disposition pour toute question."
    return text


def debtor_view(dossier: Dossier, *, on: date) -> DebtorView:
    debtor, creditor = dossier.debtor, dossier.creditor
    professional = debtor.kind == "professional"
    rates = rate_table()
    claims = dossier_claims_for_figures(dossier, dossier.claims.open().oldest_first())
    disputes = list(dossier.disputes.filter(status=Dispute.Status.OPEN))
    disputed = {d.claim_id for d in disputes if d.claim_id}
    lines: list[InvoiceLine] = []
    unpaid, penalties, indemnity = [], [], []
    penalties_known = True
    phrase = ""
    for claim in claims:
        figures = claim_legal_figures(claim, on=on, rates=rates)
        if figures.is_prescribed(on):
            continue
        line = InvoiceLine(
            claim_id=claim.pk,
            number=claim.invoice_number,
            issue_date=french_date(claim.issue_date),
            due_date=french_date(claim.due_date),
            amount=euros(claim.amount),
            unpaid=euros(figures.unpaid),
            days_overdue=max(figures.days_overdue, 0),
            disputed=claim.pk in disputed,
        )
        unpaid.append(figures.unpaid)
        # C. com. L441-10: late penalties and the 40 € indemnity between professionals only;
        # a consumer is never shown either (CPCE L111-8).
        if professional and figures.days_overdue > 0:
            if figures.late_penalties is None:
                penalties_known = False
                line.penalties = "à calculer"
            else:
                penalties.append(figures.late_penalties)
                line.penalties = euros(figures.late_penalties)
                if isinstance(figures.late_penalties, LowerBound):
                    phrase = figures.late_penalties.phrase
            indemnity.append(figures.recovery_indemnity)
            line.indemnity = euros(figures.recovery_indemnity)
        lines.append(line)
    unpaid_total = _sum(unpaid)
    penalties_total = _sum(penalties) if penalties_known else None
    indemnity_total = _sum(indemnity)
    total = (
        _sum([unpaid_total, penalties_total or ZERO, indemnity_total])
        if professional
        else unpaid_total
    )
    promise = dossier.promises.filter(status=Promise.Status.PENDING).first()
    payments = [
        {"on": french_date(p.received_on), "amount": euros(p.amount), "kind": p.get_kind_display()}
        for p in dossier.payments.order_by("received_on", "pk")
        if p.kind in (Payment.Kind.PAYMENT, Payment.Kind.CREDIT_NOTE)
    ]
    letters = list(
        dossier.sent_messages.filter(is_test=False).exclude(channel="sms").order_by("-sent_at")
    )
    copies = list(
        dossier.evidence.filter(kind=Evidence.Kind.INVOICE).exclude(file="").order_by("pk")
    )
    owed, owed_lines = (
        _accessories(dossier, on=on, rates=rates) if dossier.state == S.ACCESSORIES else (None, [])
    )
    return DebtorView(
        dossier=dossier,
        professional=professional,
        invoices=lines,
        unpaid_total=unpaid_total,
        penalties_total=penalties_total,
        indemnity_total=indemnity_total,
        total_due=total,
        lower_bound_phrase=phrase,
        payments=payments,
        letters=letters,
        invoice_copies=copies,
        next_step=next_step(dossier, promise=promise, on=on),
        notice=information_notice(creditor, debtor),
        promise=promise,
        open_disputes=disputes,
        accessories=owed,
        accessory_lines=owed_lines,
    )


def _accessories(dossier: Dossier, *, on: date, rates) -> tuple[Accessories, list[AccessoryLine]]:
    """The accessories of a dossier whose principal is paid (the figures of
    ``dossiers.selectors.dossier_accessories``), with the invoices paid late that make them."""
    claims = dossier_claims_for_figures(dossier, dossier.claims.filter(cancelled_on__isnull=True))
    figures = [(claim, claim_legal_figures(claim, on=on, rates=rates)) for claim in claims]
    owed = accessories(
        [f for _c, f in figures], debtor_kind=dossier.debtor.kind, paid=accessories_paid(dossier)
    )
    lines = [
        AccessoryLine(
            number=claim.invoice_number,
            due_date=french_date(claim.due_date),
            amount=euros(claim.amount),
            penalties="à calculer" if f.late_penalties is None else euros(f.late_penalties),
            indemnity=euros(f.recovery_indemnity),
        )
        for claim, f in figures
        if f.recovery_indemnity or f.late_penalties
    ]
    return owed, lines
