"""Train the model, score the open dossiers, and let a manager decide whether the priority uses
the score. Nothing here changes a dossier: the score orders work, a person decides (GDPR art. 22).
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import numpy as np
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from dossiers.models import Creditor
from journal.journaled import journaled_save, require_reason
from scoring import features, learning
from scoring.models import BASE_HISTORY, DossierScore, PriorityScoring, ScoreModel
from scoring.signals import scores_changed

# Training: one snapshot of the open dossiers every SNAPSHOT_DAYS over the last HISTORY_DAYS
# (the latest quarter of them for validation), at most MAX_SAMPLES examples (a seeded sample).
SNAPSHOT_DAYS = 14
HISTORY_DAYS = 365
VALIDATION_SHARE = 0.25
MAX_SAMPLES = 400_000
SEED = 26
# The priority points of a dossier sure to pay, when its creditor lets the priority use the
# score (journee.selectors): 20 points at 100 %, 10 at 50 %.
PRIORITY_POINTS = 20


def snapshot_days(as_of: date, first_day: int) -> list[date]:
    """The days whose 30-day outcome is known on ``as_of``, oldest first."""
    last = as_of - timedelta(days=features.HORIZON_DAYS)
    days = []
    for k in range(HISTORY_DAYS // SNAPSHOT_DAYS + 1):
        day = last - timedelta(days=k * SNAPSHOT_DAYS)
        if day.toordinal() < first_day:
            break
        days.append(day)
    return sorted(days)


def train(
    *,
    as_of: date,
    trigger: str = ScoreModel.Trigger.BEAT,
    actor=None,
    max_samples: int = MAX_SAMPLES,
    history: features.History | None = None,
    source: str = BASE_HISTORY,
    learned: dict | None = None,
) -> ScoreModel:
    """Learn from the base's history as it stood on ``as_of`` and record the model, with its
    validation on the latest period. The model is used only if it does better than chance.
    ``learned``: what ``learn`` returned for that history and day, computed beforehand (the
    demo's seed runs it in another process)."""
    started = time.perf_counter()
    if learned is None:
        learned = learn(as_of=as_of, history=history or features.load(), max_samples=max_samples)
        learned["seconds"] = round(time.perf_counter() - started, 2)
    record = ScoreModel(
        trained_at=timezone.now(),
        as_of=as_of,
        trigger=trigger,
        source=source,
        started_by=actor,
        horizon_days=features.HORIZON_DAYS,
        algorithm=learning.ALGORITHM,
        features=list(features.NAMES),
        **learned,
    )
    with transaction.atomic():
        latest = ScoreModel.objects.select_for_update().aggregate(v=Max("version"))["v"]
        record.version = (latest or 0) + 1
        record.save()
    return record


def learn(*, as_of: date, history: features.History, max_samples: int = MAX_SAMPLES) -> dict:
    """The learning itself, on arrays (nothing read from or written to the base): the training
    and validation sets, the fit and its validation, as the fields of the model's record
    (``train`` records them). The same history and day give the same fields, in any process."""
    started = time.perf_counter()
    days = snapshot_days(as_of, history.first_day) if history.first_day else []
    n_validation = max(1, round(len(days) * VALIDATION_SHARE)) if len(days) >= 2 else 0
    validation_days = days[len(days) - n_validation :] if n_validation else []
    split = validation_days[0] if validation_days else as_of
    # Training examples' outcomes end before the validation period starts: no leak.
    train_days = [d for d in days if d + timedelta(days=features.HORIZON_DAYS) <= split]
    rng = np.random.default_rng(SEED)
    cap = max_samples // max(len(train_days), 1)
    X_parts, y_parts = [], []
    for day in train_days:
        snap = features.snapshot(history, day, label=True)
        keep = np.arange(len(snap.rows))
        if len(keep) > cap:
            keep = np.sort(rng.choice(keep, size=cap, replace=False))
        X_parts.append(snap.X[keep])
        y_parts.append(snap.paid[keep])
    Xv_parts, yv_parts, seen = [], [], np.zeros(0, dtype=np.int64)
    for day in validation_days:
        snap = features.snapshot(history, day, label=True)
        fresh = ~np.isin(snap.rows, seen)  # one row per dossier: its first validation day
        seen = np.concatenate([seen, snap.rows[fresh]])
        Xv_parts.append(snap.X[fresh])
        yv_parts.append(snap.paid[fresh])
    width = len(features.FEATURES)
    X = np.concatenate(X_parts) if X_parts else np.zeros((0, width), dtype=np.float32)
    y = np.concatenate(y_parts) if y_parts else np.zeros(0, dtype=bool)
    Xv = np.concatenate(Xv_parts) if Xv_parts else np.zeros((0, width), dtype=np.float32)
    yv = np.concatenate(yv_parts) if yv_parts else np.zeros(0, dtype=bool)

    fields = {
        "training_size": len(y),
        "training_from": train_days[0] if train_days else None,
        "training_to": train_days[-1] if train_days else None,
        "training_rate": float(y.mean()) if len(y) else None,
        "validation_size": len(yv),
        "validation_from": validation_days[0] if validation_days else None,
        "validation_to": validation_days[-1] if validation_days else None,
        "validation_rate": float(yv.mean()) if len(yv) else None,
    }
    lacking = [
        (int(labels.sum()), int(len(labels) - labels.sum()), where)
        for labels, where in ((y, "entraînement"), (yv, "validation"))
        if min(labels.sum(), len(labels) - labels.sum()) < learning.MIN_EACH_OUTCOME
    ]
    if lacking:
        fields["status"] = ScoreModel.Status.INSUFFICIENT
        fields["verdict"] = learning.insufficient(*lacking[0])
    else:
        params = learning.fit(X, y)
        validation = learning.validate(learning.predict(params, Xv), yv)
        fields["status"] = ScoreModel.Status.TRAINED
        fields["parameters"] = params.as_json()
        fields.update(
            auc=validation.auc,
            auc_low=validation.auc_low,
            auc_high=validation.auc_high,
            brier=validation.brier,
            calibration=validation.calibration,
            calibration_error=validation.calibration_error,
            better_than_chance=validation.better_than_chance,
            verdict=learning.verdict(validation),
        )
    fields["seconds"] = round(time.perf_counter() - started, 2)
    return fields


def current_model() -> ScoreModel | None:
    return ScoreModel.objects.order_by("-version").first()


def score(*, on: date, model: ScoreModel | None = None, reference: bool = False) -> int:
    """Score every open dossier with the latest model, if it does better than chance; otherwise
    withdraw every score (none is shown rather than a meaningless one). Returns the count.

    On PostgreSQL the facts are counted by the database (``features.scoring_snapshot``) and
    the reasons written once per distinct phrase (``learning.reasons``); ``reference``: read
    every event and explain row by row instead (``features.load`` then ``snapshot``,
    ``learning.reasons_by_row``), the same scores and reasons (tests/scoring)."""
    model = model or current_model()
    # Once the new scores are committed (inside the transaction below: called outside one, an
    # ``on_commit`` runs at once, and the priorities were re-scored with the old scores).
    changed = lambda: scores_changed.send(sender=DossierScore, creditor_id=None)  # noqa: E731
    if model is None or not model.usable:
        with transaction.atomic():
            DossierScore.objects.all().delete()
            transaction.on_commit(changed)
        return 0
    params = learning.Params.from_json(model.parameters)
    if reference or connection.vendor != "postgresql":
        snap = features.snapshot(features.load(open_only=True), on)
        explain = learning.reasons_by_row if reference else learning.reasons
    else:
        snap = features.scoring_snapshot(on)
        explain = learning.reasons
    probability = learning.predict(params, snap.X)
    texts = explain(params, snap.X, snap.balance)
    points = np.rint(probability * PRIORITY_POINTS).astype(int)
    rows = zip(snap.dossier_ids.tolist(), probability.tolist(), points.tolist(), texts, strict=True)
    with transaction.atomic():
        transaction.on_commit(changed)
        DossierScore.objects.all().delete()
        if connection.vendor == "postgresql":
            table = DossierScore._meta.db_table
            columns = "dossier_id, model_id, probability, points, reasons, scored_on"
            # COPY's text format written at once (a row at a time: ~10 µs of the driver each).
            data = "".join(
                f"{pk}\t{model.pk}\t{round(p, 4)}\t{pts}\t{_copy_text(text)}\t{on}\n"
                for pk, p, pts, text in rows
            )
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                copy.write(data)
        else:
            DossierScore.objects.bulk_create(
                (
                    DossierScore(
                        dossier_id=pk,
                        model=model,
                        probability=round(p, 4),
                        points=pts,
                        reasons=text,
                        scored_on=on,
                    )
                    for pk, p, pts, text in rows
                ),
                batch_size=2000,
            )
    return len(snap.dossier_ids)


def _copy_text(value: str) -> str:
    """A text as a field of COPY's text format (the reasons' line breaks escaped)."""
    return (
        value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )


def priority_scoring_set(*, creditor: Creditor, enabled: bool, actor, reason: str):
    """Let (or stop) the priority of ``creditor``'s dossiers count the payment probability: a
    manager's journaled choice. The score still decides nothing: it moves a row in a list."""
    reason = require_reason(reason)
    with transaction.atomic():
        setting = PriorityScoring.objects.select_for_update().filter(
            creditor=creditor
        ).first() or PriorityScoring(creditor=creditor)
        setting.enabled = enabled
        journaled_save(setting, actor=actor, reason=reason)
        transaction.on_commit(
            lambda: scores_changed.send(sender=PriorityScoring, creditor_id=creditor.pk)
        )
    return setting
