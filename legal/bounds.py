"""An amount known only as a lower bound, because a reference rate is not published yet.

A half-year without its legal interest rate (C. mon. fin. L313-2) or its ECB rate (C. com.
L441-10 II) is never computed with the last known rate (docs/legal.md, *Never carried
forward*). The figures are computed up to the last day covered by known rates and shown as a
lower bound: « au moins 1 234,56 €, calcul arrêté au 30/06/2026, taux du 2nd semestre 2026 non
publié ». Penalties and interest only grow with time, so what is known is owed for sure.

``LowerBound`` is a ``Decimal`` that remembers it: adding it to an amount (a total, a sum over
invoices) gives a lower bound again, with the earliest day computed and every half-year
missing; any other operation gives a plain ``Decimal``. ``legal.formatting.euros`` writes it
with its « au moins … ».
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from legal.rates import HalfYear


def half_year_words(half_year: HalfYear) -> str:
    """« 1er semestre 2026 », « 2nd semestre 2026 »."""
    return f"{'1er' if half_year.half == 1 else '2nd'} semestre {half_year.year}"


class LowerBound(Decimal):
    """An amount computed up to ``computed_until`` only: the rates of ``missing`` half-years
    are not published (or not recorded) yet."""

    computed_until: date
    missing: tuple[HalfYear, ...]

    def __new__(cls, value, *, computed_until: date, missing: tuple[HalfYear, ...]):
        self = super().__new__(cls, value)
        self.computed_until = computed_until
        self.missing = tuple(sorted(set(missing)))
        return self

    def __reduce__(self):
        return (_rebuild, (str(self), self.computed_until, self.missing))

    def __repr__(self) -> str:
        return f"LowerBound('{self}', computed_until={self.computed_until!r})"

    @property
    def is_lower_bound(self) -> bool:
        return True

    def _merge(self, other) -> LowerBound:
        total = Decimal(self) + Decimal(other)
        if isinstance(other, LowerBound):
            return LowerBound(
                total,
                computed_until=min(self.computed_until, other.computed_until),
                missing=self.missing + other.missing,
            )
        return LowerBound(total, computed_until=self.computed_until, missing=self.missing)

    def __add__(self, other):
        if not isinstance(other, Decimal | int):
            return NotImplemented
        return self._merge(other)

    __radd__ = __add__

    @property
    def phrase(self) -> str:
        """« calcul arrêté au 30/06/2026, taux du 2nd semestre 2026 non publié »."""
        missing = ", ".join(half_year_words(h) for h in self.missing)
        published = "non publiés" if len(self.missing) > 1 else "non publié"
        return f"calcul arrêté au {self.computed_until:%d/%m/%Y}, taux du {missing} {published}"


def _rebuild(value: str, computed_until: date, missing: tuple[HalfYear, ...]) -> LowerBound:
    return LowerBound(value, computed_until=computed_until, missing=missing)


def lower_bound(value: Decimal, *, computed_until: date, missing) -> LowerBound:
    return LowerBound(value, computed_until=computed_until, missing=tuple(missing))
