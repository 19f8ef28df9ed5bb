"""Reads of the portal's low part, for the controllers' pages and the KPIs."""

from __future__ import annotations

from django.utils import timezone

from portail.models import PortalAccess, PortalEvent
from portail.services import link_url


def valid_links(dossier) -> list[tuple[str, PortalAccess]]:
    """(absolute link, access) of the dossier's links still valid, the newest first."""
    accesses = PortalAccess.objects.filter(
        dossier=dossier, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("contact")
    return [(link_url(access), access) for access in accesses.order_by("-created_at", "-pk")]


def recent_events(dossier, *, limit: int = 20) -> list[PortalEvent]:
    """The dossier's last visits and actions on the debtor's page."""
    return list(
        PortalEvent.objects.filter(dossier=dossier)
        .select_related("evidence", "checked_by")
        .order_by("-at", "-pk")[:limit]
    )
