"""The model learns what is there and nothing else: a planted effect is found and named in the
reasons; pure noise does no better than chance on the held-out period, and the model says so
(and no score is shown)."""

from datetime import date

import numpy as np
import pytest

from scoring import features, learning, services, synthetic
from scoring.models import DossierScore, ScoreModel

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 3)


def test_a_planted_effect_is_found_and_its_reasons_name_it():
    history, raw = synthetic.generate(dossiers=6000, today=TODAY, effect="promises", seed=4)
    model = services.train(as_of=TODAY, history=history, trigger=ScoreModel.Trigger.SCRIPT)

    assert model.status == ScoreModel.Status.TRAINED
    assert model.usable and model.auc > 0.75
    assert model.auc_low > 0.5
    assert "fait mieux que le hasard" in model.verdict
    # Validated on a later period than it learned from, the outcomes of training ending first.
    assert model.training_to < model.validation_from
    assert model.validation_size > 0 and model.training_size > model.validation_size
    # The largest weight is the planted one: promises kept raise the chance, broken lower it.
    weights = dict(zip(features.NAMES, model.parameters["poids"], strict=True))
    assert max(weights, key=lambda name: abs(weights[name])) in {
        "promises_kept",
        "promises_broken",
    }
    assert weights["promises_kept"] > 0 > weights["promises_broken"]
    # Calibrated: on the held-out period, predicted and observed rates agree on the whole (a
    # linear model misses some of this world's interactions: the page shows each bin).
    assert model.calibration_error < 0.1
    assert len(model.calibration) == 10
    assert (
        abs(
            model.validation_rate
            - np.average(
                [b["prevu"] for b in model.calibration],
                weights=[b["dossiers"] for b in model.calibration],
            )
        )
        < 0.05
    )

    params = learning.Params.from_json(model.parameters)
    snap = features.snapshot(history, TODAY)
    texts = learning.reasons(params, snap.X, snap.balance)
    probability = learning.predict(params, snap.X)
    good = raw["good"][snap.rows]
    assert probability[good].mean() > probability[~good].mean() + 0.3
    # Once its promises fell due (day 4), a good payer's reasons name its kept promises, a bad
    # payer's its broken ones.
    settled = TODAY.toordinal() - history.opened[snap.rows] >= 5
    lines = [text.splitlines() for text in texts]
    kept = np.array([any(line.startswith("+ a tenu") for line in row) for row in lines])
    broken = np.array(
        [any(line.startswith("− n'a") and "tenu" in line for line in row) for row in lines]
    )
    assert kept[good & settled].mean() > 0.9
    assert broken[~good & settled].mean() > 0.9
    assert "+ promesse de paiement en cours" in texts[int(np.flatnonzero(~settled)[0])]


def test_pure_noise_does_no_better_than_chance_and_says_so(django_assert_max_num_queries):
    history, _ = synthetic.generate(dossiers=6000, today=TODAY, effect="none", seed=1)
    model = services.train(as_of=TODAY, history=history, trigger=ScoreModel.Trigger.SCRIPT)

    assert model.status == ScoreModel.Status.TRAINED
    assert model.auc_low <= 0.5 <= model.auc_high
    assert not model.better_than_chance and not model.usable
    assert "ne fait pas mieux que le hasard" in model.verdict
    assert "aucun score n'est affiché" in model.verdict
    # Nothing is scored with it: an earlier score is withdrawn rather than left stale.
    assert services.score(on=TODAY, model=model) == 0
    assert not DossierScore.objects.exists()


def test_too_little_history_says_so():
    history, _ = synthetic.generate(dossiers=40, today=TODAY, effect="promises", seed=2)
    model = services.train(as_of=TODAY, history=history, trigger=ScoreModel.Trigger.SCRIPT)

    assert model.status == ScoreModel.Status.INSUFFICIENT
    assert model.verdict.startswith("Historique insuffisant")
    assert not model.usable


def test_versions_follow_each_other():
    history, _ = synthetic.generate(dossiers=40, today=TODAY, seed=2)
    first = services.train(as_of=TODAY, history=history)
    second = services.train(as_of=TODAY, history=history)
    assert (first.version, second.version) == (1, 2)
    assert services.current_model() == second


def test_auc_interval_matches_hanley_mcneil_worked_example():
    # AUC 0.80, 50 positives, 50 negatives: Q1 = 0.8 / 1.2 = 0.6667, Q2 = 2 × 0.64 / 1.8 =
    # 0.7111, SE² = (0.16 + 49 × 0.0267 + 49 × 0.0711) / 2500 = 0.00198, SE = 0.0445.
    low, high = learning.auc_interval(0.80, 50, 50)
    assert (high - low) / (2 * 1.96) == pytest.approx(0.0445, abs=0.0002)
    assert learning.auc_interval(0.5, 1000, 1000)[0] < 0.5


def test_the_reasons_written_once_per_phrase_are_those_written_row_by_row():
    history, _ = synthetic.generate(dossiers=3000, today=TODAY, effect="promises", seed=5)
    snap = features.snapshot(history, TODAY)
    rng = np.random.default_rng(8)
    params = learning.Params(
        mean=snap.X.mean(axis=0).astype(np.float64),
        scale=snap.X.std(axis=0).astype(np.float64).clip(0.1, None),
        coef=rng.normal(0, 1, len(features.NAMES)),
        intercept=0.0,
    )
    fast = learning.reasons(params, snap.X, snap.balance)
    assert fast == learning.reasons_by_row(params, snap.X, snap.balance)
    assert len(snap.dossier_ids) > 500 and all(fast)
    # No reason at all where no effect reaches MIN_EFFECT.
    flat = learning.Params(params.mean, params.scale, params.coef * 1e-3, 0.0)
    assert set(learning.reasons(flat, snap.X, snap.balance)) == {""}
