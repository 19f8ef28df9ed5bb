"""Late-payment penalties and the fixed recovery indemnity between professionals.

C. com. L441-10 II: penalties are due from the day after the due date, without any reminder,
at the contractual rate (never below 3 × the legal interest rate) or else at the ECB main
refinancing rate + 10 points; the fixed indemnity for recovery costs is 40 EUR per late invoice
(D441-5). C. com. L622-28: the insolvency opening judgment stops penalties; no indemnity is owed
for an invoice the judgment forbade paying at its due date. Consumers owe neither (docs/legal.md
§1): only legal interest from a formal notice (``interest.legal_interest``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from legal import rules
from legal.interest import ZERO, Accrual, accrue
from legal.rates import RateTable, penalty_rate


def late_penalties(
    *,
    principal: Decimal,
    due_date: date,
    on: date,
    rates: RateTable,
    contractual_rate: Decimal | None = None,
    payments: Iterable[tuple[date, Decimal]] = (),
    insolvency_opened_on: date | None = None,
    stop_at_missing_rate: bool = False,
) -> Accrual:
    """Penalties of a professional debtor's invoice at ``on`` (C. com. L441-10 II, L622-28).

    From the day after ``due_date`` to ``on`` (or to the payment), on the amount still unpaid
    day by day, simple interest actual/365, with each half-year's penalty rate
    (``rates.penalty_rate``). The opening judgment of insolvency proceedings stops them: its
    day bears none (the judgment takes effect from the first hour of its date).

    A half-year whose rate is not recorded raises ``MissingRateError``; with
    ``stop_at_missing_rate`` the penalties stop at the last day covered by known rates and the
    result is a lower bound (``Accrual.is_lower_bound``, docs/legal.md *Never carried
    forward*).
    """
    end = on
    if insolvency_opened_on is not None:
        end = min(end, insolvency_opened_on - timedelta(days=1))
    return accrue(
        principal=principal,
        start=due_date,
        end=end,
        payments=payments,
        rate_for=lambda half_year: penalty_rate(
            half_year, contractual_rate=contractual_rate, rates=rates
        ),
        stop_at_missing_rate=stop_at_missing_rate,
    )


def recovery_indemnity(
    *,
    principal: Decimal,
    due_date: date,
    on: date,
    payments: Iterable[tuple[date, Decimal]] = (),
    insolvency_opened_on: date | None = None,
) -> Decimal:
    """The fixed 40 EUR indemnity of one late invoice of a professional debtor (C. com. L441-10
    II, D441-5), however short the delay.

    Owed once ``on`` is past the due date with something unpaid at the due date (a late payment
    does not cancel it). Not owed when the insolvency opening judgment came on or before the due
    date: the judgment forbade paying the invoice then (L441-10 II, L622-7).
    """
    if on <= due_date:
        return ZERO.quantize(rules.CENT)
    if insolvency_opened_on is not None and insolvency_opened_on <= due_date:
        return ZERO.quantize(rules.CENT)
    paid_in_time = sum((amount for day, amount in payments if day <= due_date), ZERO)
    if paid_in_time >= principal:
        return ZERO.quantize(rules.CENT)
    return rules.RECOVERY_INDEMNITY
