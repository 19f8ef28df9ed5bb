"""Working days and date arithmetic for deadlines.

A deadline that would end on a Saturday, a Sunday or a public holiday runs until the next
working day (CPC 641-642). French public holidays come from the ``holidays`` package; Alsace
and Moselle (subdivisions 57, 67, 68) add Good Friday and 26 December.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import holidays

# Departments → the ``holidays`` package's subdivision: Moselle (57), Alsace (67, 68).
ALSACE_MOSELLE = {"57": "57", "67": "6AE", "68": "6AE"}

# The months in French, for dates written out in full (« 1er juillet 2026 », « novembre 2026 »).
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@lru_cache(maxsize=8)
def _french_holidays(subdivision: str | None) -> holidays.HolidayBase:
    # Imported on first use: the package takes ~40 ms to import, which a process that never
    # computes a deadline (most web requests) need not pay at start-up.
    import holidays

    return holidays.country_holidays("FR", subdiv=subdivision)


def _subdivision(postal_code: str | None) -> str | None:
    return ALSACE_MOSELLE.get((postal_code or "")[:2])


def is_working_day(day: date, *, postal_code: str | None = None) -> bool:
    return _is_working_day(day, _subdivision(postal_code))


def roll_forward(day: date, *, postal_code: str | None = None) -> date:
    """The day itself if it is a working day, else the next working day (CPC 642)."""
    return _roll_forward(day, _subdivision(postal_code))


# The daily run asks about the same few hundred days for thousands of dossiers.
@lru_cache(maxsize=8192)
def _is_working_day(day: date, subdivision: str | None) -> bool:
    return day.weekday() < 5 and day not in _french_holidays(subdivision)


@lru_cache(maxsize=8192)
def _roll_forward(day: date, subdivision: str | None) -> date:
    while not _is_working_day(day, subdivision):
        day += timedelta(days=1)
    return day


def next_working_day_after(day: date, *, postal_code: str | None = None) -> date:
    return roll_forward(day + timedelta(days=1), postal_code=postal_code)


def add_months(day: date, months: int) -> date:
    """Same day number ``months`` later, or the month's last day when it has none (31 → 30)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_working_days(day: date, days: int, *, postal_code: str | None = None) -> date:
    """The ``days``-th working day after ``day`` (``day`` itself not counted): a registered
    letter posted on a Friday is expected on the Tuesday (two working days)."""
    subdivision = _subdivision(postal_code)
    while days > 0:
        day += timedelta(days=1)
        if _is_working_day(day, subdivision):
            days -= 1
    return day
