"""The court route's deadlines (legal/court.py), on worked examples; each last day on a closed day
moves to the next working day (CPC 641-642)."""

from datetime import date

from legal import court


def test_an_order_issued_from_september_2026_is_served_within_three_months():
    """CPC 1411, décret n° 2026-96: order of Thursday 15/10/2026 → served by Friday 15/01/2027."""
    deadline = court.injunction_service(date(2026, 10, 15))
    assert deadline.last_day == date(2027, 1, 15)
    assert deadline.reference == "CPC 1411 ; décret n° 2026-96"
    assert "3 mois" in deadline.label


def test_an_order_issued_before_september_2026_keeps_six_months():
    """CPC 1411 (before décret n° 2026-96): order of 31/08/2026 → 28/02/2027, a Sunday → Monday
    01/03/2027."""
    deadline = court.injunction_service(date(2026, 8, 31))
    assert deadline.last_day == date(2027, 3, 1)
    assert deadline.reference == "CPC 1411"
    assert court.injunction_service_months(date(2026, 8, 31)) == 6
    assert court.injunction_service_months(date(2026, 9, 1)) == 3


def test_a_month_without_the_day_number_ends_on_its_last_day():
    """CPC 641: order of 30/11/2026 + 3 months → 28/02/2027 (no 30 February), a Sunday →
    01/03/2027 (CPC 642)."""
    assert court.injunction_service(date(2026, 11, 30)).last_day == date(2027, 3, 1)


def test_opposition_within_one_month_of_service_then_the_executory_formula():
    """CPC 1416: served Monday 16/11/2026 → opposition until Wednesday 16/12/2026; CPC 1422-1423:
    the executory formula is asked by 16/01/2027, a Saturday → Monday 18/01/2027."""
    assert court.injunction_opposition(date(2026, 11, 16)).last_day == date(2026, 12, 16)
    enforcement = court.injunction_enforcement(date(2026, 11, 16))
    assert enforcement.last_day == date(2027, 1, 18)
    assert enforcement.reference == "CPC 1422-1423"


def test_the_debtor_has_one_month_to_accept_the_small_claims_procedure():
    """CPCE L125-1, R125-1 et s.: invited on 24/12/2026 → 24/01/2027, a Sunday → Monday 25/01;
    invited on 14/06/2026 → 14/07/2026, a public holiday → 15/07/2026."""
    assert court.small_claims_acceptance(date(2026, 12, 24)).last_day == date(2027, 1, 25)
    assert court.small_claims_acceptance(date(2026, 6, 14)).last_day == date(2026, 7, 15)


def test_the_month_for_the_formula_runs_from_the_opposition_periods_moved_end():
    """CPC 1416, 642, 1423: served Thursday 12/11/2026 → the opposition month ends Saturday
    12/12/2026, moved to Monday 14/12/2026; the month for the executory formula runs from there:
    14/01/2027 (not 12/01/2027)."""
    assert court.injunction_opposition(date(2026, 11, 12)).last_day == date(2026, 12, 14)
    assert court.injunction_enforcement(date(2026, 11, 12)).last_day == date(2027, 1, 14)


def test_service_not_made_to_the_person_keeps_the_opposition_open():
    """CPC 1416 al. 2: served at home, the order's opposition runs one month from the first act
    served to the person (or the first enforcement measure making the goods unavailable):
    seizure of the bank accounts on Friday 05/02/2027 → opposition until Friday 05/03/2027;
    an act of Monday 30/11/2026 → 30/12/2026."""
    deadline = court.injunction_late_opposition(date(2027, 2, 5))
    assert deadline.last_day == date(2027, 3, 5)
    assert deadline.reference == "CPC 1416 al. 2"
    assert court.injunction_late_opposition(date(2026, 11, 30)).last_day == date(2026, 12, 30)
