"""Rate tables for the pure functions: the project's own reference CSVs, and a made-up 2028."""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from legal.rates import EcbRate, LegalRate, RateTable

DATA = Path(__file__).resolve().parents[2] / "legal" / "data"


def _csv(name):
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def rates() -> RateTable:
    """The reference series shipped with the project (loaded by migration 0005)."""
    return RateTable(
        legal=[
            LegalRate(
                half_year_start=date.fromisoformat(row["half_year_start"]),
                consumer_creditor_percent=Decimal(row["consumer_creditor_percent"]),
                other_creditor_percent=Decimal(row["other_creditor_percent"]),
            )
            for row in _csv("taux_interet_legal.csv")
        ],
        ecb=[
            EcbRate(
                effective_from=date.fromisoformat(row["effective_from"]),
                rate_percent=Decimal(row["rate_percent"]),
            )
            for row in _csv("ecb_main_refinancing_rate.csv")
        ],
    )


@pytest.fixture(scope="session")
def rates_2028() -> RateTable:
    """A made-up leap year: ECB 2,00 % all year, legal rate (other cases) 3,00 % / 2,50 %."""
    return RateTable(
        legal=[
            LegalRate(date(2028, 1, 1), Decimal("7.00"), Decimal("3.00")),
            LegalRate(date(2028, 7, 1), Decimal("6.50"), Decimal("2.50")),
        ],
        ecb=[
            EcbRate(date(2027, 12, 1), Decimal("2.00")),
            EcbRate(date(2028, 7, 1), Decimal("2.00")),
        ],
    )
