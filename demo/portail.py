"""The debtor's space in the demo: each open dossier's personal link, printed by seed_demo
with the second factor that opens it, and one debtor who already came: a visit and new contact
details waiting in « Ma journée » (docs/portail.md)."""

from __future__ import annotations

from dossiers.models import Dossier
from portail import services
from portail.models import PortalAccess, PortalEvent
from portail_web import services as actions


def portal_links(*, seeder) -> list[str]:
    lines = ["Espace débiteur (lien personnel ; second facteur : n° de facture ou code postal) :"]
    dossiers = (
        Dossier.objects.filter(closed_on__isnull=True)
        .select_related("creditor", "debtor")
        .prefetch_related("debtor__contacts", "claims")
        .order_by("reference")
    )
    for dossier in dossiers:
        link = services.portal_link(dossier, dossier.debtor.reminder_contact)
        if not link:
            continue
        claim = min(dossier.claims.all(), key=lambda c: (c.due_date, c.pk), default=None)
        factor = f"facture {claim.invoice_number}" if claim else f"CP {dossier.debtor.postal_code}"
        lines.append(f"  {dossier.reference}  {link}  ({factor})")
    _a_debtor_came()
    return lines


def _a_debtor_came() -> None:
    """The first assigned dossier's debtor opened their link and sent a new e-mail address."""
    access = (
        # Links went out during the walk to dossiers closed since: an open one, still shown.
        PortalAccess.objects.filter(
            dossier__closed_on__isnull=True,
            dossier__assigned_to__isnull=False,
            contact__isnull=False,
        )
        .select_related("dossier", "contact")
        .order_by("dossier__reference")
        .first()
    )
    if access is None:
        return
    services.event_record(access=access, kind=PortalEvent.Kind.VERIFIED)
    services.event_record(
        access=access, kind=PortalEvent.Kind.VIEW, summary="factures, paiements, courriers"
    )
    actions.contact_update_submit(
        access=access, email=f"comptabilite.{access.dossier.debtor_id}@example.com"
    )
