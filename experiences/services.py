"""Cadence experiments: start one, draw new dossiers into its variants, end it.

Every write says who and why (``journaled_save``, ``journaled_insert``). The draw of a dossier
is ``draw(seed, dossier id)``: a pseudo-random number in [0, 1) from the experiment's seed and
the dossier's id only, so it is reproducible by anyone holding the seed, independent of the
order in which dossiers arrive, and the same if asked twice (a dossier keeps its variant).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.roles import user_or_none
from dossiers.models import Creditor, Debtor, Dossier
from experiences import results
from experiences.models import Assignment, Experiment, Variant
from journal.bulk import journaled_insert
from journal.journaled import journaled_save, require_reason
from relances import services as relances_services
from relances.models import (
    CadencePolicy,
    CreditorCadence,
    DebtorCadenceOverride,
    DossierCadence,
)

LABELS = "ABCDEF"
MIN_PER_VARIANT = 10  # a planned size under this many dossiers per variant proves nothing


def draw(seed: int, dossier_id: int) -> Decimal:
    """The dossier's draw, uniform in [0, 1), 12 decimals."""
    # Not for security: a seeded, reproducible draw is the point (the seed is recorded).
    value = random.Random(f"{seed}:{dossier_id}").random()  # noqa: S311
    return Decimal(int(value * 10**12)) / 10**12


def variant_for(value: Decimal, variants: Sequence[Variant]) -> Variant:
    """The variant whose slice of [0, 1) holds ``value`` (slices in order A, B..., as wide as
    each variant's share)."""
    bound = Decimal(0)
    for variant in variants:
        bound += Decimal(variant.share) / 100
        if value < bound:
            return variant
    return variants[-1]


def current_policy(creditor: Creditor, debtor_kind: str) -> CadencePolicy | None:
    """The policy the creditor's new dossiers of this kind follow today."""
    chosen = (
        CreditorCadence.objects.filter(creditor=creditor, debtor_kind=debtor_kind)
        .select_related("policy")
        .first()
    )
    if chosen is not None:
        return chosen.policy
    return CadencePolicy.objects.filter(debtor_kind=debtor_kind, is_default=True).first()


def experiment_start(
    *,
    creditor: Creditor,
    debtor_kind: str,
    name: str,
    measure: str,
    variants: Sequence[tuple[CadencePolicy, int]],
    actor,
    reason: str,
    planned_size: int | None = None,
    end_on: date | None = None,
    seed: int | None = None,
    on: date | None = None,
) -> Experiment:
    """Start an experiment on the creditor's cadence for one kind of debtor: ``variants`` as
    (policy, share in %), the first being the control (variant A); the shares make 100 %."""
    reason = require_reason(reason)
    on = on or timezone.localdate()
    errors = _check_variants(variants, debtor_kind)
    if planned_size is None and end_on is None:
        errors.append("Indiquez une taille prévue ou une date de fin des inclusions.")
    if planned_size is not None and planned_size < MIN_PER_VARIANT * len(variants):
        errors.append(
            f"Prévoyez au moins {MIN_PER_VARIANT} dossiers par variante "
            f"({MIN_PER_VARIANT * len(variants)} en tout)."
        )
    if end_on is not None and end_on < on:
        errors.append("La date de fin des inclusions est passée.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Creditor.objects.select_for_update().only("pk").get(pk=creditor.pk)
        experiment = Experiment(
            name=(name or "").strip(),
            creditor=creditor,
            debtor_kind=debtor_kind,
            measure=measure,
            planned_size=planned_size,
            end_on=end_on,
            seed=secrets.randbelow(2**31) if seed is None else seed,
            started_on=on,
            created_by=user_or_none(actor),
        )
        journaled_save(experiment, actor=actor, reason=f"expérience lancée : {reason}")
        for label, (policy, share) in zip(LABELS, variants, strict=False):
            variant = Variant(experiment=experiment, label=label, policy=policy, share=share)
            journaled_save(variant, actor=actor, reason=f"expérience « {experiment.name} »")
    return experiment


def _check_variants(variants, debtor_kind: str) -> list[str]:
    errors = []
    if not 2 <= len(variants) <= len(LABELS):
        errors.append(f"Une expérience compare de 2 à {len(LABELS)} variantes.")
    if sum(share for _, share in variants) != 100:
        errors.append("Les parts des variantes doivent faire 100 %.")
    if any(not 1 <= share <= 99 for _, share in variants):
        errors.append("La part d'une variante va de 1 à 99 %.")
    policies = [policy for policy, _ in variants]
    if len({p.pk for p in policies}) != len(policies):
        errors.append("Une même cadence figure deux fois dans l'expérience.")
    for policy in policies:
        if policy.debtor_kind != debtor_kind or policy.for_accessories:
            errors.append(
                f"La cadence « {policy} » ne s'applique pas aux "
                f"{CadencePolicy.DebtorKind(debtor_kind).label.lower()}."
            )
    return errors


def assign_new_dossiers(
    *, creditor_id: int, dossier_ids: Sequence[int], actor, on: date | None = None
) -> list[Assignment]:
    """Draw a variant for each dossier just opened for the creditor, while an experiment on the
    creditor's cadence for the debtor's kind takes dossiers in (before its end date, under its
    planned size). A dossier whose debtor has a policy of their own stays out (their policy
    wins). Called when dossiers open, before they are planned: never mid-cadence."""
    if not dossier_ids:
        return []
    on = on or timezone.localdate()
    running = list(
        Experiment.objects.select_for_update()
        .filter(creditor_id=creditor_id, status=Experiment.Status.RUNNING, started_on__lte=on)
        .exclude(end_on__lt=on)
        .order_by("pk")
    )
    if not running:
        return []
    by_kind = {e.debtor_kind: e for e in running}
    taken = dict(
        Assignment.objects.filter(experiment__in=running)
        .values("experiment_id")
        .annotate(n=Count("pk"))
        .values_list("experiment_id", "n")
    )
    variants: dict[int, list[Variant]] = {}
    for variant in Variant.objects.filter(experiment__in=running).select_related("policy"):
        variants.setdefault(variant.experiment_id, []).append(variant)
    overridden = set(
        DebtorCadenceOverride.objects.filter(
            debtor__dossiers__pk__in=list(dossier_ids)
        ).values_list("debtor_id", flat=True)
    )
    dossiers = (
        Dossier.objects.filter(pk__in=list(dossier_ids), closed_on__isnull=True)
        .exclude(pk__in=Assignment.objects.values("dossier_id"))
        .order_by("pk")
        .values_list("pk", "debtor_id", "debtor__kind")
    )
    rows = []
    for dossier_id, debtor_id, kind in dossiers:
        if kind == Debtor.Kind.UNKNOWN:
            kind = Debtor.Kind.CONSUMER
        experiment = by_kind.get(kind)
        if experiment is None or debtor_id in overridden:
            continue
        size = experiment.planned_size
        if size is not None and taken.get(experiment.pk, 0) >= size:
            continue
        taken[experiment.pk] = taken.get(experiment.pk, 0) + 1
        ordered = sorted(variants[experiment.pk], key=lambda v: v.label)
        value = draw(experiment.seed, dossier_id)
        rows.append((experiment, variant_for(value, ordered), dossier_id, value))
    if not rows:
        return []
    reasons = [
        f"expérience « {e.name} » : variante {v.label} tirée (tirage {value}, graine {e.seed})"
        for e, v, _, value in rows
    ]
    pks = journaled_insert(
        Assignment,
        [
            {"experiment_id": e.pk, "variant_id": v.pk, "dossier_id": d, "draw": value}
            for e, v, d, value in rows
        ],
        reasons=reasons,
        actor=actor,
        common={"assigned_on": on},
    )
    journaled_insert(
        DossierCadence,
        [
            {"dossier_id": d, "policy_id": v.policy_id, "reason": reason[:200]}
            for (_e, v, d, _value), reason in zip(rows, reasons, strict=True)
        ],
        reasons=reasons,
        actor=actor,
    )
    return list(Assignment.objects.filter(pk__in=pks).order_by("dossier_id"))


def experiment_end(
    *, experiment: Experiment, winner: Variant, actor, reason: str, on: date | None = None
) -> Experiment:
    """End the experiment and make ``winner``'s cadence the creditor's for that kind of debtor,
    as a journaled decision. Before the verdict (planned size reached and every dossier
    observed) only the control may be kept: stopping early adopts nothing the figures have not
    shown. The dossiers drawn keep their variant to the end of their cadence; the creditor's
    other open dossiers of that kind are planned again under the new cadence."""
    reason = require_reason(reason)
    on = on or timezone.localdate()
    with transaction.atomic():
        experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
        if not experiment.is_running:
            raise ValidationError("Cette expérience est déjà terminée.")
        if winner.experiment_id != experiment.pk:
            raise ValidationError({"winner": "Cette variante n'appartient pas à l'expérience."})
        report = results.report(experiment, on=on)
        if not report.ready and not winner.is_control:
            raise ValidationError(
                {
                    "winner": (
                        "Le verdict n'est pas encore rendu : arrêter maintenant ne peut que "
                        "garder la variante A (la cadence témoin)."
                    )
                }
            )
        experiment.status = Experiment.Status.ENDED
        experiment.ended_on = on
        experiment.ended_by = user_or_none(actor)
        experiment.winner = winner
        experiment.verdict = report.verdict
        experiment.decision = reason
        decision = f"variante {winner.label} retenue ({winner.policy}) : {reason}"
        journaled_save(experiment, actor=actor, reason=f"expérience terminée, {decision}")
        before = current_policy(experiment.creditor, experiment.debtor_kind)
        chosen = CreditorCadence.objects.filter(
            creditor_id=experiment.creditor_id, debtor_kind=experiment.debtor_kind
        ).first() or CreditorCadence(
            creditor_id=experiment.creditor_id, debtor_kind=experiment.debtor_kind
        )
        changed = before != winner.policy
        chosen.policy = winner.policy
        journaled_save(chosen, actor=actor, reason=f"expérience « {experiment.name} » : {decision}")
        if changed:
            ids = list(
                Dossier.objects.filter(
                    creditor_id=experiment.creditor_id,
                    closed_on__isnull=True,
                    own_cadence__isnull=True,
                    debtor__kind__in=_kinds(experiment.debtor_kind),
                ).values_list("pk", flat=True)
            )
            transaction.on_commit(
                partial(
                    relances_services.dossiers_replan,
                    dossier_ids=ids,
                    actor=actor,
                    reason=f"nouvelle cadence du créancier : {winner.policy}",
                )
            )
    return experiment


def _kinds(debtor_kind: str) -> list[str]:
    """The debtors a kind's cadence governs (one of unknown kind gets the consumers')."""
    if debtor_kind == Debtor.Kind.CONSUMER:
        return [Debtor.Kind.CONSUMER, Debtor.Kind.UNKNOWN]
    return [debtor_kind]
