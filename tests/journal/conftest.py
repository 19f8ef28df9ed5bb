import datetime

import pytest


@pytest.fixture
def certificate(db):
    """A purge record, without which the history's door does not open."""
    from rgpd.models import PurgeCertificate

    record = PurgeCertificate.objects.create(
        purge_date=datetime.date(2026, 11, 23), operator_label="test"
    )
    return f"rgpd.purgecertificate:{record.pk}"
