"""What the Go/No-Go reads: the summary prepared for a route."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from dossiers.models import Dossier
from escalade.routes import ROUTE_BASIS, Route
from journee.selectors import dossier_detail
from journee.timeline import Entry, timeline


@dataclass
class Summary:
    route: Route
    basis: str
    creditor: object
    debtor: object
    totals: object  # journee.selectors.Totals
    claims: list
    chronology: list[Entry]
    today: date


def prepared_summary(dossier: Dossier, *, route: str, today: date | None = None) -> Summary:
    """Parties, amounts split (principal, penalties, indemnity, interest), and the chronology
    of what was sent and decided, for the chosen route."""
    today = today or timezone.localdate()
    detail = dossier_detail(dossier, today=today)
    key_events = [
        e for e in timeline(dossier) if e.how not in ("Application",) or "Dossier" in e.what
    ]
    return Summary(
        route=Route(route),
        basis=ROUTE_BASIS[Route(route)],
        creditor=dossier.creditor,
        debtor=dossier.debtor,
        totals=detail.totals,
        claims=detail.claims,
        chronology=list(reversed(key_events)),
        today=today,
    )
