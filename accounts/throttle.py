"""Per-account login throttle, beside django-axes' lock per account **and** address.

django-axes locks one username from one address after ``AXES_FAILURE_LIMIT`` failures (a
colleague from their own address still gets in). Failures spread over many addresses are
counted here, per username, from axes' own records (``AccessFailureLog``): from the
``ACCOUNT_THROTTLE_AFTER``-th failure within ``ACCOUNT_THROTTLE_WINDOW_HOURS``, each login of
that username waits after the last failure — 1 minute, then twice as long at each new failure,
at most ``ACCOUNT_THROTTLE_MAX_MINUTES`` — a **progressive delay**, never a lock held forever.

Per address likewise (password spraying: a few passwords tried on many usernames from one
address): from the ``ADDRESS_THROTTLE_AFTER``-th failure from one address, any username,
within ``ADDRESS_THROTTLE_WINDOW_HOURS``, each login from that address waits the same growing
delay. The threshold is higher than a person's (an office behind one NAT address shares it),
and the other addresses are never slowed.

No way to learn whether a username exists: the count is per typed username, existing or not,
and a throttled login gets the form's usual « identifiant ou mot de passe incorrect ». The
account's owner is told by e-mail when the threshold is reached (once per window).
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from axes.models import AccessFailureLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import EnrolmentInvitation
from accounts.network import client_ip


def _setting(name: str, default):
    return getattr(settings, name, default)


def _recent_failures(username: str):
    """The username's failures within the window, since its last reset by an admin's link at
    most (those were tries of the old password: the new one is not slowed by them)."""
    hours = _setting("ACCOUNT_THROTTLE_WINDOW_HOURS", 24)
    since = timezone.now() - timedelta(hours=hours)
    reset = (
        EnrolmentInvitation.objects.filter(
            user__username=username,
            purpose=EnrolmentInvitation.Purpose.RESET,
            used_at__gte=since,
        )
        .order_by("-used_at")
        .values_list("used_at", flat=True)
        .first()
    )
    return AccessFailureLog.objects.filter(username=username, attempt_time__gte=reset or since)


def _recent_failures_from(address: str):
    hours = _setting("ADDRESS_THROTTLE_WINDOW_HOURS", 1)
    since = timezone.now() - timedelta(hours=hours)
    return AccessFailureLog.objects.filter(ip_address=address, attempt_time__gte=since)


def _delay(failures, *, after: int) -> timedelta:
    """1 minute after the ``after``-th failure, doubling at each new one, at most
    ``ACCOUNT_THROTTLE_MAX_MINUTES``, counted from the last failure."""
    count = failures.count()
    if count < after:
        return timedelta(0)
    last = failures.order_by("-attempt_time").values_list("attempt_time", flat=True).first()
    most = _setting("ACCOUNT_THROTTLE_MAX_MINUTES", 30)
    delay = timedelta(minutes=min(2 ** min(count - after, 10), most))
    return max(last + delay - timezone.now(), timedelta(0))


def remaining_delay(username: str) -> timedelta:
    """How long this username's logins still wait (zero when not throttled)."""
    return _delay(_recent_failures(username), after=_setting("ACCOUNT_THROTTLE_AFTER", 8))


def remaining_address_delay(address: str | None) -> timedelta:
    """How long logins from this address still wait, whatever the username."""
    if not address:
        return timedelta(0)
    failures = _recent_failures_from(address)
    return _delay(failures, after=_setting("ADDRESS_THROTTLE_AFTER", 30))


class AccountThrottleBackend:
    """First of the authentication backends after axes': a throttled username, or a login from
    a throttled address, is refused before its password is checked (the refusal counts as a
    failure, so the delay grows)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and remaining_delay(username) > timedelta(0):
            raise PermissionDenied("Connexion ralentie pour cet identifiant.")
        if request is not None and remaining_address_delay(client_ip(request)) > timedelta(0):
            raise PermissionDenied("Connexion ralentie depuis cette adresse.")
        return None

    # No ``get_user``: this backend never logs anyone in (the test client's ``force_login``
    # takes the first backend that has one).


def notify_owner(sender, credentials, request=None, **kwargs) -> None:
    """``user_login_failed``: at the threshold, the account's owner gets a message (nothing is
    shown to the person trying)."""
    username = (credentials or {}).get("username")
    if not username:
        return
    if _recent_failures(username).count() != _setting("ACCOUNT_THROTTLE_AFTER", 8):
        return
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not user.email:
        return
    transaction.on_commit(
        partial(
            send_mail,
            "Tentatives de connexion à votre compte",
            "Plusieurs tentatives de connexion à votre compte Recouvrement ont échoué, depuis "
            "une ou plusieurs adresses. Les connexions à votre compte sont ralenties pendant "
            "quelques minutes. Si ce n'était pas vous, prévenez un administrateur ; sinon, "
            "vous n'avez rien à faire.",
            None,
            [user.email],
            fail_silently=True,
        )
    )
