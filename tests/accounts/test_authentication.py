"""Getting in: lockout per user and address behind the proxy, the second factor, records of
logins, idle sessions, password rules; and no personal data in the logs on the way."""

import datetime
import logging

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.network import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-test"  # the factories' password
PROXY = "10.0.0.2"  # our reverse proxy, gunicorn's REMOTE_ADDR for everybody


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def _login(client, username, password, *, ip, forged=""):
    forwarded = f"{forged}, {ip}" if forged else ip
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_client_address_is_the_one_our_proxy_saw(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert client_ip(request) == "198.51.100.7"  # the forged left-hand entry is ignored
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == PROXY


def test_failures_lock_the_user_from_that_address_only(behind_proxy, controller):
    attacker, colleague = "203.0.113.66", "198.51.100.10"
    for _ in range(5):
        response = _login(Client(), "controleur", "mauvais", ip=attacker)
    locked = _login(Client(), "controleur", PASSWORD, ip=attacker)
    assert locked.status_code == 429
    assert "Connexion temporairement bloquée" in locked.content.decode()
    # Forging X-Forwarded-For does not help the attacker get out...
    assert (
        _login(Client(), "controleur", PASSWORD, ip=attacker, forged=colleague).status_code == 429
    )
    # ...and the real user, from their own address behind the same proxy, still gets in.
    response = _login(Client(), "controleur", PASSWORD, ip=colleague)
    assert response.status_code == 302 and response["Location"] == "/"
    assert AccessAttempt.objects.filter(ip_address=attacker, username="controleur").exists()


def test_failed_and_successful_logins_are_recorded_without_names_in_the_logs(
    behind_proxy, controller, caplog
):
    caplog.set_level(logging.DEBUG)
    _login(Client(), "jeanne.dupont", "mauvais", ip="203.0.113.5")
    _login(Client(), "controleur", PASSWORD, ip="198.51.100.10")
    failure = AccessFailureLog.objects.get()
    assert (failure.username, failure.ip_address) == ("jeanne.dupont", "203.0.113.5")
    success = AccessLog.objects.get()
    assert (success.username, success.ip_address) == ("controleur", "198.51.100.10")
    assert "jeanne.dupont" not in caplog.text and "203.0.113.5" not in caplog.text


def _enrol(client, user):
    """Log in, open an admin's invitation link, type the current code of the new device."""
    from accounts import tokens

    client.force_login(user)
    invitation = tokens.invitation_issue(user=user, actor=None)
    client.get(reverse("accounts:otp_invitation", args=[invitation.key]))
    response = client.get(reverse("journee:worklist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_enrol"))
    page = client.get(response["Location"]).content.decode()
    assert 'src="/connexion/double-facteur/enrolement/qr.svg"' in page
    qr = client.get(reverse("accounts:otp_qr"))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    code = f"{totp(device.bin_key):06d}"
    response = client.post(
        reverse("accounts:otp_enrol"), {"token": code, "next": reverse("journee:worklist")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("journee:worklist")
    return device


def test_production_requires_a_second_factor_from_every_account(client, controller, settings):
    settings.OTP_REQUIRED = True
    device = _enrol(client, controller)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("journee:worklist")).status_code == 200


def test_a_user_with_a_device_types_a_code_at_each_login_even_in_the_demo(client, controller):
    device = TOTPDevice.objects.create(user=controller, name="téléphone", confirmed=True)
    client.force_login(controller)
    response = client.get(reverse("journee:worklist"))
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    # The API with the same unverified session is refused too.
    assert client.get("/api/v1/dossiers/").status_code == 403
    bad = client.post(reverse("accounts:otp_verify"), {"token": "12345"})
    assert "6 chiffres" in bad.content.decode()
    client.post(reverse("accounts:otp_verify"), {"token": f"{totp(device.bin_key):06d}"})
    assert client.get(reverse("journee:worklist")).status_code == 200


def test_demo_without_device_needs_no_code(client, controller):
    client.force_login(controller)
    assert client.get(reverse("journee:worklist")).status_code == 200


def test_session_ends_after_an_idle_hour(client, controller):
    start = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        client.force_login(controller)
        assert client.get(reverse("journee:worklist")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=50), tick=False):
        assert client.get(reverse("journee:worklist")).status_code == 200  # activity
    with time_machine.travel(start + datetime.timedelta(minutes=100), tick=False):
        assert client.get(reverse("journee:worklist")).status_code == 200  # 50 min idle
    with time_machine.travel(start + datetime.timedelta(minutes=161), tick=False):
        response = client.get(reverse("journee:worklist"))
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_passwords_need_twelve_characters_and_not_a_common_one():
    user = UserFactory(username="camille")
    with pytest.raises(ValidationError) as short:
        validate_password("Xy7#pQ2!", user)
    assert "au minimum 12 caractères" in " ".join(short.value.messages)
    with pytest.raises(ValidationError):
        validate_password("password1234", user)
    validate_password("cheval-agrafe-correct-batterie", user)


def test_failures_from_many_addresses_slow_the_account_down_and_tell_its_owner(
    behind_proxy, controller, mailoutbox, django_capture_on_commit_callbacks
):
    """The audit's finding: 8 failures from 8 addresses, then the right password got in. Now the
    account waits (a progressive delay, not a lock), its owner is told, and a username that does
    not exist gets exactly the same answers."""
    from django.utils import timezone

    def attack(username):
        for n in range(8):
            with django_capture_on_commit_callbacks(execute=True):
                _login(Client(), username, "mauvais", ip=f"203.0.113.{n + 1}")
        return _login(Client(), username, PASSWORD, ip="198.51.100.10")

    refused = attack("controleur")
    assert refused.status_code == 200  # the form again: not logged in
    assert "_auth_user_id" not in refused.wsgi_request.session
    unknown = attack("personne-inconnue")
    assert unknown.status_code == refused.status_code
    message = "Saisissez un nom d’utilisateur et un mot de passe valides"
    assert (message in unknown.content.decode()) == (message in refused.content.decode())
    assert [m.to for m in mailoutbox] == [[controller.email]]  # the owner, once
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        response = _login(Client(), "controleur", PASSWORD, ip="198.51.100.10")
    assert response.status_code == 302 and response["Location"] == "/"


def test_failures_for_many_usernames_from_one_address_slow_that_address_down(
    behind_proxy, controller, settings
):
    """Password spraying: one address tries a few passwords on many usernames, never enough
    on one of them for the lock per account and address or the per-account delay. From the
    ``ADDRESS_THROTTLE_AFTER``-th failure within the window, that address waits (a progressive
    delay); another address still gets in, and after the delay so does this one."""
    from django.utils import timezone

    settings.ADDRESS_THROTTLE_AFTER = 12
    sprayer, colleague = "203.0.113.99", "198.51.100.10"
    for n in range(12):
        _login(Client(), f"inconnu{n}", "mauvais", ip=sprayer)
    refused = _login(Client(), "controleur", PASSWORD, ip=sprayer)
    assert refused.status_code == 200 and "_auth_user_id" not in refused.wsgi_request.session
    accepted = _login(Client(), "controleur", PASSWORD, ip=colleague)
    assert accepted.status_code == 302
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        response = _login(Client(), "controleur", PASSWORD, ip=sprayer)
    assert response.status_code == 302 and response["Location"] == "/"
