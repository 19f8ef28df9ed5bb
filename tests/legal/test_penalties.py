"""Late-payment penalties and the 40 EUR indemnity, on worked examples computed by hand.

Penalty rates of the reference tables (ECB rate in force on 1 January / 1 July + 10 points):
2023-S1 2,50 + 10 = 12,50 %; 2024-S1 4,50 + 10 = 14,50 %; 2024-S2 4,25 + 10 = 14,25 %;
2025-S1 3,15 + 10 = 13,15 %; 2025-S2 2,15 + 10 = 12,15 %; 2026-S1 2,15 + 10 = 12,15 %.
Legal interest rate, other cases: 2024-S1 5,07 %; 2024-S2 4,92 %; 2026-S1 2,62 %.
"""

from datetime import date as D
from decimal import Decimal

import pytest

from legal.penalties import late_penalties, recovery_indemnity
from legal.rates import HalfYear, MissingRateError, penalty_rate


def money(value: str) -> Decimal:
    return Decimal(value)


def test_one_month_late_at_ecb_plus_ten(rates):
    """C. com. L441-10 II: from the day after the due date, ECB (2,15 % on 01/01/2026) + 10."""
    accrual = late_penalties(
        principal=money("1000.00"), due_date=D(2026, 1, 31), on=D(2026, 3, 3), rates=rates
    )
    # 28 days of February + 3 of March = 31 days.
    # 1 000 × 12,15 % × 31/365 = 10,3192 → 10,32
    assert accrual.total == money("10.32")
    assert [s.days for s in accrual.segments] == [31]


def test_period_across_the_half_year_boundary_uses_each_half_years_rate(rates):
    """C. com. L441-10 II: the first half-year's rate until 30 June, the second's from 1 July."""
    accrual = late_penalties(
        principal=money("10000.00"), due_date=D(2025, 6, 15), on=D(2025, 7, 15), rates=rates
    )
    # 16/06–30/06 = 15 days at 13,15 %: 10 000 × 13,15 % × 15/365 = 54,0411
    # 01/07–15/07 = 15 days at 12,15 %: 10 000 × 12,15 % × 15/365 = 49,9315
    # total 103,9726 → 103,97
    assert accrual.total == money("103.97")
    assert [(s.days, s.rate_percent) for s in accrual.segments] == [
        (15, Decimal("13.15")),
        (15, Decimal("12.15")),
    ]


def test_due_on_the_last_day_of_june_runs_entirely_in_the_second_half_year(rates):
    """C. com. L441-10 II: penalties start the day after the due date, here 1 July."""
    accrual = late_penalties(
        principal=money("5000.00"), due_date=D(2025, 6, 30), on=D(2025, 7, 31), rates=rates
    )
    # 31 days at 12,15 %: 5 000 × 12,15 % × 31/365 = 51,5959 → 51,60
    assert accrual.total == money("51.60")


def test_one_day_late_across_new_year(rates):
    """C. com. L441-10 II: however short the delay; 1 January 2025 is in 2025-S1 (13,15 %)."""
    accrual = late_penalties(
        principal=money("20000.00"), due_date=D(2024, 12, 31), on=D(2025, 1, 1), rates=rates
    )
    # 20 000 × 13,15 % × 1/365 = 7,2055 → 7,21
    assert accrual.total == money("7.21")


def test_ecb_decisions_inside_a_half_year_do_not_change_its_rate(rates):
    """C. com. L441-10 II: the rate of the first half-year is the one in force on 1 January
    (3,15 %), whatever the ECB decides on 5 February, 12 March or 23 April 2025."""
    accrual = late_penalties(
        principal=money("1000.00"), due_date=D(2025, 1, 31), on=D(2025, 4, 30), rates=rates
    )
    # 28 (Feb) + 31 (Mar) + 30 (Apr) = 89 days; 1 000 × 13,15 % × 89/365 = 32,0644 → 32,06
    assert accrual.total == money("32.06")


def test_rate_change_from_one_year_to_the_next(rates):
    """C. com. L441-10 II: 2024-S2 at 4,25 + 10 %, then 2025-S1 at 3,15 + 10 %."""
    accrual = late_penalties(
        principal=money("3000.00"), due_date=D(2024, 11, 30), on=D(2025, 2, 28), rates=rates
    )
    # December: 31 days × 14,25 %: 3 000 × 14,25 % × 31/365 = 36,3082
    # January + February: 59 days × 13,15 %: 3 000 × 13,15 % × 59/365 = 63,7685
    # 100,0767 → 100,08
    assert accrual.total == money("100.08")


def test_leap_day_counts_but_the_year_is_still_365_days(rates):
    """docs/legal.md §1 (actual/365): 29 February 2024 is a day of delay; the divisor stays 365."""
    accrual = late_penalties(
        principal=money("1000.00"), due_date=D(2024, 2, 28), on=D(2024, 3, 1), rates=rates
    )
    # 29/02 and 01/03 = 2 days; 1 000 × 14,50 % × 2/365 = 0,7945 → 0,79
    assert accrual.total == money("0.79")


def test_a_whole_leap_year_is_366_days_over_365(rates_2028):
    """docs/legal.md §1: 2028 has 366 days, the day count is still /365 (C. com. L441-10 II:
    ECB 2,00 % + 10 = 12 % in both half-years)."""
    accrual = late_penalties(
        principal=money("10000.00"),
        due_date=D(2027, 12, 31),
        on=D(2028, 12, 31),
        rates=rates_2028,
    )
    # 182 days (S1, with 29/02) + 184 days (S2) = 366 days
    # 10 000 × 12 % × 366/365 = 1 203,2877 → 1 203,29 (not 1 200,00)
    assert accrual.total == money("1203.29")
    assert [s.days for s in accrual.segments] == [182, 184]


def test_29_february_2028_is_a_day_of_delay(rates_2028):
    """docs/legal.md §1: actual days; C. com. L441-10 II rate 12 % in 2028-S1."""
    accrual = late_penalties(
        principal=money("10000.00"), due_date=D(2028, 2, 28), on=D(2028, 3, 1), rates=rates_2028
    )
    # 29/02 + 01/03 = 2 days; 10 000 × 12 % × 2/365 = 6,5753 → 6,58
    assert accrual.total == money("6.58")


def test_partial_payment_reduces_the_base_from_its_date(rates):
    """C. com. L441-10 II: penalties run on the amount still unpaid, day by day."""
    accrual = late_penalties(
        principal=money("1000.00"),
        due_date=D(2026, 1, 31),
        on=D(2026, 3, 31),
        rates=rates,
        payments=[(D(2026, 2, 15), money("400.00"))],
    )
    # 01/02–15/02: 15 days on 1 000: 1 000 × 12,15 % × 15/365 = 4,9932
    # 16/02–31/03: 13 + 31 = 44 days on 600: 600 × 12,15 % × 44/365 = 8,7879
    # 13,7811 → 13,78
    assert accrual.total == money("13.78")
    assert [(s.days, s.base) for s in accrual.segments] == [
        (15, Decimal("1000.00")),
        (44, Decimal("600.00")),
    ]


def test_penalties_stop_on_the_day_of_full_payment(rates):
    """C. com. L441-10 II: from the day after the due date to the day of payment."""
    accrual = late_penalties(
        principal=money("2000.00"),
        due_date=D(2026, 2, 28),
        on=D(2026, 4, 30),
        rates=rates,
        payments=[(D(2026, 3, 10), money("2000.00"))],
    )
    # 01/03–10/03 = 10 days; 2 000 × 12,15 % × 10/365 = 6,6575 → 6,66
    assert accrual.total == money("6.66")


def test_payment_before_the_due_date_lowers_the_base_from_the_start(rates):
    """C. com. L441-10 II: only what is unpaid at the due date bears penalties."""
    accrual = late_penalties(
        principal=money("1000.00"),
        due_date=D(2026, 1, 31),
        on=D(2026, 3, 3),
        rates=rates,
        payments=[(D(2026, 1, 20), money("300.00"))],
    )
    # 700 × 12,15 % × 31/365 = 7,2234 → 7,22
    assert accrual.total == money("7.22")


def test_rounding_is_half_up_and_only_at_the_end(rates):
    """C. com. L441-10 II; amounts rounded half-up to the cent, once (docs/legal.md §1)."""
    accrual = late_penalties(
        principal=money("100.00"), due_date=D(2025, 6, 29), on=D(2025, 7, 2), rates=rates
    )
    # 30/06: 100 × 13,15 % × 1/365 = 0,036027; 01/07–02/07: 100 × 12,15 % × 2/365 = 0,066575
    # sum 0,102603 → 0,10 (rounding each part first would give 0,04 + 0,07 = 0,11)
    assert accrual.total == money("0.10")
    exact_half = late_penalties(
        principal=money("36.50"), due_date=D(2023, 1, 31), on=D(2023, 2, 10), rates=rates
    )
    # 36,50 × 12,50 % × 10/365 = 45,625/365 = 0,125 exactly → 0,13 (half-up, not half-even)
    assert exact_half.total == money("0.13")


def test_contractual_rate_above_the_floor_applies(rates):
    """C. com. L441-10 II: the CGV rate (15 %) applies when not below 3 × 2,62 % = 7,86 %."""
    accrual = late_penalties(
        principal=money("1000.00"),
        due_date=D(2026, 1, 31),
        on=D(2026, 3, 3),
        rates=rates,
        contractual_rate=Decimal("15.00"),
    )
    # 1 000 × 15 % × 31/365 = 12,7397 → 12,74
    assert accrual.total == money("12.74")


def test_contractual_rate_below_the_floor_is_raised_to_three_times_the_legal_rate(rates):
    """C. com. L441-10 II: a CGV rate of 5 % is raised to 3 × 2,62 % = 7,86 % in 2026-S1."""
    accrual = late_penalties(
        principal=money("1000.00"),
        due_date=D(2026, 1, 31),
        on=D(2026, 3, 3),
        rates=rates,
        contractual_rate=Decimal("5.00"),
    )
    # 1 000 × 7,86 % × 31/365 = 6,6756 → 6,68
    assert accrual.total == money("6.68")


def test_the_floor_follows_each_half_years_legal_rate(rates):
    """C. com. L441-10 II: floor 3 × 5,07 = 15,21 % in 2024-S1, 3 × 4,92 = 14,76 % in 2024-S2."""
    accrual = late_penalties(
        principal=money("1000.00"),
        due_date=D(2024, 6, 20),
        on=D(2024, 7, 10),
        rates=rates,
        contractual_rate=Decimal("5.00"),
    )
    # 21/06–30/06: 10 days: 1 000 × 15,21 % × 10/365 = 4,1671
    # 01/07–10/07: 10 days: 1 000 × 14,76 % × 10/365 = 4,0438
    # 8,2109 → 8,21
    assert accrual.total == money("8.21")
    assert penalty_rate(HalfYear(2024, 2), contractual_rate=Decimal("0"), rates=rates) == Decimal(
        "14.76"
    )


def test_contractual_floor_in_a_leap_year(rates_2028):
    """C. com. L441-10 II: 5 % raised to 3 × 2,50 % = 7,50 % in 2028-S2 (/365)."""
    accrual = late_penalties(
        principal=money("1000.00"),
        due_date=D(2028, 6, 30),
        on=D(2028, 12, 31),
        rates=rates_2028,
        contractual_rate=Decimal("5.00"),
    )
    # 01/07–31/12 = 184 days; 1 000 × 7,50 % × 184/365 = 37,8082 → 37,81
    assert accrual.total == money("37.81")


def test_insolvency_judgment_stops_penalties_the_day_before(rates):
    """C. com. L622-28: the opening judgment (01/03/2026) stops the penalties; it takes effect
    from the first hour of its date, so the last day bearing them is 28/02."""
    accrual = late_penalties(
        principal=money("10000.00"),
        due_date=D(2026, 1, 31),
        on=D(2026, 4, 30),
        rates=rates,
        insolvency_opened_on=D(2026, 3, 1),
    )
    # 01/02–28/02 = 28 days; 10 000 × 12,15 % × 28/365 = 93,2055 → 93,21
    assert accrual.total == money("93.21")


def test_no_penalty_when_insolvency_opened_before_the_due_date(rates):
    """C. com. L622-28: nothing runs after the opening judgment (15/03 before the 31/03 due)."""
    accrual = late_penalties(
        principal=money("1000.00"),
        due_date=D(2026, 3, 31),
        on=D(2026, 4, 30),
        rates=rates,
        insolvency_opened_on=D(2026, 3, 15),
    )
    assert accrual.total == money("0.00")


def test_missing_second_half_2026_ecb_rate_is_named(rates):
    """C. com. L441-10 II: the ECB rate in force on 1 July 2026 is not recorded: the
    computation fails naming the half-year instead of carrying 2,15 % forward."""
    with pytest.raises(MissingRateError) as exc:
        late_penalties(
            principal=money("1000.00"), due_date=D(2026, 6, 15), on=D(2026, 7, 15), rates=rates
        )
    assert "Taux BCE de refinancement manquant pour le 2e semestre 2026" in str(exc.value)
    assert "1er juillet 2026" in str(exc.value)


def test_missing_second_half_2026_legal_rate_is_named_for_a_contractual_rate(rates):
    """C. com. L441-10 II: the floor needs the legal rate of 2026-S2, which is unknown."""
    with pytest.raises(MissingRateError) as exc:
        late_penalties(
            principal=money("1000.00"),
            due_date=D(2026, 6, 15),
            on=D(2026, 7, 1),
            rates=rates,
            contractual_rate=Decimal("15.00"),
        )
    assert str(exc.value).startswith("Taux de l'intérêt légal manquant pour le 2e semestre 2026")


def test_up_to_30_june_2026_needs_no_second_half_year_rate(rates):
    """C. com. L441-10 II: 16/06–30/06/2026 = 15 days at 12,15 %, all in 2026-S1."""
    accrual = late_penalties(
        principal=money("1000.00"), due_date=D(2026, 6, 15), on=D(2026, 6, 30), rates=rates
    )
    # 1 000 × 12,15 % × 15/365 = 4,9932 → 4,99
    assert accrual.total == money("4.99")


# --- The 40 EUR indemnity (C. com. L441-10 II, D441-5) ---------------------------------------


def test_indemnity_is_owed_one_day_late():
    """C. com. L441-10 II, D441-5: 40 EUR per late invoice, however short the delay."""
    assert recovery_indemnity(
        principal=money("15.00"), due_date=D(2026, 1, 31), on=D(2026, 2, 1)
    ) == money("40.00")


def test_indemnity_not_owed_before_the_due_date_nor_when_paid_in_time():
    """C. com. L441-10 II: only a late invoice gives rise to the indemnity."""
    assert recovery_indemnity(
        principal=money("500.00"), due_date=D(2026, 1, 31), on=D(2026, 1, 31)
    ) == money("0.00")
    assert recovery_indemnity(
        principal=money("500.00"),
        due_date=D(2026, 1, 31),
        on=D(2026, 3, 1),
        payments=[(D(2026, 1, 31), money("500.00"))],
    ) == money("0.00")


def test_indemnity_stays_owed_after_a_late_payment():
    """C. com. L441-10 II: paid on 10/03 for a 28/02 due date: still late, 40 EUR."""
    assert recovery_indemnity(
        principal=money("2000.00"),
        due_date=D(2026, 2, 28),
        on=D(2026, 4, 30),
        payments=[(D(2026, 3, 10), money("2000.00"))],
    ) == money("40.00")


def test_indemnity_and_insolvency_opened_before_or_on_the_due_date():
    """C. com. L441-10 II, L622-7: no indemnity when the opening judgment forbade paying the
    invoice at its due date (judgment on 15/03 or on the 31/03 due date itself); owed when
    the judgment came after the due date."""
    due = D(2026, 3, 31)
    common = {"principal": money("1000.00"), "due_date": due, "on": D(2026, 5, 1)}
    assert recovery_indemnity(**common, insolvency_opened_on=D(2026, 3, 15)) == money("0.00")
    assert recovery_indemnity(**common, insolvency_opened_on=due) == money("0.00")
    assert recovery_indemnity(**common, insolvency_opened_on=D(2026, 4, 1)) == money("40.00")
