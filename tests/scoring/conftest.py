"""The scoring tests read facts « as they stood » on a fixed day (``TODAY`` of each module, the
03/12/2026): the clock is set to that day, so that what a test creates « now » (a dossier opened
today, a visit of the debtor's page) falls on it whatever the day the suite runs. Without it they
failed from 04/12/2026 00:00 in Paris (23:00 UTC on the 3rd)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

DAY = datetime.datetime(2026, 12, 3, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(autouse=True)
def scoring_day():
    with time_machine.travel(DAY, tick=True):
        yield
