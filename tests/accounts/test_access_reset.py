"""A forgotten password or a lost phone (#19, item 3): an admin issues a reset link (single use,
72 hours, stored hashed) that is opened without logging in; it sets a new password and enrols a
new device, the old device removed; everything journaled. Nothing else resets an account."""

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
RESET = EnrolmentInvitation.Purpose.RESET
NEW_PASSWORD = "Nouveau-mot-de-passe-2026!"


def _code(device) -> str:
    return f"{totp(device.bin_key):06d}"


def _lost_phone(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="ancien téléphone", confirmed=True)


def test_a_lost_phone_and_a_forgotten_password_are_reset_through_an_admins_link(
    client, admin_user, controller, settings
):
    old = _lost_phone(controller)
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/enrolmentinvitation/add/", {"user": controller.pk, "purpose": RESET}
    )
    assert response.status_code == 200
    page = response.content.decode()
    link = re.search(r"(http://testserver/connexion/reinitialisation/[^<\s]+)", page).group(1)
    assert "Lien de réinitialisation" in page and "sans se connecter" in page
    invitation = EnrolmentInvitation.objects.get()
    key = link.rstrip("/").rsplit("/", 1)[-1]
    assert invitation.digest == hashlib.sha256(key.encode()).hexdigest()
    validity = invitation.expires_at - invitation.created_at
    assert abs(validity - datetime.timedelta(hours=72)) < datetime.timedelta(seconds=5)

    client.logout()
    settings.OTP_REQUIRED = True  # production: the link is the way in without the old phone
    page = client.get(link)
    assert page.status_code == 200
    assert f'src="{reverse("accounts:access_reset_qr", args=[key])}"' in page.content.decode()
    assert client.get(reverse("accounts:access_reset_qr", args=[key])).status_code == 200
    new = TOTPDevice.objects.get(user=controller, confirmed=False)

    # A wrong code or a weak password changes nothing.
    weak = client.post(link, {"new_password1": "abc", "new_password2": "abc", "token": _code(new)})
    assert weak.status_code == 400
    wrong = client.post(
        link,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "token": "000000"},
    )
    assert wrong.status_code == 400 and "Code incorrect" in wrong.content.decode()
    assert TOTPDevice.objects.filter(pk=old.pk).exists()
    # django-otp slows the next try after a wrong code (1 s, doubling): the user waited.
    TOTPDevice.objects.filter(pk=new.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )

    done = client.post(
        link,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "token": _code(new)},
    )
    assert done.status_code == 302 and done["Location"] == reverse("login")
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()  # the lost phone opens nothing
    assert list(TOTPDevice.objects.filter(user=controller).values_list("pk", "confirmed")) == [
        (new.pk, True)
    ]
    controller.refresh_from_db()
    assert controller.check_password(NEW_PASSWORD)
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    issued, used = invitation.history.order_by("history_id")
    assert (issued.history_user, issued.history_change_reason) == (
        admin_user,
        "lien de réinitialisation (mot de passe et second facteur)",
    )
    assert used.history_user == controller
    assert used.history_change_reason == (
        "réinitialisation : nouveau mot de passe, nouvel appareil, 1 ancien(s) appareil(s) "
        "supprimé(s)"
    )

    # Single use.
    again = client.get(link)
    assert again.status_code == 404 and "pas valable" in again.content.decode()


def test_a_reset_link_expires_after_72_hours_and_an_enrolment_link_is_not_one(client, controller):
    issued = tokens.invitation_issue(user=controller, actor=None, purpose=RESET)
    url = reverse("accounts:access_reset", args=[issued.key])
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=73)):
        assert client.get(url).status_code == 404
    # A first-enrolment link does not reset a password...
    enrol = tokens.invitation_issue(user=controller, actor=None)
    assert client.get(reverse("accounts:access_reset", args=[enrol.key])).status_code == 404
    # ... a reset link is not an enrolment invitation, and a made-up key is nothing.
    client.force_login(controller)
    assert client.get(reverse("accounts:otp_invitation", args=[issued.key])).status_code == 404
    assert client.get(reverse("accounts:access_reset", args=["abcd.efgh"])).status_code == 404


def test_a_user_with_a_device_gets_a_reset_link_not_a_second_enrolment(controller):
    _lost_phone(controller)
    with pytest.raises(Exception, match="lien de réinitialisation"):
        tokens.invitation_issue(user=controller, actor=None)
    assert tokens.invitation_issue(user=controller, actor=None, purpose=RESET).key


def test_the_reset_lifts_the_accounts_login_lock(client, controller, settings):
    """After the reset, the new password logs in at once (axes' lock on the account lifted)."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username=controller.username,
        ip_address="203.0.113.9",
        user_agent="test",
        failures_since_start=10,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/connexion/",
    )
    issued = tokens.invitation_issue(user=controller, actor=None, purpose=RESET)
    device = TOTPDevice.objects.create(user=controller, name="nouveau", confirmed=False)
    tokens.access_reset(key=issued.key, device=device, password=NEW_PASSWORD)
    assert not AccessAttempt.objects.filter(username=controller.username).exists()


def test_the_reset_ends_the_slowdown_earned_by_the_old_password(client, controller):
    """Failures spread over many addresses slow the account down (#19, item 6); they were
    tries of the old password: once the admin's reset link is used, the new password logs in
    at once, and only failures after the reset count again."""
    from axes.models import AccessFailureLog

    from accounts import throttle

    for n in range(10):
        AccessFailureLog.objects.create(
            username=controller.username,
            ip_address=f"203.0.113.{n + 1}",
            user_agent="test",
            path_info="/connexion/",
            attempt_time=timezone.now() - datetime.timedelta(minutes=2),
        )
    assert throttle.remaining_delay(controller.username) > datetime.timedelta(0)
    issued = tokens.invitation_issue(user=controller, actor=None, purpose=RESET)
    device = TOTPDevice.objects.create(user=controller, name="nouveau", confirmed=False)
    tokens.access_reset(key=issued.key, device=device, password=NEW_PASSWORD)
    assert throttle.remaining_delay(controller.username) == datetime.timedelta(0)
    response = client.post(
        reverse("login"), {"username": controller.username, "password": NEW_PASSWORD}
    )
    assert response.status_code == 302  # on to the second factor, not the form again
