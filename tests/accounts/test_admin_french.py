"""The admin speaks French (issue #18, item 10): « OTP_TOTP », « TOTP devices » and the
history's « CHANGES » were left in English."""

import datetime
import html
import re
from decimal import Decimal

import pytest

from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db
ENGLISH = ["otp_totp", "totp device", "search by", "created at", "last used at", "confirmed"]


def _text(response) -> str:
    body = re.sub(r"<(script|style|svg)[\s\S]*?</\1>", " ", response.content.decode())
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_the_admin_names_the_second_factor_and_the_history_in_french(client, admin_user):
    client.force_login(admin_user)
    index = _text(client.get("/admin/"))
    assert "Appareils de double authentification" in index
    devices = client.get("/admin/otp_totp/totpdevice/")
    assert devices.status_code == 200
    for page in (index, _text(devices)):
        for word in ENGLISH:
            assert word not in page.lower(), word
    assert "Rechercher par nom d’utilisateur ou adresse électronique" in _text(devices)

    claim = ClaimFactory(
        issue_date=datetime.date(2026, 9, 1),
        due_date=datetime.date(2026, 10, 1),
        amount=Decimal("100.00"),
    )
    history = _text(client.get(f"/admin/dossiers/dossier/{claim.dossier_id}/history/"))
    assert "Modifications" in history and "Changes" not in history
