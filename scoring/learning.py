"""The learning itself, on arrays (no database): fit, validate on a later period, explain.

The model is a logistic regression (scikit-learn) on standardised features: its parameters are
a handful of numbers kept as JSON, its probability is readable by hand, and each dossier's
reasons are exact: the contribution of each group of features (its weight × how far the dossier
stands from the average dossier of the training), the largest ones put into words.

Validation is honest: the model is fitted on the earlier days only (whose 30-day outcome was
known before the validation period starts) and judged on the later days, one row per dossier;
the AUC comes with its 95 % interval (Hanley & McNeil, 1982), and the model is called better than
chance only when that interval lies above 0.5.
"""

from __future__ import annotations

import functools
import math
import operator
from dataclasses import dataclass

import numpy as np

from legal.formatting import euros, euros_rounded
from scoring import features, sectors

# scikit-learn (and the SciPy it loads) takes ~2 s of CPU to import: imported by the functions
# that fit or validate a model (``SKLEARN_MODULES``), not by every process that reads scores.
SKLEARN_MODULES = ("sklearn.linear_model", "sklearn.metrics")
ALGORITHM = "régression logistique (scikit-learn), variables standardisées, C = 1"
# The fewest examples of each outcome for a verdict (training and validation alike).
MIN_EACH_OUTCOME = 30
# A group of features below this effect (in log-odds) is not worth a reason.
MIN_EFFECT = 0.1
REASONS_SHOWN = 3
CALIBRATION_BINS = 10


@dataclass
class Params:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def as_json(self) -> dict:
        return {
            "moyenne": [round(float(v), 6) for v in self.mean],
            "echelle": [round(float(v), 6) for v in self.scale],
            "poids": [round(float(v), 6) for v in self.coef],
            "constante": round(float(self.intercept), 6),
        }

    @classmethod
    def from_json(cls, data: dict) -> Params:
        return cls(
            mean=np.asarray(data["moyenne"], dtype=np.float64),
            scale=np.asarray(data["echelle"], dtype=np.float64),
            coef=np.asarray(data["poids"], dtype=np.float64),
            intercept=float(data["constante"]),
        )


def fit(X: np.ndarray, y: np.ndarray) -> Params:
    from sklearn.linear_model import LogisticRegression

    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit((X - mean) / scale, y.astype(int))
    return Params(mean=mean, scale=scale, coef=model.coef_[0], intercept=float(model.intercept_[0]))


def _z(params: Params, X: np.ndarray) -> np.ndarray:
    return (np.asarray(X, dtype=np.float64) - params.mean) / params.scale


def predict(params: Params, X: np.ndarray) -> np.ndarray:
    logit = _z(params, X) @ params.coef + params.intercept
    return 1.0 / (1.0 + np.exp(-logit))


def group_effects(params: Params, X: np.ndarray) -> np.ndarray:
    """Each group's contribution to the log-odds, against the average training dossier."""
    membership = np.zeros((len(features.FEATURES), len(features.GROUPS)))
    for i, feature in enumerate(features.FEATURES):
        membership[i, features.GROUPS.index(feature.group)] = 1.0
    return (_z(params, X) * params.coef) @ membership


# --- Validation -------------------------------------------------------------------------------


@dataclass
class Validation:
    size: int
    rate: float
    auc: float
    auc_low: float
    auc_high: float
    brier: float
    calibration: list[dict]
    calibration_error: float  # mean gap between predicted and observed, weighted by dossiers

    @property
    def better_than_chance(self) -> bool:
        return self.auc_low > 0.5


def auc_interval(auc: float, positives: int, negatives: int) -> tuple[float, float]:
    """95 % interval of an AUC (Hanley & McNeil, Radiology 143:29-36, 1982)."""
    q1 = auc / (2 - auc)
    q2 = 2 * auc * auc / (1 + auc)
    variance = (
        auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)
    ) / (positives * negatives)
    se = math.sqrt(max(variance, 0.0))
    return max(0.0, auc - 1.96 * se), min(1.0, auc + 1.96 * se)


def validate(p: np.ndarray, y: np.ndarray) -> Validation:
    from sklearn.metrics import brier_score_loss, roc_auc_score

    y = y.astype(int)
    positives = int(y.sum())
    negatives = len(y) - positives
    auc = float(roc_auc_score(y, p))
    low, high = auc_interval(auc, positives, negatives)
    bins = []
    edges = np.linspace(0, 1, CALIBRATION_BINS + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, CALIBRATION_BINS - 1)
    for b in range(CALIBRATION_BINS):
        mask = which == b
        if mask.any():
            bins.append(
                {
                    "de": round(float(edges[b]), 2),
                    "a": round(float(edges[b + 1]), 2),
                    "dossiers": int(mask.sum()),
                    "prevu": round(float(p[mask].mean()), 4),
                    "observe": round(float(y[mask].mean()), 4),
                }
            )
    return Validation(
        size=len(y),
        rate=float(y.mean()),
        auc=auc,
        auc_low=low,
        auc_high=high,
        brier=float(brier_score_loss(y, p)),
        calibration=bins,
        calibration_error=sum(abs(b["prevu"] - b["observe"]) * b["dossiers"] for b in bins)
        / max(len(y), 1),
    )


def _num(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def verdict(v: Validation) -> str:
    figures = (
        f"AUC {_num(v.auc)}, intervalle à 95 % {_num(v.auc_low)}–{_num(v.auc_high)} ; 0,50 = hasard"
    )
    if v.better_than_chance:
        return (
            f"Le modèle fait mieux que le hasard sur la période de validation ({figures}) : "
            "le score est affiché dans « Ma journée »."
        )
    return (
        f"Le modèle ne fait pas mieux que le hasard sur la période de validation ({figures}) : "
        "aucun score n'est affiché et la priorité ne l'utilise pas."
    )


def insufficient(positives: int, negatives: int, where: str) -> str:
    return (
        f"Historique insuffisant ({where} : {positives} dossiers payés sous 30 jours et "
        f"{negatives} non payés ; il en faut au moins {MIN_EACH_OUTCOME} de chaque) : "
        "aucun score n'est affiché."
    )


# --- Reasons in words -------------------------------------------------------------------------


def _s(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n <= 1 else (plural or word + 's')}"


class _Rounded:
    """The feature values rounded, each when read (a phrase reads two or three of ~45)."""

    __slots__ = ("values",)

    def __init__(self, values: dict[str, float]):
        self.values = values

    def __getitem__(self, name: str) -> int:
        return round(self.values[name])


def _phrase(group: str, v: dict[str, float], balance: float) -> str:
    """The group's facts in words, from the dossier's feature values ``v`` (by name)."""
    n = _Rounded(v)
    if group == "amount":
        return f"reste dû {euros(round(balance, 2))}"
    if group == "age":
        return f"retard de {_s(round(v['age_months'] * 30), 'jour')}"
    if group == "claims":
        return _s(round(math.expm1(v["open_claims"])), "facture impayée", "factures impayées")
    if group == "paid":
        share = round(v["paid_share"] * 100)
        return f"a déjà réglé {share} % de la somme" if share else "aucun paiement reçu"
    if group == "kind":
        if n["kind_consumer"]:
            return "débiteur consommateur"
        return "type de débiteur inconnu" if n["kind_unknown"] else "débiteur professionnel"
    if group == "sector":
        for letter in sectors.LETTERS:
            if n[f"sector_{letter}"]:
                return f"secteur : {sectors.LABELS[letter]}"
        return "secteur non renseigné"
    if group == "history":
        paid, unpaid = n["pair_paid"], n["pair_unpaid"]
        if paid + unpaid == 0:
            return "premier dossier chez ce créancier"
        return (
            f"a réglé {paid} de ses {_s(paid + unpaid, 'dossier précédent', 'dossiers précédents')}"
        )
    if group == "promises":
        kept, broken = n["promises_kept"], n["promises_broken"]
        if kept + broken == 0:
            return "aucune promesse de paiement arrivée à échéance"
        if kept == 0:
            return (
                "n'a pas tenu sa promesse"
                if broken == 1
                else f"n'a tenu aucune de ses {broken} promesses"
            )
        return f"a tenu {_s(kept, 'promesse')} sur {kept + broken}"
    if group == "promise_pending":
        return (
            "promesse de paiement en cours" if n["promise_pending"] else "aucune promesse en cours"
        )
    if group == "plan":
        missed = n["installments_missed"]
        missed_text = _s(missed, "échéance impayée", "échéances impayées")
        if n["plan_active"]:
            return "échéancier en cours" + (f", {missed_text}" if missed else "")
        return missed_text if missed else "aucun échéancier"
    if group == "dispute":
        return "facture contestée" if n["dispute_open"] else "aucune contestation en cours"
    if group == "calls":
        reached, unreached = n["calls_reached"], n["calls_unreached"]
        if reached + unreached == 0:
            return "aucun appel passé"
        if reached == 0:
            return f"injoignable au téléphone ({_s(unreached, 'appel')})"
        return f"joint {reached} fois au téléphone sur {_s(reached + unreached, 'appel')}"
    if group == "reminders":
        sent = n["reminders_sent"]
        return (
            _s(sent, "relance envoyée", "relances envoyées") if sent else "aucune relance envoyée"
        )
    if group == "failed":
        failed = n["reminders_failed"]
        return _s(failed, "envoi en échec", "envois en échec") if failed else "aucun envoi en échec"
    if group == "notice":
        return "mise en demeure envoyée" if n["formal_notice"] else "pas de mise en demeure"
    if group == "portal":
        actions, visits = n["portal_actions"], round(math.expm1(v["portal_visits"]))
        if actions:
            return f"a répondu en ligne ({_s(actions, 'fois', 'fois')})"
        if visits:
            return f"a consulté son espace en ligne {_s(visits, 'fois', 'fois')}"
        return "n'a pas consulté son espace en ligne"
    if group == "insolvency":
        return "procédure collective" if n["insolvency"] else "aucune procédure collective"
    raise KeyError(group)


def _top_groups(params: Params, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's REASONS_SHOWN groups of largest effect (indexes into GROUPS), and the effects."""
    effects = group_effects(params, X)
    order = np.argsort(-np.abs(effects), axis=1)[:, :REASONS_SHOWN]
    return order, np.take_along_axis(effects, order, axis=1)


def _distinct_rows(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, axis=0, return_inverse=True)`` (in another order), quicker: each
    column coded by its distinct values, the codes of a row combined into one integer."""
    key = np.zeros(len(values), dtype=np.int64)
    span = 1
    for column in values.T:
        levels, codes = np.unique(column, return_inverse=True)
        span *= len(levels)
        if span >= 2**62:
            return np.unique(values, axis=0, return_inverse=True)
        key = key * len(levels) + codes.reshape(-1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return values[first], inverse


_HEADS = np.array(["+ ", "− ", "\n+ ", "\n− "], dtype=object)


def reasons(params: Params, X: np.ndarray, balance: np.ndarray) -> list[str]:
    """Each row's main reasons, one a line: « + a tenu 3 promesses sur 3 » raises the chance,
    « − facture contestée » lowers it; the largest effects first, at most REASONS_SHOWN.

    A phrase depends only on its group's values (the balance for the amount), and most rows
    share them: each group's phrase is written once per distinct set of values, then placed on
    every row that has it (200,000 dossiers: a few thousand phrases instead of 600,000)."""
    order, top = _top_groups(params, X)
    shown = np.abs(top) >= MIN_EFFECT
    # Below MIN_EFFECT a rank ends the row's reasons (the effects are sorted by size).
    shown &= np.cumprod(shown, axis=1).astype(bool)
    columns = {
        group: [i for i, f in enumerate(features.FEATURES) if f.group == group]
        for group in features.GROUPS
    }
    lines = np.full(order.shape, "", dtype=object)
    for g, group in enumerate(features.GROUPS):
        where = shown & (order == g)
        rows, ranks = np.nonzero(where)
        if not len(rows):
            continue
        if group == "amount":  # its phrase reads the balance (``_phrase``, in one pass)
            distinct, inverse = np.unique(balance[rows], return_inverse=True)
            phrases = [f"reste dû {text}" for text in euros_rounded(distinct.tolist())]
        else:
            names = [features.NAMES[i] for i in columns[group]]
            distinct, inverse = _distinct_rows(X[rows][:, columns[group]])
            phrases = [
                _phrase(group, dict(zip(names, values, strict=True)), 0.0)
                for values in distinct.tolist()
            ]
        # The sign, after a line break from the second reason on (the reasons shown come first).
        heads = _HEADS[(top[rows, ranks] <= 0) + 2 * (ranks > 0)]
        lines[rows, ranks] = heads + np.array(phrases, dtype=object)[inverse.reshape(-1)]
    return functools.reduce(operator.add, lines.T).tolist()


def reasons_by_row(params: Params, X: np.ndarray, balance: np.ndarray) -> list[str]:
    """``reasons`` row by row, each phrase written for its row: the reference the faster
    ``reasons`` is compared with (tests/scoring/test_scoring_db.py)."""
    effects = group_effects(params, X)
    order = np.argsort(-np.abs(effects), axis=1)[:, :REASONS_SHOWN]
    top = np.take_along_axis(effects, order, axis=1)
    rows, balances, names = X.tolist(), balance.tolist(), features.NAMES
    texts = []
    for row, groups in enumerate(order.tolist()):
        lines = []
        values = None
        for rank, g in enumerate(groups):
            effect = top[row, rank]
            if abs(effect) < MIN_EFFECT:
                break
            values = values or dict(zip(names, rows[row], strict=True))
            sign = "+" if effect > 0 else "−"
            lines.append(f"{sign} {_phrase(features.GROUPS[g], values, balances[row])}")
        texts.append("\n".join(lines))
    return texts
