"""Everything the law lets a creditor ask on one invoice at a date, from plain facts.

- professional debtor: late-payment penalties from the day after the due date and the 40 EUR
  indemnity (C. com. L441-10 II), both stopped by insolvency proceedings (L622-28);
- consumer (and, by prudence, unknown) debtor: neither; legal interest from the formal notice
  only (C. civ. 1231-6). Penalties and legal interest are never added up for the same delay:
  penalties are the professional's compensation for late payment;
- the prescription date with its trail (``prescription``).

A missing rate never stops the figures nor is carried forward: the figure that needs it is
computed up to the last day covered by known rates and is a lower bound (``legal.bounds.
LowerBound``: « au moins 1 234,56 €, calcul arrêté au 30/06/2026, taux du 2nd semestre 2026 non
publié »), and so is ``total_due``; ``missing_rates`` holds the French message naming the
half-year, ``computed_until`` the last day computed (docs/legal.md, *Never carried forward*).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from legal import rules
from legal.bounds import LowerBound
from legal.interest import ZERO, Accrual, legal_interest, round_cents
from legal.penalties import late_penalties, recovery_indemnity
from legal.prescription import Prescription, PrescriptionEvent, prescription_date
from legal.rates import RateTable

PROFESSIONAL = "professional"
UNKNOWN_KIND_NOTE = (
    "Type de débiteur inconnu : traité comme un consommateur (ni pénalités ni indemnité "
    "forfaitaire), à confirmer."
)


@dataclass(frozen=True)
class ClaimFacts:
    """What the computation needs to know of one invoice."""

    amount: Decimal
    due_date: date
    debtor_kind: str  # professional, consumer, unknown
    payments: tuple[tuple[date, Decimal], ...] = ()  # money received and allocated to it
    credit_notes: tuple[tuple[date, Decimal], ...] = ()  # corrections of the invoice itself
    prescription_events: tuple[PrescriptionEvent, ...] = ()
    contractual_rate: Decimal | None = None
    insolvency_opened_on: date | None = None
    cancelled_on: date | None = None


@dataclass
class ClaimFigures:
    on: date
    unpaid: Decimal
    days_overdue: int
    late_penalties: Decimal | None
    recovery_indemnity: Decimal
    legal_interest: Decimal | None
    prescription: Prescription | None
    formal_notice_on: date | None = None
    # The formal notice came before the due date: it starts no legal interest (C. civ. 1344).
    formal_notice_premature: bool = False
    penalty_segments: tuple = ()
    interest_segments: tuple = ()
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The French messages of the rates missing for a figure that is therefore a lower bound.
    missing_rates: list[str] = field(default_factory=list)

    @property
    def total_due(self) -> Decimal | None:
        """Unpaid + penalties + indemnity + legal interest; a lower bound (``LowerBound``) when
        one of them is."""
        if self.late_penalties is None or self.legal_interest is None:
            return None
        return self.unpaid + self.late_penalties + self.recovery_indemnity + self.legal_interest

    @property
    def is_lower_bound(self) -> bool:
        return isinstance(self.total_due, LowerBound)

    @property
    def computed_until(self) -> date | None:
        """The last day the figures cover when a rate is missing (None: computed to ``on``)."""
        total = self.total_due
        return total.computed_until if isinstance(total, LowerBound) else None

    @property
    def prescription_date(self) -> date | None:
        return self.prescription.date if self.prescription else None

    def is_prescribed(self, on: date) -> bool:
        """C. civ. 2229: prescribed once the last day of the period has passed."""
        return self.prescription is not None and self.prescription.is_reached(on)

    @property
    def prescription_reason(self) -> str:
        return self.prescription.reason if self.prescription else ""

    @property
    def prescription_assumption(self) -> str:
        return self.prescription.assumption if self.prescription else ""

    @property
    def prescription_trail(self) -> list[dict]:
        return [entry.as_dict() for entry in self.prescription.trail] if self.prescription else []

    @property
    def late_penalties_detail(self) -> list[dict]:
        return [segment.as_dict() for segment in self.penalty_segments]

    @property
    def legal_interest_detail(self) -> list[dict]:
        return [segment.as_dict() for segment in self.interest_segments]


def _zero() -> Decimal:
    return ZERO.quantize(rules.CENT)


def _figure(accrual: Accrual, figures: ClaimFigures) -> Decimal:
    """The accrual's total, as a lower bound when it stopped before a missing rate."""
    if not accrual.is_lower_bound:
        return accrual.total
    if accrual.missing_message not in figures.missing_rates:
        figures.missing_rates.append(accrual.missing_message)
    return LowerBound(
        accrual.total,
        computed_until=accrual.computed_until,
        missing=(accrual.missing_half_year,),
    )


def claim_figures(
    facts: ClaimFacts,
    *,
    on: date,
    rates: RateTable,
    formal_notice_on: date | None = None,
    prescription: bool = True,
) -> ClaimFigures:
    """Days overdue, penalties, indemnity, legal interest, total and prescription at ``on``
    (``prescription`` False: no prescription, None, for a caller that adds up the accessories
    of thousands of invoices and reads nothing else — the trail's French texts are the most
    costly part).

    C. com. L441-10 II and D441-5 (penalties, indemnity), L622-28 (insolvency), C. civ. 1231-6
    (legal interest from the formal notice, none from a notice sent before the due date: C. civ.
    1344), C. com. L110-4 / C. conso. L218-2 (prescription).
    Credit notes correct the invoice from its start; payments reduce the base from their date.
    """
    if facts.cancelled_on is not None:
        return ClaimFigures(
            on=on,
            unpaid=_zero(),
            days_overdue=0,
            late_penalties=_zero(),
            recovery_indemnity=_zero(),
            legal_interest=_zero(),
            prescription=None,
            notes=[f"Facture annulée le {facts.cancelled_on:%d/%m/%Y} : rien n'est dû."],
        )
    principal = facts.amount - sum(
        (amount for day, amount in facts.credit_notes if day <= on), ZERO
    )
    payments = tuple((day, amount) for day, amount in facts.payments if day <= on)
    unpaid = max(principal - sum((amount for _, amount in payments), ZERO), ZERO)
    figures = ClaimFigures(
        on=on,
        unpaid=round_cents(unpaid),
        days_overdue=(on - facts.due_date).days if unpaid > 0 and on > facts.due_date else 0,
        late_penalties=_zero(),
        recovery_indemnity=_zero(),
        legal_interest=_zero(),
        prescription=prescription_date(
            due_date=facts.due_date,
            debtor_kind=facts.debtor_kind,
            events=facts.prescription_events,
            on=on,
        )
        if prescription
        else None,
        formal_notice_on=formal_notice_on,
    )
    if facts.insolvency_opened_on is not None and facts.insolvency_opened_on <= on:
        figures.notes.append(
            f"Procédure collective ouverte le {facts.insolvency_opened_on:%d/%m/%Y} : pénalités "
            "et intérêts arrêtés (C. com. L622-28), créance à déclarer au mandataire."
        )
    insolvency = (
        facts.insolvency_opened_on
        if facts.insolvency_opened_on is not None and facts.insolvency_opened_on <= on
        else None
    )
    if facts.debtor_kind == PROFESSIONAL:
        accrual = late_penalties(
            principal=principal,
            due_date=facts.due_date,
            on=on,
            rates=rates,
            contractual_rate=facts.contractual_rate,
            payments=payments,
            insolvency_opened_on=insolvency,
            stop_at_missing_rate=True,
        )
        figures.late_penalties = _figure(accrual, figures)
        figures.penalty_segments = accrual.segments
        figures.recovery_indemnity = recovery_indemnity(
            principal=principal,
            due_date=facts.due_date,
            on=on,
            payments=payments,
            insolvency_opened_on=insolvency,
        )
        return figures
    if facts.debtor_kind != "consumer":
        figures.notes.append(UNKNOWN_KIND_NOTE)
    if formal_notice_on is None:
        figures.notes.append(
            "Pas de mise en demeure connue : pas d'intérêts au taux légal (C. civ. 1231-6)."
        )
        return figures
    if formal_notice_on < facts.due_date:
        # C. civ. 1344, 1231-6: a formal notice demands what is due; sent before the due date it
        # does not put the debtor in default and starts no interest (a new notice is needed).
        figures.formal_notice_premature = True
        figures.notes.append(
            f"Mise en demeure du {formal_notice_on:%d/%m/%Y} antérieure à l'échéance du "
            f"{facts.due_date:%d/%m/%Y} : elle ne fait pas courir l'intérêt au taux légal sur "
            "cette facture (C. civ. 1344, 1231-6) ; une nouvelle mise en demeure est nécessaire."
        )
        return figures
    accrual: Accrual = legal_interest(
        principal=principal,
        formal_notice_on=formal_notice_on,
        on=on,
        rates=rates,
        payments=payments,
        stops_on=insolvency,
        stop_at_missing_rate=True,
    )
    figures.legal_interest = _figure(accrual, figures)
    figures.interest_segments = accrual.segments
    return figures
