"""First enrolment of a second factor (#19, item 3): only through an admin's invitation link
(single use, expiring, stored hashed), never with the password alone; journaled."""

import datetime
import hashlib
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import tokens
from accounts.models import EnrolmentInvitation

pytestmark = pytest.mark.django_db

ENROL = "/connexion/double-facteur/enrolement/"


def _code(device) -> str:
    return f"{totp(device.bin_key):06d}"


def test_the_password_alone_cannot_enrol_a_device(client, controller, settings):
    """The audit's finding: someone holding only the password of an account that never
    enrolled bound their own phone to it."""
    settings.OTP_REQUIRED = True
    client.force_login(controller)
    page = client.get(ENROL)
    assert page.status_code == 200
    assert "lien d'invitation" in page.content.decode()
    assert not TOTPDevice.objects.exists()  # no secret handed out
    assert client.get(reverse("accounts:otp_qr")).status_code == 404
    client.post(ENROL, {"token": "123456"})
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    # ...and every other page still sends to the second factor.
    assert client.get(reverse("journee:worklist")).status_code == 302


def test_an_admins_invitation_enrols_once_and_is_journaled(client, admin_user, controller):
    client.force_login(admin_user)
    response = client.post("/admin/accounts/enrolmentinvitation/add/", {"user": controller.pk})
    assert response.status_code == 200
    pattern = r"(http://testserver/connexion/double-facteur/invitation/[^<\s]+)"
    link = re.search(pattern, response.content.decode()).group(1)
    invitation = EnrolmentInvitation.objects.get()
    key = link.rstrip("/").rsplit("/", 1)[-1]
    assert invitation.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(EnrolmentInvitation.objects.values_list())

    client.force_login(controller)
    assert client.get(link)["Location"] == ENROL
    assert 'src="/connexion/double-facteur/enrolement/qr.svg"' in client.get(ENROL).content.decode()
    device = TOTPDevice.objects.get(user=controller, confirmed=False)
    response = client.post(ENROL, {"token": _code(device), "next": "/ma-journee/"})
    assert response.status_code == 302 and response["Location"] == "/ma-journee/"
    device.refresh_from_db()
    invitation.refresh_from_db()
    assert device.confirmed and invitation.used_at is not None
    issued, used = invitation.history.order_by("history_id")
    assert (issued.history_user, issued.history_change_reason) == (
        admin_user,
        "invitation à la double authentification",
    )
    assert (used.history_user, used.history_change_reason) == (
        controller,
        "enrôlement du second facteur",
    )

    # Single use: after the device is deleted (a lost phone), the old link no longer works.
    device.delete()
    again = client.get(link)
    assert again.status_code == 404 and "pas valable" in again.content.decode()


def test_an_invitation_expires_and_belongs_to_one_account(client, controller, manager):
    issued = tokens.invitation_issue(user=controller, actor=None)
    link = reverse("accounts:otp_invitation", args=[issued.key])
    client.force_login(manager)  # another account
    assert client.get(link).status_code == 404
    client.force_login(controller)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=73)):
        client.force_login(controller)  # (the earlier session has expired meanwhile)
        assert client.get(link).status_code == 404
    wrong = reverse("accounts:otp_invitation", args=[issued.key[:-2] + "zz"])
    assert client.get(wrong).status_code == 404
    assert client.get(link).status_code == 302


def test_a_newer_invitation_replaces_the_pending_one(controller, admin_user):
    first = tokens.invitation_issue(user=controller, actor=admin_user)
    tokens.invitation_issue(user=controller, actor=admin_user)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        tokens.invitation_for_key(user=controller, key=first.key)


def test_no_invitation_for_an_account_that_has_a_device(controller, admin_user):
    from django.core.exceptions import ValidationError

    TOTPDevice.objects.create(user=controller, name="téléphone", confirmed=True)
    with pytest.raises(ValidationError, match="déjà un second facteur"):
        tokens.invitation_issue(user=controller, actor=admin_user)
