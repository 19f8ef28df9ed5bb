"""Every write of the portal's low part: links issued and revoked, second factor checked,
visits and actions journaled, attempts counted for the rate limits.

The debtor has no account: what they do is journaled with no user and a reason naming them
(``DEBTOR_ACTOR``), in the dossier's hash chain like any other change.
"""

from __future__ import annotations

import hmac
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dossiers.models import CLOSED_STATES, DebtorContact, Dossier, DossierState
from dossiers.services import lock_dossier, refuse_closed
from journal.journaled import journaled_save, require_reason
from journal.personal_data import ANONYMISED
from portail import tokens
from portail.models import PortalAccess, PortalAttempt, PortalEvent, PortalSettings

# The journal's « who » for what the debtor does on their page (no user account).
DEBTOR_ACTOR = "le débiteur (espace en ligne)"
# A link printed today must still open for a while: a new one is issued when the current one
# has less than this left.
RENEW_BEFORE = timedelta(days=14)
WINDOW = timedelta(hours=1)


def settings_for(creditor) -> PortalSettings:
    """The creditor's portal settings, the defaults when none were saved."""
    try:
        return creditor.portal_settings
    except PortalSettings.DoesNotExist:
        return PortalSettings(creditor=creditor)


def dossier_is_open_to_portal(dossier: Dossier) -> bool:
    """Whether the page may show anything personal: an open dossier of a creditor whose portal
    is on, a debtor neither restricted (GDPR art. 18) nor purged."""
    if not settings_for(dossier.creditor).enabled:
        return False
    if dossier.closed_on is not None or dossier.state in CLOSED_STATES:
        return False
    if dossier.state == DossierState.RESTRICTED or dossier.debtor.processing_restricted:
        return False
    # A purged debtor (only ever of closed dossiers) carries the marker in its name.
    return dossier.debtor.name != ANONYMISED


def access_issue(*, dossier: Dossier, contact: DebtorContact | None) -> PortalAccess:
    """The link for this dossier and contact: the current one while it has time left, else a
    new one (the old one stays valid until it expires)."""
    now = timezone.now()
    current = (
        PortalAccess.objects.filter(
            dossier=dossier,
            contact=contact,
            revoked_at__isnull=True,
            expires_at__gt=now + RENEW_BEFORE,
        )
        .order_by("-expires_at", "-pk")
        .first()
    )
    if current is not None:
        return current
    days = settings_for(dossier.creditor).link_days
    access = PortalAccess(
        dossier=dossier, contact=contact, created_at=now, expires_at=now + timedelta(days=days)
    )
    access.key_hash = tokens.key_hash(tokens.token_for(access.public_id))
    with transaction.atomic():
        journaled_save(access, actor=None, reason="espace débiteur : lien émis")
    return access


def link_path(access: PortalAccess) -> str:
    return reverse("portail_web:entry", kwargs={"token": tokens.token_for(access.public_id)})


def link_url(access: PortalAccess) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + link_path(access)


def portal_link(dossier: Dossier, contact: DebtorContact | None = None) -> str:
    """The absolute link printed in a message to this contact ("" when the portal shows
    nothing for the dossier: switched off, closed, restricted)."""
    if not dossier_is_open_to_portal(dossier):
        return ""
    return link_url(access_issue(dossier=dossier, contact=contact))


def access_resolve(token: str) -> PortalAccess | None:
    """The valid access a token opens, or None (unknown, tampered, expired or revoked: the
    caller shows the same neutral page for all four)."""
    if not tokens.well_formed(token):
        return None
    access = (
        PortalAccess.objects.select_related("dossier__creditor", "dossier__debtor", "contact")
        .filter(key_hash=tokens.key_hash(token))
        .first()
    )
    if access is None or not access.is_valid():
        return None
    return access


def access_revoke(*, access: PortalAccess, actor, reason: str) -> PortalAccess:
    reason = require_reason(reason)
    with transaction.atomic():
        access = PortalAccess.objects.select_for_update().get(pk=access.pk)
        if access.revoked_at is None:
            access.revoked_at = timezone.now()
            access.revoked_reason = reason
            journaled_save(access, actor=actor, reason=f"espace débiteur : lien révoqué ({reason})")
    return access


# --- Second factor and rate limits ------------------------------------------------------------


def _plain(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())


def factor_matches(access: PortalAccess, answer: str) -> bool:
    """The second factor: the number of one of the dossier's invoices, or the debtor's postal
    code (spaces, dashes and case ignored), compared in constant time."""
    given = _plain(answer)
    if not given:
        return False
    dossier = access.dossier
    expected = [_plain(n) for n in dossier.claims.values_list("invoice_number", flat=True)]
    expected.append(_plain(dossier.debtor.postal_code))
    matched = False
    for value in expected:
        if value and hmac.compare_digest(value, given):
            matched = True
    return matched


def address_key(address: str | None) -> str:
    """A keyed digest of the visitor's address: counted, never stored as such."""
    from django.utils.crypto import salted_hmac

    return salted_hmac("portail.adresse", address or "inconnue").hexdigest()


def attempt_record(*, address: str | None, access: PortalAccess | None, succeeded: bool) -> None:
    PortalAttempt.objects.create(
        address_key=address_key(address), access=access, succeeded=succeeded
    )


def address_throttled(address: str | None) -> bool:
    """Too many failures from this address within the hour (unknown links, wrong factors)."""
    since = timezone.now() - WINDOW
    failures = PortalAttempt.objects.filter(
        address_key=address_key(address), succeeded=False, at__gte=since
    ).count()
    return failures >= settings.PORTAL_MAX_FAILURES_PER_ADDRESS


def access_throttled(access: PortalAccess) -> bool:
    """Too many wrong second factors on this link within the hour."""
    since = timezone.now() - WINDOW
    failures = PortalAttempt.objects.filter(access=access, succeeded=False, at__gte=since).count()
    return failures >= settings.PORTAL_MAX_FAILURES_PER_LINK


# --- The journal of the page --------------------------------------------------------------------


def event_record(
    *,
    access: PortalAccess,
    kind: str,
    summary: str = "",
    details: str = "",
    evidence=None,
) -> PortalEvent:
    """Journal a visit or an action of the debtor on their page."""
    event = PortalEvent(
        dossier_id=access.dossier_id,
        access=access,
        kind=kind,
        summary=summary[:300],
        details=details,
        evidence=evidence,
    )
    # A visit needs no controller's look: it is born checked.
    if kind not in PortalEvent.ACTIONS:
        event.checked_at = event.at
    with transaction.atomic():
        journaled_save(
            event,
            actor=None,
            reason=f"{DEBTOR_ACTOR} : {event.get_kind_display().lower()}",
        )
    return event


def event_check(*, event: PortalEvent, actor, on=None) -> PortalEvent:
    """A controller has looked at a portal action (it leaves « Ma journée »)."""
    with transaction.atomic():
        refuse_closed(lock_dossier(event.dossier_id), action="vérifier une action du débiteur")
        event = PortalEvent.objects.select_for_update().get(pk=event.pk)
        if event.checked_at is not None:
            raise ValidationError("Cette action a déjà été vérifiée.")
        event.checked_at = timezone.now()
        event.checked_by = actor
        journaled_save(event, actor=actor, reason="espace débiteur : action vérifiée")
    return event
