"""Working days and deadlines, on worked examples (CPC 641-642, C. com. R622-24)."""

from datetime import date as D

import pytest

from dossiers.services import claim_declaration_deadline
from legal import calendar


@pytest.mark.parametrize(
    ("day", "expected", "why"),
    [
        (D(2026, 11, 24), D(2026, 11, 24), "a Tuesday stays"),
        (D(2026, 10, 31), D(2026, 11, 2), "Saturday, then All Saints' Sunday"),
        (D(2026, 11, 11), D(2026, 11, 12), "Armistice (Wednesday)"),
        (D(2026, 12, 25), D(2026, 12, 28), "Christmas Friday, then the weekend"),
        (D(2027, 5, 1), D(2027, 5, 3), "1 May 2027 is a Saturday"),
        (D(2026, 7, 14), D(2026, 7, 15), "Bastille Day (Tuesday)"),
    ],
)
def test_deadline_moves_to_the_next_working_day(day, expected, why):
    """CPC 642: a deadline ending on a Saturday, Sunday or public holiday runs to the next
    working day."""
    assert calendar.roll_forward(day) == expected, why


def test_alsace_moselle_adds_good_friday_and_boxing_day():
    """Good Friday 2027 is 26 March: a working day in Paris; in Strasbourg it is closed, then
    the weekend, then Easter Monday (29/03) → Tuesday 30/03. 26/12/2025 is a Friday."""
    assert calendar.roll_forward(D(2027, 3, 26)) == D(2027, 3, 26)
    assert calendar.roll_forward(D(2027, 3, 26), postal_code="67000") == D(2027, 3, 30)
    assert calendar.roll_forward(D(2025, 12, 26), postal_code="57000") == D(2025, 12, 29)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 11, 30), 2, D(2027, 1, 30)),
        (D(2026, 12, 15), 2, D(2027, 2, 15)),
    ],
)
def test_add_months_keeps_the_day_number_or_the_months_end(day, months, expected):
    assert calendar.add_months(day, months) == expected


def test_claim_declaration_deadline_is_two_months_after_publication():
    """C. com. R622-24: 2 months from the BODACC publication, 4 from abroad; a deadline on a
    closed day runs to the next working day (CPC 642)."""
    assert claim_declaration_deadline(D(2026, 10, 30)) == D(2026, 12, 30)
    # 11/09/2026 + 2 months = Wednesday 11/11/2026, Armistice → Thursday 12/11/2026.
    assert claim_declaration_deadline(D(2026, 9, 11)) == D(2026, 11, 12)
    assert claim_declaration_deadline(D(2026, 10, 30), abroad=True) == D(2027, 3, 1)
