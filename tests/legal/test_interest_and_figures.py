"""Legal interest from the formal notice and a claim's figures, on worked examples.

Legal interest rate, other cases (C. mon. fin. L313-2): 2025-S1 3,71 %; 2025-S2 2,76 %;
2026-S1 2,62 %; made-up 2028-S1 3,00 %.
"""

from datetime import date as D
from datetime import timedelta
from decimal import Decimal

import pytest

from legal import calendar, rules
from legal.figures import ClaimFacts, claim_figures
from legal.interest import legal_interest
from legal.rates import MissingRateError


def test_legal_interest_runs_from_the_formal_notice(rates):
    """C. civ. 1231-6: interest at the legal rate from the formal notice (10/02/2026)."""
    accrual = legal_interest(
        principal=Decimal("1000.00"),
        formal_notice_on=D(2026, 2, 10),
        on=D(2026, 3, 12),
        rates=rates,
    )
    # 11/02–28/02 = 18 days + 12 days of March = 30 days
    # 1 000 × 2,62 % × 30/365 = 2,1534 → 2,15
    assert accrual.total == Decimal("2.15")


def test_legal_interest_across_a_half_year_boundary(rates):
    """C. civ. 1231-6, C. mon. fin. L313-2: each half-year's rate for "other cases"."""
    accrual = legal_interest(
        principal=Decimal("5000.00"),
        formal_notice_on=D(2025, 6, 20),
        on=D(2025, 7, 20),
        rates=rates,
    )
    # 21/06–30/06: 10 days: 5 000 × 3,71 % × 10/365 = 5,0822
    # 01/07–20/07: 20 days: 5 000 × 2,76 % × 20/365 = 7,5616
    # 12,6438 → 12,64
    assert accrual.total == Decimal("12.64")


def test_legal_interest_in_a_leap_year(rates_2028):
    """C. civ. 1231-6; docs/legal.md §1: 29/02/2028 counts, divisor 365."""
    accrual = legal_interest(
        principal=Decimal("10000.00"),
        formal_notice_on=D(2028, 1, 31),
        on=D(2028, 3, 1),
        rates=rates_2028,
    )
    # 01/02–29/02 = 29 days + 01/03 = 30 days; 10 000 × 3 % × 30/365 = 24,6575 → 24,66
    assert accrual.total == Decimal("24.66")


def test_legal_interest_with_a_partial_payment(rates):
    """C. civ. 1231-6: on the amount still unpaid; the payment of 15/02/2026 lowers it."""
    accrual = legal_interest(
        principal=Decimal("2000.00"),
        formal_notice_on=D(2026, 1, 31),
        on=D(2026, 3, 31),
        rates=rates,
        payments=[(D(2026, 2, 15), Decimal("500.00"))],
    )
    # 01/02–15/02: 15 days: 2 000 × 2,62 % × 15/365 = 2,1534
    # 16/02–31/03: 44 days: 1 500 × 2,62 % × 44/365 = 4,7375
    # 6,8909 → 6,89
    assert accrual.total == Decimal("6.89")


def test_no_formal_notice_no_legal_interest(rates):
    """C. civ. 1231-6: the interest runs from the formal notice only."""
    accrual = legal_interest(
        principal=Decimal("1000.00"), formal_notice_on=None, on=D(2026, 3, 12), rates=rates
    )
    assert accrual.total == Decimal("0.00")


def test_missing_2026_second_half_legal_rate_is_named(rates):
    """C. mon. fin. L313-2: no arrêté recorded for 2026-S2: refused, never the last rate."""
    with pytest.raises(MissingRateError) as exc:
        legal_interest(
            principal=Decimal("1000.00"),
            formal_notice_on=D(2026, 6, 1),
            on=D(2026, 7, 1),
            rates=rates,
        )
    assert str(exc.value).startswith("Taux de l'intérêt légal manquant pour le 2e semestre 2026")


# --- A claim's figures -----------------------------------------------------------------------


def facts(**overrides) -> ClaimFacts:
    values = {
        "amount": Decimal("1000.00"),
        "due_date": D(2026, 1, 31),
        "debtor_kind": "professional",
    }
    values.update(overrides)
    return ClaimFacts(**values)


def test_professional_claim_figures(rates):
    """C. com. L441-10 II, D441-5: penalties + 40 EUR; no legal interest on top of them."""
    figures = claim_figures(facts(), on=D(2026, 3, 3), rates=rates, formal_notice_on=D(2026, 2, 10))
    # penalties 1 000 × 12,15 % × 31/365 = 10,32; indemnity 40,00
    # total 1 000 + 10,32 + 40,00 = 1 050,32
    assert figures.days_overdue == 31
    assert figures.late_penalties == Decimal("10.32")
    assert figures.recovery_indemnity == Decimal("40.00")
    assert figures.legal_interest == Decimal("0.00")
    assert figures.total_due == Decimal("1050.32")
    assert figures.prescription_date == D(2031, 1, 31)


def test_consumer_claim_figures(rates):
    """C. civ. 1231-6; C. com. L441-10 (professionals only); C. conso. L218-2 (2 years)."""
    figures = claim_figures(
        facts(debtor_kind="consumer"),
        on=D(2026, 3, 12),
        rates=rates,
        formal_notice_on=D(2026, 2, 10),
    )
    # no penalties, no indemnity; legal interest 1 000 × 2,62 % × 30/365 = 2,15
    # total 1 000 + 2,15 = 1 002,15
    assert figures.late_penalties == Decimal("0.00")
    assert figures.recovery_indemnity == Decimal("0.00")
    assert figures.legal_interest == Decimal("2.15")
    assert figures.total_due == Decimal("1002.15")
    assert figures.prescription_date == D(2028, 1, 31)


def test_consumer_without_formal_notice_owes_the_principal_only(rates):
    """C. civ. 1231-6: no notice, no interest; never penalties nor fees for a consumer."""
    figures = claim_figures(facts(debtor_kind="consumer"), on=D(2026, 3, 3), rates=rates)
    assert figures.total_due == Decimal("1000.00")
    assert figures.days_overdue == 31


def test_unknown_kind_is_treated_as_a_consumer_and_says_so(rates):
    """C. conso. L218-2: the shorter period, flagged as an assumption (docs/legal.md §1)."""
    figures = claim_figures(facts(debtor_kind="unknown"), on=D(2026, 3, 3), rates=rates)
    assert figures.late_penalties == Decimal("0.00")
    assert figures.recovery_indemnity == Decimal("0.00")
    assert figures.prescription_date == D(2028, 1, 31)
    assert "délai le plus court" in figures.prescription_assumption
    assert any("inconnu" in note for note in figures.notes)


def test_credit_note_corrects_the_invoice_from_the_start(rates):
    """C. com. L441-10 II: a credit note of 200 € (20/02) cuts the invoice itself: penalties
    run on 800 € from the day after the due date."""
    figures = claim_figures(
        facts(credit_notes=((D(2026, 2, 20), Decimal("200.00")),)), on=D(2026, 3, 3), rates=rates
    )
    # 800 × 12,15 % × 31/365 = 8,2553 → 8,26; total 800 + 8,26 + 40 = 848,26
    assert figures.late_penalties == Decimal("8.26")
    assert figures.total_due == Decimal("848.26")


def test_figures_at_a_past_date_ignore_later_payments(rates):
    """C. com. L441-10 II: at 15/02/2026 the payment of 20/02 had not happened yet."""
    figures = claim_figures(
        facts(payments=((D(2026, 2, 20), Decimal("1000.00")),)), on=D(2026, 2, 15), rates=rates
    )
    # 01/02–15/02 = 15 days: 1 000 × 12,15 % × 15/365 = 4,9932 → 4,99
    assert figures.unpaid == Decimal("1000.00")
    assert figures.late_penalties == Decimal("4.99")
    assert figures.total_due == Decimal("1044.99")


def test_insolvent_professional_claim(rates):
    """C. com. L622-28: penalties stop at the judgment (01/03/2026), the indemnity stays owed
    for an invoice due before it."""
    figures = claim_figures(
        facts(amount=Decimal("10000.00"), insolvency_opened_on=D(2026, 3, 1)),
        on=D(2026, 4, 30),
        rates=rates,
    )
    # 28 days: 10 000 × 12,15 % × 28/365 = 93,21; total 10 000 + 93,21 + 40 = 10 133,21
    assert figures.total_due == Decimal("10133.21")
    assert any("L622-28" in note for note in figures.notes)


def test_missing_rate_gives_a_lower_bound_and_names_the_half_year(rates):
    """C. com. L441-10 II: over 2026-S2 the ECB rate is not recorded: penalties are computed to
    30/06/2026 only (1 000 × 12,15 % × 15/365 = 4,99) and shown as a lower bound, never with the
    last rate carried forward; the 40 EUR indemnity needs no rate."""
    figures = claim_figures(facts(due_date=D(2026, 6, 15)), on=D(2026, 7, 15), rates=rates)
    assert figures.late_penalties == Decimal("4.99")
    assert figures.total_due == Decimal("1044.99")
    assert figures.is_lower_bound and figures.computed_until == D(2026, 6, 30)
    assert figures.recovery_indemnity == Decimal("40.00")
    assert figures.errors == []
    assert figures.missing_rates[0].startswith(
        "Taux BCE de refinancement manquant pour le 2e semestre 2026"
    )


def test_a_formal_notice_before_the_due_date_starts_no_legal_interest(rates):
    """C. civ. 1344, 1231-6: a consumer's invoice due 31/01/2026 and a formal notice sent on
    20/01/2026, before it was due: no legal interest at 12/03/2026, flagged with a note; the same
    notice dated on the due date makes it run from 01/02/2026 (1 000 × 2,62 % × 40/365 = 2,87)."""
    consumer = facts(debtor_kind="consumer")
    early = claim_figures(consumer, on=D(2026, 3, 12), rates=rates, formal_notice_on=D(2026, 1, 20))
    assert early.legal_interest == Decimal("0.00")
    assert early.formal_notice_premature
    assert early.total_due == Decimal("1000.00")
    assert any("antérieure à l'échéance du 31/01/2026" in note for note in early.notes)
    on_time = claim_figures(
        consumer, on=D(2026, 3, 12), rates=rates, formal_notice_on=D(2026, 1, 31)
    )
    assert on_time.legal_interest == Decimal("2.87")
    assert not on_time.formal_notice_premature


def test_cancelled_claim_owes_nothing(rates):
    """A cancelled invoice (issued in error) bears neither penalties nor indemnity."""
    figures = claim_figures(facts(cancelled_on=D(2026, 2, 1)), on=D(2026, 3, 3), rates=rates)
    assert figures.total_due == Decimal("0.00")
    assert figures.prescription is None


def test_formal_notice_deadline_ending_on_a_public_holiday_moves_to_the_next_working_day():
    """CPC 641-642: an 8-day deadline from Monday 06/07/2026 ends on Tuesday 14/07 (national
    day) and runs to Wednesday 15/07/2026."""
    # 06/07 + 8 days = 14/07/2026 (Bastille Day) → 15/07/2026
    deadline = D(2026, 7, 6) + timedelta(days=rules.DEFAULT_FORMAL_NOTICE_DEADLINE_DAYS)
    assert deadline == D(2026, 7, 14)
    assert calendar.roll_forward(deadline) == D(2026, 7, 15)
    # Saturday 31/10/2026, then All Saints' Sunday 01/11 → Monday 02/11/2026
    assert calendar.roll_forward(D(2026, 10, 31)) == D(2026, 11, 2)
