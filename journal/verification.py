"""Verify the journal: walk the hash chains, then compare them with the chain-head files written
outside the database (``heads``), so that a chain recomputed inside the database shows too."""

from __future__ import annotations

from django.db import models

from journal import chain, heads
from journal.models import ChainLink


def verify(dossier: models.Model | None = None, *, seal_first: bool = True) -> chain.VerifyResult:
    """Walk the chains (one dossier's, or all) and report the first bad row of each."""
    result = chain.VerifyResult()
    if seal_first:
        result.sealed_now = chain.seal(dossier)
    if dossier is not None:
        chains = [chain.chain_of(dossier.pk)]
        references = {dossier.pk: dossier.reference}
    else:
        chains = sorted(ChainLink.objects.values_list("chain", flat=True).distinct())
        references = dict(chain.dossier_model().objects.values_list("pk", "reference"))
    chain.walk(chains, result, references)
    result.chains = len(chains)
    # One dossier: its chain only; everything: every chain a head file recorded, so that a
    # chain deleted altogether is reported too.
    heads.check_files(
        result, chains=set(chains) if dossier is not None else None, references=references
    )
    result.problems.sort(key=lambda p: (p.chain != chain.GLOBAL_CHAIN, p.chain, p.seq))
    return result
