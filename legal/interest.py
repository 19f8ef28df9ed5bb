"""Simple interest on an unpaid amount, per half-year, and the legal interest (C. civ. 1231-6).

Interest for a period (start, end] — from the day after ``start`` to ``end`` included — is
``base × annual rate × days / 365``: simple interest, actual/365 even in a leap year
(docs/legal.md §1). The period is cut at each half-year boundary (one rate per half-year) and at
each payment: a payment received on day P closes the period at P and the amount it paid stops
bearing interest from P + 1. Amounts are summed unrounded and rounded once, half-up, to the cent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from legal import rules
from legal.rates import HalfYear, MissingRateError, RateTable

ZERO = Decimal("0")


def round_cents(amount: Decimal) -> Decimal:
    """Half-up to the cent (the only rounding, at the end of a computation)."""
    return amount.quantize(rules.CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Segment:
    """One stretch of accrual: days ``first_day``..``last_day`` at one base and one rate."""

    first_day: date
    last_day: date
    days: int
    base: Decimal
    rate_percent: Decimal
    amount: Decimal  # unrounded

    def as_dict(self) -> dict:
        return {
            "du": self.first_day.isoformat(),
            "au": self.last_day.isoformat(),
            "jours": self.days,
            "assiette": str(round_cents(self.base)),
            "taux": str(self.rate_percent),
            "montant": str(round_cents(self.amount)),
        }


@dataclass(frozen=True)
class Accrual:
    total: Decimal  # rounded half-up to the cent
    segments: tuple[Segment, ...]
    # Set when a rate is missing and the accrual stopped before it (``stop_at_missing_rate``):
    # the last day computed, the half-year without its rate and the French message naming it.
    computed_until: date | None = None
    missing_half_year: HalfYear | None = None
    missing_message: str = ""

    @property
    def is_lower_bound(self) -> bool:
        return self.missing_half_year is not None


def accrue(
    *,
    principal: Decimal,
    start: date,
    end: date,
    payments: Iterable[tuple[date, Decimal]] = (),
    rate_for: Callable[[HalfYear], Decimal],
    stop_at_missing_rate: bool = False,
) -> Accrual:
    """Simple interest on ``principal`` less the payments, over (start, end], per half-year
    (docs/legal.md §1: actual/365; C. com. L441-10 II and C. mon. fin. L313-2: one rate per
    half-year).

    ``payments`` are (received_on, amount); those received on or before ``start`` reduce the
    base from the beginning, later ones from the day after their date. ``rate_for`` gives the
    annual rate in percent of a half-year; it is only asked for half-years that bear interest
    (it may raise ``MissingRateError``). With ``stop_at_missing_rate`` the accrual stops instead
    at the last day before the first half-year without a rate: the total is then a lower bound
    (``computed_until``, ``missing_half_year``, ``missing_message``); never the last known rate
    carried forward.
    """
    payments = sorted((day, amount) for day, amount in payments if day <= end)
    if end <= start:
        return Accrual(total=ZERO.quantize(rules.CENT), segments=())
    cuts = {start, end}
    cuts.update(day for day, _ in payments if start < day < end)
    half_year = HalfYear.containing(start + timedelta(days=1))
    while half_year.end < end:
        cuts.add(half_year.end)
        half_year = half_year.next()
    cuts = sorted(cuts)
    segments = []
    for left, right in pairwise(cuts):
        base = principal - sum((amount for day, amount in payments if day <= left), ZERO)
        if base <= 0:
            break
        days = (right - left).days
        try:
            rate = rate_for(HalfYear.containing(right))
        except MissingRateError as exc:
            if not stop_at_missing_rate:
                raise
            total = round_cents(sum((s.amount for s in segments), ZERO))
            return Accrual(
                total=total,
                segments=tuple(segments),
                computed_until=left,
                missing_half_year=HalfYear.containing(right),
                missing_message=str(exc),
            )
        amount = base * rate / Decimal(100) * days / rules.DAY_COUNT_BASIS
        segments.append(
            Segment(
                first_day=left + timedelta(days=1),
                last_day=right,
                days=days,
                base=base,
                rate_percent=rate,
                amount=amount,
            )
        )
    total = round_cents(sum((s.amount for s in segments), ZERO))
    return Accrual(total=total, segments=tuple(segments))


def legal_interest(
    *,
    principal: Decimal,
    formal_notice_on: date | None,
    on: date,
    rates: RateTable,
    payments: Iterable[tuple[date, Decimal]] = (),
    stops_on: date | None = None,
    stop_at_missing_rate: bool = False,
) -> Accrual:
    """Legal interest on the unpaid amount from the formal notice (C. civ. 1231-6).

    The rate is the legal interest rate "for all other cases" of each half-year (C. mon. fin.
    L313-2; our creditors are businesses). Runs from the day after the notice to ``on``; none
    without a notice. ``stops_on``: the day interest stops running (the insolvency opening
    judgment, C. com. L622-28), which bears none itself. ``stop_at_missing_rate``: see
    ``accrue`` (a lower bound instead of ``MissingRateError``).
    """
    if formal_notice_on is None:
        return Accrual(total=ZERO.quantize(rules.CENT), segments=())
    end = on if stops_on is None else min(on, stops_on - timedelta(days=1))
    return accrue(
        principal=principal,
        start=formal_notice_on,
        end=end,
        payments=payments,
        rate_for=rates.legal_rate_for_business_creditor,
        stop_at_missing_rate=stop_at_missing_rate,
    )
