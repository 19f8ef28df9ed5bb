"""Celery tasks of the score: the weekly training and the daily scoring (beat)."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from scoring import services
from scoring.models import ScoreModel


@shared_task(name="scoring.train")
def train_task(on: str | None = None) -> dict:
    """Weekly beat: learn from the history, record the model with its validation, then score the
    open dossiers with it (or withdraw the scores if it does no better than chance)."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    model = services.train(as_of=day, trigger=ScoreModel.Trigger.BEAT)
    scored = services.score(on=day, model=model)
    return {"version": model.version, "auc": model.auc, "usable": model.usable, "scored": scored}


@shared_task(name="scoring.score")
def score_task(on: str | None = None) -> int:
    """Daily beat: the open dossiers' scores with the latest model, from today's facts."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    return services.score(on=day)
