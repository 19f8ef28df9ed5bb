"""How long a closed dossier is kept (docs/legal.md §9): active while open; then an intermediate
archive until the prescription of its claims (the evidence may still be needed); then the purge,
after a configurable margin (``settings.RGPD_PURGE_MARGIN_DAYS``).

The date is stored on the dossier (``Dossier.purge_on``, indexed) when it closes, through the
``cadence_stopped`` signal, so that the purge and the DPO's dashboard read it with one query.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from dossiers import scheduling
from dossiers.models import Claim, Dossier
from dossiers.selectors import claim_facts, claims_for_figures
from journal.bulk import journaled_update_each
from journal.journaled import journaled_save
from legal.calendar import add_months
from legal.figures import ClaimFacts
from legal.prescription import prescription_date


def margin() -> timedelta:
    return timedelta(days=settings.RGPD_PURGE_MARGIN_DAYS)


def purge_date_for(dossier: Dossier, claims: list[Claim] | None = None) -> date | None:
    """Closure, then the latest prescription date of the dossier's claims, plus the margin.

    A claim whose prescription is suspended (mediation, C. civ. 2238) counts a whole new period
    from the closure, by prudence. ``claims``: already fetched through ``claims_for_figures``.
    """
    if dossier.closed_on is None:
        return None
    if claims is None:
        claims = list(claims_for_figures(Claim.objects.filter(dossier=dossier)))
    return purge_date_from_facts(dossier, [claim_facts(claim) for claim in claims])


def purge_date_from_facts(dossier: Dossier, facts_of_claims: list[ClaimFacts]) -> date | None:
    """``purge_date_for`` from the facts of the dossier's claims (``claim_facts``)."""
    if dossier.closed_on is None:
        return None
    latest = dossier.closed_on
    for facts in facts_of_claims:
        prescription = prescription_date(
            due_date=facts.due_date, debtor_kind=facts.debtor_kind, events=facts.prescription_events
        )
        end = prescription.date or add_months(dossier.closed_on, 12 * prescription.years)
        latest = max(latest, end)
    return latest + margin()


def purge_date_set(*, dossier: Dossier, actor=None) -> Dossier:
    """Record the dossier's purge date (journaled); nothing to do while it is open."""
    purge_on = purge_date_for(dossier)
    if purge_on != dossier.purge_on:
        dossier.purge_on = purge_on
        journaled_save(
            dossier,
            actor=actor,
            reason=f"RGPD : date de purge fixée au {purge_on:%d/%m/%Y}" if purge_on else "RGPD",
            exclude=["state"],
        )
    return dossier


def purge_dates_refresh(*, actor=None) -> int:
    """Give a purge date to the closed dossiers that have none (closed before this rule, or
    through a path that does not signal). Returns how many were set."""
    pending = list(
        Dossier.objects.filter(closed_on__isnull=False, purge_on__isnull=True).order_by("pk")
    )
    if not pending:
        return 0
    by_dossier: dict[int, list[Claim]] = {d.pk: [] for d in pending}
    for claim in claims_for_figures(Claim.objects.filter(dossier__in=pending)):
        by_dossier[claim.dossier_id].append(claim)
    for dossier in pending:
        with transaction.atomic():
            dossier.purge_on = purge_date_for(dossier, by_dossier[dossier.pk])
            journaled_save(
                dossier,
                actor=actor,
                reason=f"RGPD : date de purge fixée au {dossier.purge_on:%d/%m/%Y}",
                exclude=["state"],
            )
    return len(pending)


@receiver(scheduling.cadence_stopped, dispatch_uid="rgpd_purge_date_on_closure")
def set_purge_date_on_closure(sender, *, dossier: Dossier, actor=None, **kwargs) -> None:
    """A dossier that closes (paid, litigation, written off) enters the intermediate archive."""
    if dossier.is_closed:
        purge_date_set(dossier=dossier, actor=actor)


@receiver(scheduling.cadences_stopped, dispatch_uid="rgpd_purge_date_on_closure_many")
def set_purge_dates_on_closure(
    sender, *, dossiers, actor=None, claims: dict[int, list] | None = None, **kwargs
) -> None:
    """``set_purge_date_on_closure`` for many dossiers: the facts of their claims read at once
    (or given: ``claims``, as ``dossiers_claim_facts`` read them for the sender), the dates
    written by one journaled statement (same dates, same reasons)."""
    closed = [d for d in dossiers if d.is_closed]
    if not closed:
        return
    if claims is not None and all(d.pk in claims for d in closed):
        facts = {d.pk: [c.facts for c in claims[d.pk]] for d in closed}
    else:
        facts = {d.pk: [] for d in closed}
        for claim in claims_for_figures(Claim.objects.filter(dossier_id__in=list(facts))):
            facts[claim.dossier_id].append(claim_facts(claim))
    changed = []
    for dossier in closed:
        purge_on = purge_date_from_facts(dossier, facts[dossier.pk])
        if purge_on != dossier.purge_on:
            dossier.purge_on = purge_on
            dossier._change_reason = (
                f"RGPD : date de purge fixée au {purge_on:%d/%m/%Y}" if purge_on else "RGPD"
            )
            changed.append(dossier)
    journaled_update_each(changed, ["purge_on"], actor=actor)
