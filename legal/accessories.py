"""What stays owed once the principal is paid late: the accessories (docs/legal.md §11).

Between professionals, the late-payment penalties and the fixed recovery indemnity are owed
whatever the delay and do not vanish when the invoice is paid (C. com. L441-10 II, D441-5):
they run from the day after the due date to the day of payment, on the amount unpaid each day,
and the 40 EUR are owed per invoice paid late. A consumer owes neither (legal interest only,
C. civ. 1231-6, which the product does not pursue after payment), nor does a debtor of unknown
kind (treated as a consumer, docs/legal.md §1).

Payments received beyond the principal go to the accessories (the product allocates money to
the invoices first, oldest due first, C. civ. 1342-10; what is left over pays the accessories).
A figure computed while a rate is missing stays a lower bound (``legal.bounds``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from legal.bounds import LowerBound
from legal.figures import PROFESSIONAL, ClaimFigures
from legal.interest import ZERO


@dataclass(frozen=True)
class Accessories:
    """The accessories of one dossier at a date, and what was paid towards them."""

    penalties: Decimal  # late-payment penalties (C. com. L441-10 II); may be a LowerBound
    indemnity: Decimal  # 40 EUR per invoice paid late (C. com. L441-10 II, D441-5)
    paid: Decimal  # money received beyond the principal

    @property
    def owed(self) -> Decimal:
        return self.penalties + self.indemnity

    @property
    def remaining(self) -> Decimal:
        """What is left to pay (never below zero); a lower bound when the penalties are."""
        left = max(Decimal(self.owed) - self.paid, ZERO)
        owed = self.owed
        if isinstance(owed, LowerBound):
            return LowerBound(left, computed_until=owed.computed_until, missing=owed.missing)
        return left

    @property
    def is_lower_bound(self) -> bool:
        return isinstance(self.owed, LowerBound)


def accessories(
    figures: Iterable[ClaimFigures], *, debtor_kind: str, paid: Decimal = ZERO
) -> Accessories:
    """Sum the penalties and indemnities of a dossier's invoices (professional debtor only)."""
    if debtor_kind != PROFESSIONAL:
        return Accessories(penalties=ZERO, indemnity=ZERO, paid=paid)
    penalties: Decimal = ZERO
    indemnity: Decimal = ZERO
    for figure in figures:
        if figure.late_penalties is not None:
            penalties += figure.late_penalties  # a LowerBound stays one (its __radd__)
        indemnity += figure.recovery_indemnity
    return Accessories(penalties=penalties, indemnity=indemnity, paid=paid)
