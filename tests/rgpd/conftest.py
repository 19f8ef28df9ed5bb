import datetime

import pytest
import time_machine


@pytest.fixture
def at():
    """Freeze time on a day: ``with at(date): ...``."""

    def _at(day):
        return time_machine.travel(datetime.datetime.combine(day, datetime.time(9)), tick=False)

    return _at


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT
