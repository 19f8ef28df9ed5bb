"""Prescription dates and their trail, on worked examples (dates computed by hand)."""

from datetime import date as D

from legal import calendar
from legal.prescription import EventKind, PrescriptionEvent, prescription_date

ACK = EventKind.INTERRUPTION


def test_five_years_between_professionals():
    """C. com. L110-4, C. civ. 2224: 5 years from the due date, same day number."""
    result = prescription_date(due_date=D(2026, 3, 15), debtor_kind="professional")
    # 15/03/2026 + 5 years = 15/03/2031
    assert result.date == D(2031, 3, 15)
    assert result.assumption == ""
    assert "L110-4" in result.reason


def test_two_years_against_a_consumer():
    """C. conso. L218-2: a professional's claim for goods or services on a consumer."""
    result = prescription_date(due_date=D(2026, 3, 15), debtor_kind="consumer")
    # 15/03/2026 + 2 years = 15/03/2028
    assert result.date == D(2028, 3, 15)


def test_unknown_debtor_gets_the_shorter_period_as_an_assumption():
    """docs/legal.md §1, C. conso. L218-2: unknown kind → 2 years, shown as an assumption."""
    result = prescription_date(due_date=D(2026, 3, 15), debtor_kind="unknown")
    assert result.date == D(2028, 3, 15)
    assert result.assumption.startswith("Type de débiteur inconnu")


def test_29_february_anniversary_falls_on_28_february():
    """C. civ. 2228-2229 (docs/legal.md §3): 29/02 + N years → 28/02 when the year has none."""
    # 29/02/2028 + 2 years = 28/02/2030 (2030 is not a leap year)
    assert prescription_date(due_date=D(2028, 2, 29), debtor_kind="consumer").date == D(2030, 2, 28)
    # 29/02/2024 + 5 years = 28/02/2029
    assert prescription_date(due_date=D(2024, 2, 29), debtor_kind="professional").date == D(
        2029, 2, 28
    )
    # consumer claim due 01/03/2026 (→ 01/03/2028), acknowledged on 29/02/2028:
    # 29/02/2028 + 2 years = 28/02/2030
    result = prescription_date(
        due_date=D(2026, 3, 1),
        debtor_kind="consumer",
        events=[PrescriptionEvent(D(2028, 2, 29), ACK, "Reconnaissance écrite de la dette")],
    )
    assert result.date == D(2030, 2, 28)


def test_prescription_is_reached_once_the_last_day_has_passed():
    """C. civ. 2229: still actionable on 15/03/2028, prescribed from 16/03/2028."""
    result = prescription_date(due_date=D(2026, 3, 15), debtor_kind="consumer")
    assert not result.is_reached(D(2028, 3, 15))
    assert result.is_reached(D(2028, 3, 16))


def test_prescription_ending_on_a_public_holiday_is_not_extended():
    """C. civ. 2228-2229; CPC 642 is for procedural deadlines only: 14/07/2031 (national day,
    a Monday) stays the prescription date, unlike a procedural deadline."""
    result = prescription_date(due_date=D(2026, 7, 14), debtor_kind="professional")
    # 14/07/2026 + 5 years = 14/07/2031, a public holiday: no roll-forward
    assert result.date == D(2031, 7, 14)
    assert not calendar.is_working_day(result.date)
    assert calendar.roll_forward(result.date) == D(2031, 7, 15)


def test_partial_payment_restarts_prescription():
    """C. civ. 2240, 2231: a partial payment acknowledges the debt; a new 5-year period."""
    result = prescription_date(
        due_date=D(2026, 1, 31),
        debtor_kind="professional",
        events=[PrescriptionEvent(D(2027, 5, 10), ACK, "Paiement de 200,00 €")],
    )
    # 10/05/2027 + 5 years = 10/05/2032
    assert result.date == D(2032, 5, 10)
    assert [entry.prescription_date for entry in result.trail] == [
        D(2031, 1, 31),
        D(2032, 5, 10),
    ]
    assert result.reason.startswith("Paiement de 200,00 € le 10/05/2027")


def test_payment_plan_then_written_acknowledgment_each_restart_it():
    """C. civ. 2240, 2231: each acknowledgment starts a new 2-year period (consumer)."""
    result = prescription_date(
        due_date=D(2025, 1, 15),
        debtor_kind="consumer",
        events=[
            PrescriptionEvent(D(2027, 9, 30), ACK, "Reconnaissance écrite de la dette"),
            PrescriptionEvent(D(2026, 6, 1), ACK, "Échéancier accepté"),
        ],
    )
    # 15/01/2025 + 2 = 15/01/2027; plan 01/06/2026 + 2 = 01/06/2028;
    # acknowledgment 30/09/2027 + 2 = 30/09/2029
    assert [entry.prescription_date for entry in result.trail] == [
        D(2027, 1, 15),
        D(2028, 6, 1),
        D(2029, 9, 30),
    ]
    assert result.date == D(2029, 9, 30)


def test_acknowledgment_on_the_last_day_still_interrupts():
    """C. civ. 2229, 2240: on 10/01/2025 the period (from 10/01/2023) is not yet over."""
    result = prescription_date(
        due_date=D(2023, 1, 10),
        debtor_kind="consumer",
        events=[PrescriptionEvent(D(2025, 1, 10), ACK, "Demande de délai de paiement")],
    )
    # 10/01/2025 + 2 years = 10/01/2027
    assert result.date == D(2027, 1, 10)


def test_acknowledgment_after_prescription_has_no_effect():
    """C. civ. 2229: prescription reached at the end of 10/01/2025; a later acknowledgment
    (01/02/2025) does not restart it (the trail says so)."""
    result = prescription_date(
        due_date=D(2023, 1, 10),
        debtor_kind="consumer",
        events=[PrescriptionEvent(D(2025, 2, 1), ACK, "Paiement de 50,00 €")],
    )
    assert result.date == D(2025, 1, 10)
    assert result.trail[-1].effect.startswith("sans effet : prescription acquise")


def test_payment_before_the_due_date_does_not_move_it():
    """C. civ. 2240: the period starts at the due date; an earlier payment changes nothing."""
    result = prescription_date(
        due_date=D(2026, 1, 31),
        debtor_kind="professional",
        events=[PrescriptionEvent(D(2026, 1, 20), ACK, "Paiement de 300,00 €")],
    )
    assert result.date == D(2031, 1, 31)


def test_events_after_the_computation_date_are_ignored():
    """C. civ. 2240: at 01/01/2027 the acknowledgment of 10/05/2027 has not happened."""
    result = prescription_date(
        due_date=D(2026, 1, 31),
        debtor_kind="professional",
        events=[PrescriptionEvent(D(2027, 5, 10), ACK, "Paiement de 200,00 €")],
        on=D(2027, 1, 1),
    )
    assert result.date == D(2031, 1, 31)


def test_mediation_suspends_and_resumes_for_at_least_six_months():
    """C. civ. 2238: consumer claim due 15/01/2025 (prescription 15/01/2027); mediation from
    15/11/2026 to 01/03/2027."""
    result = prescription_date(
        due_date=D(2025, 1, 15),
        debtor_kind="consumer",
        events=[
            PrescriptionEvent(D(2026, 11, 15), EventKind.SUSPENSION_START, "Début de médiation"),
            PrescriptionEvent(D(2027, 3, 1), EventKind.SUSPENSION_END, "Fin de médiation"),
        ],
    )
    # left at the start: 15/11/2026 → 15/01/2027 = 15 + 31 + 15 = 61 days
    # 01/03/2027 + 61 days = 01/05/2027, but at least 6 months: 01/09/2027
    assert result.date == D(2027, 9, 1)


def test_mediation_resumes_for_the_time_that_was_left():
    """C. civ. 2238: professional claim due 15/01/2025 (15/01/2030); mediation 15/01/2026 →
    15/04/2026 (90 days): the period resumes for the 4 years that were left."""
    result = prescription_date(
        due_date=D(2025, 1, 15),
        debtor_kind="professional",
        events=[
            PrescriptionEvent(D(2026, 1, 15), EventKind.SUSPENSION_START, "Début de médiation"),
            PrescriptionEvent(D(2026, 4, 15), EventKind.SUSPENSION_END, "Fin de médiation"),
        ],
    )
    # left: 15/01/2026 → 15/01/2030 = 365 + 365 + 366 + 365 = 1 461 days
    # 15/04/2026 + 1 461 days = 15/04/2030 (the 90 days of mediation added to 15/01/2030)
    assert result.date == D(2030, 4, 15)


def test_mediation_in_progress_has_no_date_yet():
    """C. civ. 2238: while the mediation lasts, the clock is stopped."""
    result = prescription_date(
        due_date=D(2025, 1, 15),
        debtor_kind="consumer",
        events=[
            PrescriptionEvent(D(2026, 11, 15), EventKind.SUSPENSION_START, "Début de médiation")
        ],
    )
    assert result.date is None
    assert result.suspended_since == D(2026, 11, 15)
    assert "suspendue" in result.reason
