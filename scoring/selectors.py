"""The manager's page: the current model, its validation, what weighs, earlier versions, the
creditors' choices, and how many dossiers carry a score."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Avg, Count

from dossiers import scoping
from dossiers.models import Creditor
from scoring import features
from scoring.models import DossierScore, PriorityScoring, ScoreModel


@dataclass
class Weight:
    label: str
    weight: float

    @property
    def direction(self) -> str:
        return "augmente" if self.weight > 0 else "diminue"


@dataclass
class Overview:
    model: ScoreModel | None
    versions: list[ScoreModel]
    weights: list[Weight]
    scored: int
    average: float | None
    creditors: list[tuple[Creditor, bool]]


def weights(model: ScoreModel, *, limit: int = 12) -> list[Weight]:
    """The model's weights on standardised features, the largest first: what weighs most."""
    values = model.parameters.get("poids", []) if model else []
    rows = [
        Weight(features.LABELS.get(name, name), weight)
        for name, weight in zip(model.features, values, strict=False)
        if abs(weight) >= 0.01
    ]
    return sorted(rows, key=lambda w: -abs(w.weight))[:limit]


def overview(user) -> Overview:
    versions = list(ScoreModel.objects.order_by("-version")[:10])
    model = versions[0] if versions else None
    scores = scoping.visible_dossiers(user).filter(payment_score__isnull=False)
    figures = scores.aggregate(n=Count("pk"), avg=Avg("payment_score__probability"))
    creditors = list(
        scoping.visible_creditors(user, Creditor.objects.order_by("legal_name")).only(
            "pk", "legal_name"
        )
    )
    enabled = set(
        PriorityScoring.objects.filter(creditor__in=creditors, enabled=True).values_list(
            "creditor_id", flat=True
        )
    )
    return Overview(
        model=model,
        versions=versions,
        weights=weights(model) if model and model.parameters else [],
        scored=figures["n"],
        average=figures["avg"],
        creditors=[(c, c.pk in enabled) for c in creditors],
    )


def scored_count() -> int:
    return DossierScore.objects.count()
