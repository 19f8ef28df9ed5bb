"""Half-years and the rates that apply to each: legal interest rate, ECB rate, penalty rate.

Pure: the rates are handed in as a ``RateTable`` (``dossiers.selectors.rate_table`` loads it
from the database). A half-year without a recorded rate raises ``MissingRateError`` naming it:
the last known rate is never carried forward.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from legal import rules
from legal.calendar import MONTHS_FR


class MissingRateError(LookupError):
    """A computation needs a rate the tables do not hold (French message naming the half-year)."""


@dataclass(frozen=True, order=True)
class HalfYear:
    """A calendar half-year (semestre): 1 = January–June, 2 = July–December."""

    year: int
    half: int

    @classmethod
    def containing(cls, day: date) -> HalfYear:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def start(self) -> date:
        return date(self.year, 1, 1) if self.half == 1 else date(self.year, 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    @property
    def label(self) -> str:
        """« 1er semestre 2026 », « 2e semestre 2026 »."""
        return f"{'1er' if self.half == 1 else '2e'} semestre {self.year}"

    @property
    def ecb_reference_day(self) -> date:
        """C. com. L441-10 II: the ECB rate in force on 1 January, or on 1 July."""
        month, day = rules.ECB_REFERENCE_DAYS[self.half - 1]
        return date(self.year, month, day)

    def next(self) -> HalfYear:
        return HalfYear.containing(self.end + timedelta(days=1))


def french_day(day: date) -> str:
    """« 1er juillet 2026 », « 15 mars 2027 »."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS_FR[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class LegalRate:
    """One half-year of the legal interest rate (C. mon. fin. L313-2), in percent."""

    half_year_start: date
    consumer_creditor_percent: Decimal
    other_creditor_percent: Decimal


@dataclass(frozen=True)
class EcbRate:
    """One value of the ECB main refinancing operations rate, in percent, from its date."""

    effective_from: date
    rate_percent: Decimal


def legal_rate_missing(half_year: HalfYear) -> str:
    """C. mon. fin. L313-2: no arrêté recorded for the half-year."""
    return (
        f"Taux de l'intérêt légal manquant pour le {half_year.label} "
        "(C. mon. fin. L313-2) : ajoutez-le avant de calculer sur cette période."
    )


def ecb_rate_missing(half_year: HalfYear) -> str:
    """C. com. L441-10 II: the ECB series stops before the half-year's reference day."""
    return (
        f"Taux BCE de refinancement manquant pour le {half_year.label} "
        f"(taux en vigueur au {french_day(half_year.ecb_reference_day)}, C. com. L441-10) : "
        "ajoutez-le avant de calculer sur cette période."
    )


def ecb_rate_unknown(half_year: HalfYear) -> str:
    """The ECB series starts after the half-year's reference day."""
    return (
        f"Taux BCE de refinancement inconnu au {french_day(half_year.ecb_reference_day)} "
        f"({half_year.label})."
    )


def missing_from_facts(
    half_year: HalfYear, *, legal_known: bool, ecb_on_or_after: bool, ecb_on_or_before: bool
) -> list[str]:
    """``RateTable.missing_for`` from three facts a query can give at once (the dashboard
    reads them in a query it runs anyway): a legal rate recorded for the half-year, an ECB row
    dated on or after its reference day, one dated on or before it."""
    missing = [] if legal_known else [legal_rate_missing(half_year)]
    if not ecb_on_or_after:
        missing.append(ecb_rate_missing(half_year))
    elif not ecb_on_or_before:
        missing.append(ecb_rate_unknown(half_year))
    return missing


class RateTable:
    """The recorded rates, with the rules that read them."""

    def __init__(self, legal: Iterable[LegalRate] = (), ecb: Iterable[EcbRate] = ()):
        self._legal = {row.half_year_start: row for row in legal}
        self._ecb = sorted(ecb, key=lambda row: row.effective_from)

    def legal_rate(self, half_year: HalfYear) -> LegalRate:
        """C. mon. fin. L313-2: the rates fixed by arrêté for that half-year."""
        row = self._legal.get(half_year.start)
        if row is None:
            raise MissingRateError(legal_rate_missing(half_year))
        return row

    def legal_rate_for_business_creditor(self, half_year: HalfYear) -> Decimal:
        """C. mon. fin. L313-2: the "all other cases" rate, ours since our creditors are
        businesses, whoever the debtor is (docs/legal.md §2)."""
        return self.legal_rate(half_year).other_creditor_percent

    def ecb_rate(self, half_year: HalfYear) -> Decimal:
        """C. com. L441-10 II: the ECB main refinancing rate in force on 1 January (first
        half-year) or 1 July (second half-year).

        The series is known up to its latest recorded date only: a half-year whose reference
        day comes after it has no known rate (the ECB may have decided since). When the rate
        did not change, an admin records the value in force on that day as a new row.
        """
        reference_day = half_year.ecb_reference_day
        if not self._ecb or self._ecb[-1].effective_from < reference_day:
            raise MissingRateError(ecb_rate_missing(half_year))
        in_force = [row for row in self._ecb if row.effective_from <= reference_day]
        if not in_force:
            raise MissingRateError(ecb_rate_unknown(half_year))
        return in_force[-1].rate_percent

    def missing_for(self, half_year: HalfYear) -> list[str]:
        """The French messages for every rate missing for a half-year (empty when complete)."""
        missing = []
        for lookup in (self.legal_rate, self.ecb_rate):
            try:
                lookup(half_year)
            except MissingRateError as exc:
                missing.append(str(exc))
        return missing


def penalty_rate(
    half_year: HalfYear, *, contractual_rate: Decimal | None, rates: RateTable
) -> Decimal:
    """The annual late-payment penalty rate of a half-year, in percent (C. com. L441-10 II).

    With a contractual rate (CGV): that rate, never below 3 × the legal interest rate of the
    half-year. Without: the ECB main refinancing rate of the half-year + 10 points.
    """
    if contractual_rate is not None:
        floor = (
            rules.LATE_PAYMENT_FLOOR_LEGAL_RATE_MULTIPLIER
            * rates.legal_rate_for_business_creditor(half_year)
        )
        return max(contractual_rate, floor)
    return rates.ecb_rate(half_year) + rules.LATE_PAYMENT_ECB_MARGIN_POINTS
