"""Reads of the dossiers app that carry rules: the rate table, a claim's legal figures, the
prescription warnings and the rates missing for a half-year.

The legal computations themselves are pure functions (``legal``); these selectors
gather their facts from the database in a constant number of queries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import F, Prefetch, QuerySet, Sum, prefetch_related_objects
from django.utils import timezone

from dossiers.models import (
    Claim,
    Creditor,
    EcbRate,
    LegalInterestRate,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    PrescriptionEvent,
)
from legal import rules
from legal.accessories import Accessories, accessories
from legal.bounds import LowerBound
from legal.calendar import add_months
from legal.figures import ClaimFacts, ClaimFigures, claim_figures
from legal.formatting import euros, euros_writer
from legal.prescription import EventKind, Prescription, prescription_date
from legal.prescription import PrescriptionEvent as Event
from legal.rates import EcbRate as EcbRow
from legal.rates import HalfYear, RateTable
from legal.rates import LegalRate as LegalRow
from recouvrement.lookups import AnyOf


def rate_table() -> RateTable:
    """Every recorded rate (two small queries), for the pure functions of ``legal``."""
    return RateTable(
        legal=[
            LegalRow(*row)
            for row in LegalInterestRate.objects.values_list(
                "half_year_start", "consumer_creditor_percent", "other_creditor_percent"
            )
        ],
        ecb=[EcbRow(*row) for row in EcbRate.objects.values_list("effective_from", "rate_percent")],
    )


def missing_rates(*, on: date | None = None, rates: RateTable | None = None) -> list[str]:
    """French messages for the rates missing for the half-year of ``on`` (today by default)."""
    on = on or timezone.localdate()
    return (rates or rate_table()).missing_for(HalfYear.containing(on))


# --- A claim's figures -----------------------------------------------------------------------


def claims_for_figures(queryset: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Claims with everything their figures read, fetched in a fixed number of queries.

    When the cadence app registered a formal-notice date (``scheduling``), it is annotated as
    ``formal_notice_on``.
    """
    queryset = Claim.objects.all() if queryset is None else queryset
    queryset = queryset.select_related("dossier__debtor", "creditor").prefetch_related(
        Prefetch(
            "allocations",
            queryset=PaymentAllocation.objects.select_related("payment").order_by("pk"),
        ),
        Prefetch("dossier__payment_plans", queryset=PaymentPlan.objects.order_by("pk")),
        Prefetch("dossier__prescription_events", queryset=PrescriptionEvent.objects.all()),
    )
    return queryset.annotate(formal_notice_on=F("dossier__formal_notice_sent_on"))


def dossier_claims_for_figures(dossier, queryset: QuerySet[Claim] | None = None) -> list[Claim]:
    """``claims_for_figures`` for claims of one dossier already in hand (``queryset``, by default
    all of them): the dossier, its debtor and creditor are the ones given, its payment plans and
    prescription events are read once for the dossier, not joined and attached claim by claim
    (which costs more than the queries themselves on a letter)."""
    queryset = dossier.claims.all() if queryset is None else queryset
    queryset = queryset.prefetch_related(
        Prefetch(
            "allocations",
            queryset=PaymentAllocation.objects.select_related("payment").order_by("pk"),
        )
    )
    claims = list(queryset.annotate(formal_notice_on=F("dossier__formal_notice_sent_on")))
    prefetch_related_objects(
        [dossier],
        Prefetch("payment_plans", queryset=PaymentPlan.objects.order_by("pk")),
        Prefetch("prescription_events", queryset=PrescriptionEvent.objects.all()),
    )
    for claim in claims:
        claim.dossier = dossier
        if claim.creditor_id == dossier.creditor_id:
            claim.creditor = dossier.creditor
    return claims


def _prescription_events(claim: Claim) -> list[Event]:
    """The acknowledgments and mediations of one claim (C. civ. 2238, 2240); reminders and
    formal notices are not among them."""
    events = []
    for allocation in claim.allocations.all():
        payment = allocation.payment
        if payment.kind == Payment.Kind.PAYMENT and payment.reversed_on is None:
            events.append(
                Event(
                    day=payment.received_on,
                    effect=EventKind.INTERRUPTION,
                    label=f"Paiement de {euros(allocation.amount)}",
                )
            )
    for plan in claim.dossier.payment_plans.all():
        if claim.issue_date <= plan.accepted_on:
            events.append(
                Event(
                    day=plan.accepted_on, effect=EventKind.INTERRUPTION, label="Échéancier accepté"
                )
            )
    for act in claim.dossier.prescription_events.all():
        if act.applies_to(claim):
            events.append(
                Event(day=act.occurred_on, effect=act.effect, label=act.get_kind_display())
            )
    return events


def claim_facts(claim: Claim) -> ClaimFacts:
    """The plain facts of one claim (reads prefetched relations: see ``claims_for_figures``)."""
    payments, credit_notes = [], []
    for allocation in claim.allocations.all():
        if allocation.payment.reversed_on is not None:
            continue  # the bank took it back: the invoice was not paid by it
        line = (allocation.payment.received_on, allocation.amount)
        if allocation.payment.kind == Payment.Kind.CREDIT_NOTE:
            credit_notes.append(line)
        else:
            payments.append(line)
    debtor = claim.dossier.debtor
    return ClaimFacts(
        amount=claim.amount,
        due_date=claim.due_date,
        debtor_kind=debtor.kind,
        payments=tuple(payments),
        credit_notes=tuple(credit_notes),
        prescription_events=tuple(_prescription_events(claim)),
        contractual_rate=claim.creditor.contractual_penalty_rate,
        insolvency_opened_on=debtor.insolvency_opened_on,
        cancelled_on=claim.cancelled_on,
    )


def claim_legal_figures(
    claim: Claim,
    *,
    on: date | None = None,
    rates: RateTable | None = None,
    formal_notice_on: date | None = None,
) -> ClaimFigures:
    """Days overdue, penalties, indemnity, legal interest, total due and prescription at ``on``.

    ``formal_notice_on``: the formal notice's date, when known (legal interest runs from it);
    else the annotation of ``claims_for_figures``, if any; else none.
    """
    if formal_notice_on is None:
        formal_notice_on = getattr(claim, "formal_notice_on", None)
    return claim_figures(
        claim_facts(claim),
        on=on or timezone.localdate(),
        rates=rates if rates is not None else rate_table(),
        formal_notice_on=formal_notice_on,
    )


def accessories_paid(dossier) -> Decimal:
    """Money received on the dossier beyond what was allocated to its invoices: it pays the
    accessories (``legal.accessories``). A payment the bank took back counts for nothing."""
    return accessories_paid_by_dossier([dossier.pk]).get(dossier.pk, Decimal("0.00"))


def accessories_paid_by_dossier(pks) -> dict[int, Decimal]:
    """``accessories_paid`` of several dossiers in two queries (received, then allocated)."""
    payments = Payment.objects.filter(
        AnyOf("dossier_id", pks), kind=Payment.Kind.PAYMENT, reversed_on__isnull=True
    )
    received = dict(
        payments.order_by()
        .values("dossier_id")
        .annotate(t=Sum("amount"))
        .values_list("dossier_id", "t")
    )
    allocated = dict(
        PaymentAllocation.objects.filter(payment__in=payments)
        .order_by()
        .values("payment__dossier_id")
        .annotate(t=Sum("amount"))
        .values_list("payment__dossier_id", "t")
    )
    return {
        pk: (_decimal(total) - _decimal(allocated.get(pk) or 0)).quantize(Decimal("0.01"))
        for pk, total in received.items()
    }


def _decimal(total) -> Decimal:
    """An aggregated amount as a Decimal (SQLite sums decimals as floats)."""
    return Decimal(repr(total)) if isinstance(total, float | int) else total


@dataclass(frozen=True)
class FactsOfClaim:
    """What the legal figures and the purge date read of one claim (``dossiers_claim_facts``):
    its facts (``claim_facts``), the formal notice's date and whether it is cancelled."""

    pk: int
    facts: ClaimFacts
    formal_notice_on: date | None
    cancelled_on: date | None


def dossiers_claim_facts(dossiers) -> dict[int, list[FactsOfClaim]]:
    """``claim_facts`` of every claim of these dossiers (their debtor and creditor loaded;
    cancelled claims included), read as rows in four queries whatever their number — no model
    built per claim, allocation or payment (a statement clears thousands of dossiers: the
    claims, allocations and payments as models cost more than the figures). The same facts as
    ``claim_facts`` over ``claims_for_figures``: payments and credit notes in the allocations'
    order, the prescription events (payments, plans, acts) in ``_prescription_events``'
    order. Read once, they serve the accessories, the planner and the purge dates of the
    dossiers a statement clears (``payments_record_many``)."""
    by_pk = {d.pk: d for d in dossiers}
    out: dict[int, list[FactsOfClaim]] = {pk: [] for pk in by_pk}
    if not by_pk:
        return out
    # The plans' acceptance days and the acts as rows, in the orders ``_prescription_events``
    # reads them (plans by primary key, acts by ``PrescriptionEvent.Meta.ordering``).
    plans: dict[int, list[date]] = {}
    for dossier_id, accepted_on in (
        PaymentPlan.objects.filter(AnyOf("dossier_id", by_pk))
        .order_by("pk")
        .values_list("dossier_id", "accepted_on")
    ):
        plans.setdefault(dossier_id, []).append(accepted_on)
    acts: dict[int, list[tuple]] = {}
    labels = dict(PrescriptionEvent.Kind.choices)
    for dossier_id, claim_id, kind, occurred_on in (
        PrescriptionEvent.objects.filter(AnyOf("dossier_id", by_pk))
        .order_by(*PrescriptionEvent._meta.ordering)
        .values_list("dossier_id", "claim_id", "kind", "occurred_on")
    ):
        event = (claim_id, occurred_on, PrescriptionEvent.EFFECTS[kind], str(labels[kind]))
        acts.setdefault(dossier_id, []).append(event)
    claims = list(
        Claim.objects.filter(AnyOf("dossier_id", by_pk))
        .annotate(formal_notice_on=F("dossier__formal_notice_sent_on"))
        .values_list(
            "pk", "dossier_id", "creditor_id", "amount", "due_date", "issue_date",
            "cancelled_on", "formal_notice_on",
        )
    )  # fmt: skip
    allocations: dict[int, list[tuple]] = {}
    for claim_id, amount, kind, received_on, reversed_on in (
        PaymentAllocation.objects.filter(AnyOf("claim_id", [c[0] for c in claims]))
        .order_by("pk")
        .values_list(
            "claim_id", "amount", "payment__kind", "payment__received_on", "payment__reversed_on"
        )
    ):
        allocations.setdefault(claim_id, []).append((amount, kind, received_on, reversed_on))
    rates: dict[int, Decimal | None] = {}
    write = euros_writer()  # each payment's label: the separators read once, not per amount
    for pk, dossier_id, creditor_id, amount, due_date, issue_date, cancelled, notice in claims:
        dossier = by_pk[dossier_id]
        debtor = dossier.debtor
        payments, credit_notes, events = [], [], []
        for paid, kind, received_on, reversed_on in allocations.get(pk, ()):
            if reversed_on is not None:
                continue  # the bank took it back: the invoice was not paid by it
            if kind == Payment.Kind.CREDIT_NOTE:
                credit_notes.append((received_on, paid))
            else:
                payments.append((received_on, paid))
            if kind == Payment.Kind.PAYMENT:
                events.append(
                    Event(
                        day=received_on,
                        effect=EventKind.INTERRUPTION,
                        label=f"Paiement de {write(paid)}",
                    )
                )
        for accepted_on in plans.get(dossier_id, ()):
            if issue_date <= accepted_on:
                events.append(
                    Event(
                        day=accepted_on, effect=EventKind.INTERRUPTION, label="Échéancier accepté"
                    )
                )
        for act_claim, occurred_on, effect, label in acts.get(dossier_id, ()):
            if (act_claim == pk) if act_claim is not None else issue_date <= occurred_on:
                events.append(Event(day=occurred_on, effect=effect, label=label))
        if creditor_id not in rates:
            creditor = (
                dossier.creditor
                if creditor_id == dossier.creditor_id
                else Creditor.objects.get(pk=creditor_id)
            )
            rates[creditor_id] = creditor.contractual_penalty_rate
        facts = ClaimFacts(
            amount=amount,
            due_date=due_date,
            debtor_kind=debtor.kind,
            payments=tuple(payments),
            credit_notes=tuple(credit_notes),
            prescription_events=tuple(events),
            contractual_rate=rates[creditor_id],
            insolvency_opened_on=debtor.insolvency_opened_on,
            cancelled_on=cancelled,
        )
        out[dossier_id].append(FactsOfClaim(pk, facts, notice, cancelled))
    return out


def dossiers_accessories(
    dossiers, *, on: dict[int, date], claims: dict[int, list[FactsOfClaim]] | None = None
) -> dict[int, Accessories]:
    """``dossier_accessories`` of many dossiers (their debtor loaded), each at its own date
    (``on``: dossier id → date), their claims, allocations, plans and events read at once
    (``claims``: already read by ``dossiers_claim_facts``)."""
    if not dossiers:
        return {}
    by_pk = {d.pk: d for d in dossiers}
    rates = rate_table()
    if claims is None:
        claims = dossiers_claim_facts(dossiers)
    paid = accessories_paid_by_dossier(list(by_pk))
    return {
        pk: accessories(
            [
                # ``accessories`` adds up the penalties and indemnities alone: no prescription.
                claim_figures(
                    c.facts,
                    on=on[pk],
                    rates=rates,
                    formal_notice_on=c.formal_notice_on,
                    prescription=False,
                )
                for c in claims[pk]
                if c.cancelled_on is None
            ],
            debtor_kind=dossier.debtor.kind,
            paid=paid.get(pk, Decimal("0.00")),
        )
        for pk, dossier in by_pk.items()
    }


def dossier_accessories(dossier, *, on: date | None = None, rates=None) -> Accessories:
    """The late-payment penalties and indemnities of a dossier's invoices at ``on``, and what
    was paid towards them (C. com. L441-10 II, D441-5; docs/legal.md §11)."""
    on = on or timezone.localdate()
    rates = rates if rates is not None else rate_table()
    claims = dossier_claims_for_figures(dossier, dossier.claims.filter(cancelled_on__isnull=True))
    figures = [claim_legal_figures(claim, on=on, rates=rates) for claim in claims]
    return accessories(figures, debtor_kind=dossier.debtor.kind, paid=accessories_paid(dossier))


# --- A dossier's figures (the API's dossier, the dossier page) -------------------------------


@dataclass
class DossierFigures:
    """What a dossier's invoices carry at a date, summed (cancelled invoices left out), and
    what is due: principal + penalties + indemnity + legal interest − money received beyond
    the invoices (it paid the accessories, docs/legal.md §11). A dossier closed as paid owes
    nothing more (its accessories paid or waived). A missing rate makes the penalties, the
    interest and the total lower bounds (``legal.bounds.LowerBound``)."""

    on: date
    principal: Decimal = Decimal("0.00")
    late_penalties: Decimal | None = Decimal("0.00")
    recovery_indemnity: Decimal = Decimal("0.00")
    legal_interest: Decimal | None = Decimal("0.00")
    accessories_paid: Decimal = Decimal("0.00")
    settled_on: date | None = None  # closed as paid
    missing_rates: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, figures: ClaimFigures) -> None:
        self.principal += figures.unpaid
        self.recovery_indemnity += figures.recovery_indemnity
        self.late_penalties = (
            None
            if self.late_penalties is None or figures.late_penalties is None
            else self.late_penalties + figures.late_penalties  # a LowerBound stays one
        )
        self.legal_interest = (
            None
            if self.legal_interest is None or figures.legal_interest is None
            else self.legal_interest + figures.legal_interest
        )
        for bucket, messages in (
            (self.missing_rates, figures.missing_rates),
            (self.errors, figures.errors),
            (self.notes, [n for n in figures.notes if "annulée" not in n]),
        ):
            bucket += [m for m in messages if m not in bucket]

    @property
    def accessories(self) -> Decimal | None:
        """Penalties + indemnity (C. com. L441-10 II, D441-5)."""
        if self.late_penalties is None:
            return None
        return self.late_penalties + self.recovery_indemnity

    @property
    def total_due(self) -> Decimal | None:
        if self.settled_on is not None:
            return Decimal("0.00")
        if self.late_penalties is None or self.legal_interest is None:
            return None
        gross = self.principal + self.late_penalties + self.recovery_indemnity
        gross = gross + self.legal_interest
        left = max(Decimal(gross) - self.accessories_paid, Decimal("0.00"))
        if isinstance(gross, LowerBound):
            return LowerBound(left, computed_until=gross.computed_until, missing=gross.missing)
        return left

    @property
    def is_lower_bound(self) -> bool:
        return isinstance(self.total_due, LowerBound)

    @property
    def computed_until(self) -> date | None:
        total = self.total_due
        return total.computed_until if isinstance(total, LowerBound) else None


def dossiers_figures(
    dossiers, *, on: date | None = None, rates: RateTable | None = None
) -> dict[int, DossierFigures]:
    """``DossierFigures`` of several dossiers in a fixed number of queries (the claims with
    their facts, then the money received beyond the invoices)."""
    from dossiers.models import DossierState

    on = on or timezone.localdate()
    rates = rates if rates is not None else rate_table()
    dossiers = list(dossiers)
    result = {}
    for dossier in dossiers:
        figures = DossierFigures(on=on)
        if dossier.state == DossierState.PAID and dossier.closed_on is not None:
            figures.settled_on = dossier.closed_on
            figures.notes.append(
                f"Dossier soldé le {dossier.closed_on:%d/%m/%Y} : rien n'est plus dû."
            )
        result[dossier.pk] = figures
    if not dossiers:
        return result
    claims = claims_for_figures(
        Claim.objects.filter(dossier_id__in=list(result), cancelled_on__isnull=True).order_by(
            "due_date", "pk"
        )
    )
    for claim in claims:
        result[claim.dossier_id].add(claim_legal_figures(claim, on=on, rates=rates))
    for pk, paid in accessories_paid_by_dossier(list(result)).items():
        result[pk].accessories_paid = paid
    return result


def dossier_figures(dossier, *, on: date | None = None, rates=None) -> DossierFigures:
    return dossiers_figures([dossier], on=on, rates=rates)[dossier.pk]


# --- Prescription warnings -------------------------------------------------------------------


@dataclass(frozen=True)
class PrescriptionFlag:
    claim: Claim
    prescription: Prescription
    days_left: int
    threshold: int  # the tightest warning threshold reached: 7, 30 or 90


@dataclass
class PrescriptionWarnings:
    """Open claims whose prescription is near (``flags``) or reached (``prescribed``)."""

    on: date
    flags: list[PrescriptionFlag] = field(default_factory=list)
    prescribed: list[PrescriptionFlag] = field(default_factory=list)

    @property
    def counts(self) -> dict[int, int]:
        """Claims prescribed within N days, for each threshold (cumulative: the 7-day ones also
        count within 30 and 90)."""
        thresholds = sorted(rules.PRESCRIPTION_WARNING_DAYS)
        tally = Counter(flag.threshold for flag in self.flags)
        return {limit: sum(tally[t] for t in thresholds if t <= limit) for limit in thresholds}


def prescription_warnings(
    *,
    on: date | None = None,
    queryset: QuerySet[Claim] | None = None,
    thresholds: tuple[int, ...] = rules.PRESCRIPTION_WARNING_DAYS,
) -> PrescriptionWarnings:
    """Open claims of active dossiers whose prescription date falls within 90, 30 or 7 days of
    ``on`` (docs/legal.md §3), and those already prescribed (C. civ. 2229: once the last day has
    passed). A claim under a mediation in progress is suspended (C. civ. 2238): not flagged.
    """
    on = on or timezone.localdate()
    queryset = Claim.objects.all() if queryset is None else queryset
    claims = claims_for_figures(
        queryset.open().filter(dossier__closed_on__isnull=True).order_by("due_date", "pk")
    )
    limits = sorted(thresholds)
    warnings = PrescriptionWarnings(on=on)
    for claim in claims:
        facts = claim_facts(claim)
        prescription = prescription_date(
            due_date=facts.due_date,
            debtor_kind=facts.debtor_kind,
            events=facts.prescription_events,
            on=on,
        )
        if prescription.date is None:
            continue
        days_left = (prescription.date - on).days
        if days_left < 0:
            warnings.prescribed.append(PrescriptionFlag(claim, prescription, days_left, 0))
            continue
        for limit in limits:
            if days_left <= limit:
                warnings.flags.append(PrescriptionFlag(claim, prescription, days_left, limit))
                break
    return warnings


# --- Prescribed claims of one dossier ----------------------------------------------------------


@dataclass(frozen=True)
class DossierPrescription:
    """The open claims of a dossier and which of them are prescribed at a date."""

    open_claims: int
    prescribed: list[tuple[Claim, Prescription]]

    @property
    def all_prescribed(self) -> bool:
        return self.open_claims > 0 and len(self.prescribed) == self.open_claims

    def reason(self) -> str:
        """Why the cadence stops, in French, naming the date and the article."""
        latest = max(self.prescribed, key=lambda item: item[1].date)[1]
        return (
            f"créance prescrite depuis le {latest.date:%d/%m/%Y} ({latest.reason}) : elle ne "
            "peut plus être exigée en justice, aucune relance n'est envoyée"
        )


def dossier_prescription(dossier, *, on: date) -> DossierPrescription:
    """Which open claims of ``dossier`` are prescribed at ``on`` (C. civ. 2219, 2229).

    No claim can be prescribed before its due date plus the shortest period (2 years, C. conso.
    L218-2): a dossier whose oldest unpaid due date is more recent costs no query.
    """
    oldest = dossier.reference_date
    if oldest is None or on <= add_months(oldest, 12 * rules.PRESCRIPTION_YEARS_CONSUMER):
        return DossierPrescription(open_claims=-1, prescribed=[])
    claims = list(claims_for_figures(Claim.objects.filter(dossier=dossier).open()))
    prescribed = []
    for claim in claims:
        facts = claim_facts(claim)
        prescription = prescription_date(
            due_date=facts.due_date,
            debtor_kind=facts.debtor_kind,
            events=facts.prescription_events,
            on=on,
        )
        if prescription.is_reached(on):
            prescribed.append((claim, prescription))
    return DossierPrescription(open_claims=len(claims), prescribed=prescribed)
