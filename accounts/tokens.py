"""API tokens and enrolment invitations: issue, find, use and revoke them (every write here).

A secret is ``rec_<prefix>_<secret>`` (tokens) or ``<prefix>.<secret>`` (invitation links):
the prefix finds the row, the SHA-256 of the whole secret is compared in constant time. The
secrets have 256 bits of randomness, so a fast hash is enough (a password needs a slow one
because people choose it). Each write records who did it and why in the row's history.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken, EnrolmentInvitation
from accounts.roles import user_or_none

TOKEN_PREFIX = "rec_"  # noqa: S105 (the keys' visible start, not a secret)
PREFIX_LENGTH = 8
# How often a token's « dernière utilisation » is written (not one write per API call).
LAST_USED_EVERY = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _unique_prefix(model) -> str:
    while True:
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        if not model.objects.filter(prefix=prefix).exists():
            return prefix


def _save(instance, *, actor, reason: str) -> None:
    instance._history_user = user_or_none(actor)
    instance._change_reason = reason
    instance.save()


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_needed(user) -> bool:
    """Whether issuing a token to this user needs a code typed with the request: always under
    ``OTP_REQUIRED`` (production), and in the demo as soon as the user enrolled a device."""
    return settings.OTP_REQUIRED or has_confirmed_device(user)


# --- Tokens ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once, never stored


def token_issue(*, user, name: str, days: int, otp_code: str = "", actor=None) -> IssuedToken:
    """Issue a token to ``user`` for ``days`` days. Under ``OTP_REQUIRED`` (and whenever the
    user has a device) a code of their confirmed device must be typed with the request: a
    stolen session alone cannot mint a key that outlives it."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Donnez un nom au jeton (à quoi il sert)."})
    most = settings.API_TOKEN_MAX_DAYS
    if not 1 <= days <= most:
        raise ValidationError({"days": f"Durée de validité : de 1 à {most} jours."})
    if second_factor_needed(user):
        if not has_confirmed_device(user):
            raise PermissionDenied(
                "Activez d'abord la double authentification : un jeton n'est délivré qu'à un "
                "compte qui a un second facteur confirmé."
            )
        if not _verify_code(user, otp_code):
            raise ValidationError(
                {"otp_code": "Code incorrect ou expiré : tapez le code affiché maintenant."}
            )
    key_prefix = _unique_prefix(ApiToken)
    key = f"{TOKEN_PREFIX}{key_prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user=user,
        name=name,
        prefix=key_prefix,
        digest=_digest(key),
        expires_at=timezone.now() + timedelta(days=days),
    )
    token.full_clean()
    _save(token, actor=actor or user, reason=f"émission du jeton d'API « {name} »")
    return IssuedToken(token=token, key=key)


def _verify_code(user, code: str) -> bool:
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit()):
        return False
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            return True
    return False


def token_revoke(*, token: ApiToken, actor, reason: str = "") -> ApiToken:
    """Revoke a token (its owner on « Jetons d'API », an admin in the administration): it is
    refused from the next request on. Revoking twice changes nothing."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.revoked_by = user_or_none(actor)
            _save(token, actor=actor, reason=reason or "révocation du jeton d'API")
    return token


def token_for_key(key: str) -> ApiToken | None:
    """The active token of this key, or None (unknown, revoked, expired)."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    prefix = key[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + PREFIX_LENGTH]
    token = ApiToken.objects.active().select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(key)):
        return None
    return token


def token_touch(token: ApiToken) -> None:
    """Note the token's last use, at most once a minute (a plain timestamp, not journaled)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- Enrolment invitations -------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: EnrolmentInvitation
    key: str  # the link's secret, shown once to the admin


def invitation_issue(
    *, user, actor, purpose: str = EnrolmentInvitation.Purpose.ENROLMENT
) -> IssuedInvitation:
    """An admin invites ``user`` to enrol a second-factor device (a new account), or — a
    *reset* link — to set a new password and enrol a new device (a forgotten password, a lost
    phone): single use, valid ``OTP_INVITATION_HOURS``. A newer link replaces the pending
    ones."""
    if purpose not in EnrolmentInvitation.Purpose.values:
        raise ValidationError("Objet du lien inconnu.")
    if purpose == EnrolmentInvitation.Purpose.ENROLMENT and has_confirmed_device(user):
        raise ValidationError(
            f"{user} a déjà un second facteur : pour un téléphone perdu ou un mot de passe "
            "oublié, émettez un lien de réinitialisation."
        )
    prefix = _unique_prefix(EnrolmentInvitation)
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        pending = EnrolmentInvitation.objects.filter(
            user=user, used_at__isnull=True, expires_at__gt=timezone.now()
        )
        for old in pending:
            old.expires_at = timezone.now()
            _save(old, actor=actor, reason="remplacée par une nouvelle invitation")
        invitation = EnrolmentInvitation(
            user=user,
            purpose=purpose,
            prefix=prefix,
            digest=_digest(key),
            created_by=user_or_none(actor),
            expires_at=timezone.now() + timedelta(hours=settings.OTP_INVITATION_HOURS),
        )
        reason = (
            "lien de réinitialisation (mot de passe et second facteur)"
            if purpose == EnrolmentInvitation.Purpose.RESET
            else "invitation à la double authentification"
        )
        _save(invitation, actor=actor, reason=reason)
    return IssuedInvitation(invitation=invitation, key=key)


INVALID_INVITATION = (
    "Ce lien d'invitation n'est pas valable (inconnu, déjà utilisé, expiré ou destiné à un "
    "autre compte) : demandez-en un nouveau à un administrateur."
)


def invitation_for_key(*, user, key: str) -> EnrolmentInvitation:
    """The pending invitation of this link for this user; else a French refusal."""
    prefix = (key or "").split(".", 1)[0]
    invitation = EnrolmentInvitation.objects.filter(
        prefix=prefix,
        user=user,
        purpose=EnrolmentInvitation.Purpose.ENROLMENT,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()
    if invitation is None or not hmac.compare_digest(invitation.digest, _digest(key)):
        raise ValidationError(INVALID_INVITATION)
    return invitation


def device_confirm(*, device: TOTPDevice, invitation_id: int | None, user) -> None:
    """Confirm a first device, consuming the invitation (single use, checked again under a
    lock: two tabs cannot both use it). The invitation's history records the enrolment."""
    with transaction.atomic():
        invitation = (
            EnrolmentInvitation.objects.select_for_update()
            .filter(
                pk=invitation_id,
                user=user,
                purpose=EnrolmentInvitation.Purpose.ENROLMENT,
                used_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .first()
        )
        if invitation is None:
            raise ValidationError(INVALID_INVITATION)
        invitation.used_at = timezone.now()
        _save(invitation, actor=user, reason="enrôlement du second facteur")
        device.confirmed = True
        device.save(update_fields=["confirmed"])


# --- Reset: a forgotten password, a lost phone ------------------------------------------------

INVALID_RESET = (
    "Ce lien de réinitialisation n'est pas valable (inconnu, déjà utilisé ou expiré) : "
    "demandez-en un nouveau à un administrateur."
)


def reset_for_key(key: str) -> EnrolmentInvitation:
    """The pending reset link of this key (opened without logging in); else a French refusal.
    The key has 256 bits of randomness: it is the proof, as a password-reset link is."""
    prefix = (key or "").split(".", 1)[0]
    invitation = (
        EnrolmentInvitation.objects.select_related("user")
        .filter(
            prefix=prefix,
            purpose=EnrolmentInvitation.Purpose.RESET,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )
    if invitation is None or not hmac.compare_digest(invitation.digest, _digest(key or "")):
        raise ValidationError(INVALID_RESET)
    return invitation


def access_reset(*, key: str, device: TOTPDevice, password: str) -> EnrolmentInvitation:
    """Use a reset link: the new password is set, the new device (its code checked by the
    caller) confirmed, every other device of the account removed (a lost phone no longer
    opens it), the link consumed — all or nothing, journaled in the link's history. The
    account's locks for failed logins (django-axes) are lifted; its other sessions end with
    the password change."""
    with transaction.atomic():
        found = reset_for_key(key)
        invitation = (
            EnrolmentInvitation.objects.select_for_update()
            .filter(pk=found.pk, used_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        user = found.user
        if invitation is None or device.user_id != user.pk:
            raise ValidationError(INVALID_RESET)
        removed, _ = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        user.set_password(password)
        user.save(update_fields=["password"])
        invitation.used_at = timezone.now()
        _save(
            invitation,
            actor=user,
            reason=(
                f"réinitialisation : nouveau mot de passe, nouvel appareil, {removed} ancien(s) "
                "appareil(s) supprimé(s)"
            ),
        )
    from axes.utils import reset as axes_reset

    axes_reset(username=user.get_username())
    return invitation
