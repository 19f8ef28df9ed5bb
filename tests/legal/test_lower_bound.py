"""Figures when a reference rate is missing: computed up to the last day covered by known rates
and shown as a lower bound, never with a rate carried forward (docs/legal.md, *Never carried
forward*; C. com. L441-10 II; C. mon. fin. L313-2; C. civ. 1231-6)."""

from datetime import date as D
from decimal import Decimal

import pytest

from legal.bounds import LowerBound
from legal.figures import ClaimFacts, claim_figures
from legal.formatting import euros
from legal.interest import legal_interest
from legal.penalties import late_penalties
from legal.rates import HalfYear, MissingRateError

S2_2026 = HalfYear(2026, 2)


def pro(**kwargs) -> ClaimFacts:
    return ClaimFacts(
        amount=Decimal(kwargs.pop("amount", "1000.00")),
        due_date=kwargs.pop("due_date", D(2026, 5, 31)),
        debtor_kind=kwargs.pop("debtor_kind", "professional"),
        **kwargs,
    )


def test_penalties_stop_at_the_last_day_with_a_known_ecb_rate(rates):
    """C. com. L441-10 II: 1 000 € due 31/05/2026, at 30/09/2026, no ECB rate for 01/07/2026:
    30 days of June at 2,15 + 10 = 12,15 %: 1 000 × 12,15 % × 30/365 = 9,9863 → 9,99 €, a lower
    bound computed until 30/06/2026; total at least 1 000 + 9,99 + 40 = 1 049,99 €."""
    figures = claim_figures(pro(), on=D(2026, 9, 30), rates=rates)
    assert figures.late_penalties == Decimal("9.99")
    assert isinstance(figures.late_penalties, LowerBound)
    assert figures.total_due == Decimal("1049.99")
    assert figures.is_lower_bound
    assert figures.computed_until == D(2026, 6, 30)
    assert [s["au"] for s in figures.late_penalties_detail] == ["2026-06-30"]
    assert euros(figures.total_due) == (
        "au moins 1\u00a0049,99 €, calcul arrêté au 30/06/2026, "
        "taux du 2nd semestre 2026 non publié"
    )


def test_the_engine_still_refuses_to_guess_without_the_option(rates):
    """C. com. L441-10 II: without ``stop_at_missing_rate`` the missing half-year is an error
    naming it (the last rate is never carried forward)."""
    with pytest.raises(MissingRateError):
        late_penalties(
            principal=Decimal("1000.00"), due_date=D(2026, 5, 31), on=D(2026, 9, 30), rates=rates
        )
    accrual = late_penalties(
        principal=Decimal("1000.00"),
        due_date=D(2026, 5, 31),
        on=D(2026, 9, 30),
        rates=rates,
        stop_at_missing_rate=True,
    )
    assert (accrual.total, accrual.computed_until, accrual.missing_half_year) == (
        Decimal("9.99"),
        D(2026, 6, 30),
        S2_2026,
    )
    assert accrual.missing_message.startswith("Taux BCE de refinancement manquant")


def test_contractual_rate_needs_the_legal_rate_of_the_half_year_for_its_floor(rates):
    """C. com. L441-10 II: a contractual rate of 15 % is checked against 3 × the legal rate of
    each half-year; 2026-S2's is unknown: 1 000 × 15 % × 30/365 = 12,33 € to 30/06/2026."""
    figures = claim_figures(pro(contractual_rate=Decimal("15.00")), on=D(2026, 8, 31), rates=rates)
    assert figures.late_penalties == Decimal("12.33")
    assert figures.computed_until == D(2026, 6, 30)
    assert figures.missing_rates[0].startswith("Taux de l'intérêt légal manquant")


def test_a_payment_in_the_known_half_year_is_counted(rates):
    """C. com. L441-10 II: 400 € paid on 15/06/2026 on 1 000 € due 31/05/2026: 15 days on 1 000
    and 15 days on 600 at 12,15 % = 4,9932 + 2,9959 = 7,99 €, to 30/06/2026; at least 600 +
    7,99 + 40 = 647,99 €."""
    figures = claim_figures(
        pro(payments=((D(2026, 6, 15), Decimal("400.00")),)), on=D(2026, 10, 1), rates=rates
    )
    assert figures.late_penalties == Decimal("7.99")
    assert figures.total_due == Decimal("647.99")
    assert figures.is_lower_bound


def test_due_in_the_missing_half_year_gives_zero_as_a_lower_bound(rates):
    """C. com. L441-10 II: due 15/07/2026, no rate for the 2nd half of 2026: no day can be
    computed; the penalties are « au moins 0,00 € », the 40 EUR indemnity is owed (D441-5)."""
    figures = claim_figures(pro(due_date=D(2026, 7, 15)), on=D(2026, 8, 14), rates=rates)
    assert figures.late_penalties == Decimal("0.00") and figures.is_lower_bound
    assert figures.computed_until == D(2026, 7, 15)
    assert figures.recovery_indemnity == Decimal("40.00")
    assert euros(figures.late_penalties).startswith("au moins 0,00 €, calcul arrêté au 15/07/2026")


def test_consumer_legal_interest_stops_at_the_last_known_legal_rate(rates):
    """C. civ. 1231-6, C. mon. fin. L313-2: formal notice on 01/06/2026, at 31/08/2026, the
    « autres cas » rate of 2026-S1 is 2,62 %, 2026-S2 unknown: 1 000 × 2,62 % × 29/365 = 2,08 €
    to 30/06/2026, a lower bound."""
    figures = claim_figures(
        pro(debtor_kind="consumer"), on=D(2026, 8, 31), rates=rates, formal_notice_on=D(2026, 6, 1)
    )
    assert figures.legal_interest == Decimal("2.08")
    assert figures.total_due == Decimal("1002.08")
    assert figures.computed_until == D(2026, 6, 30)
    assert figures.missing_rates[0].startswith("Taux de l'intérêt légal manquant")
    accrual = legal_interest(
        principal=Decimal("1000.00"),
        formal_notice_on=D(2026, 6, 1),
        on=D(2026, 8, 31),
        rates=rates,
        stop_at_missing_rate=True,
    )
    assert accrual.is_lower_bound and accrual.total == Decimal("2.08")


def test_known_rates_give_an_exact_figure(rates):
    """C. com. L441-10 II: 1 000 € due 31/01/2026 at 03/03/2026: 10,32 €, exact."""
    figures = claim_figures(pro(due_date=D(2026, 1, 31)), on=D(2026, 3, 3), rates=rates)
    assert figures.late_penalties == Decimal("10.32")
    assert not figures.is_lower_bound and figures.computed_until is None
    assert euros(figures.total_due) == "1\u00a0050,32 €"


def test_a_sum_with_a_lower_bound_is_a_lower_bound():
    """Adding amounts (a dossier's total over its invoices) keeps the earliest day computed and
    every half-year missing; other operations give a plain amount."""
    first = LowerBound("10.00", computed_until=D(2026, 6, 30), missing=(S2_2026,))
    second = LowerBound("5.50", computed_until=D(2026, 12, 31), missing=(HalfYear(2027, 1),))
    total = Decimal("100.00") + first + second + 40
    assert total == Decimal("155.50") and isinstance(total, LowerBound)
    assert total.computed_until == D(2026, 6, 30)
    assert total.missing == (S2_2026, HalfYear(2027, 1))
    assert euros(total) == (
        "au moins 155,50 €, calcul arrêté au 30/06/2026, taux du 2nd semestre 2026, "
        "1er semestre 2027 non publiés"
    )
    assert sum([Decimal("1.00"), first]) == Decimal("11.00")
    assert isinstance(sum([Decimal("1.00"), first]), LowerBound)
    assert not isinstance(first - Decimal("1"), LowerBound)
    assert f"{first:.2f}" == "10.00"  # a payment link or an export reads the plain number
