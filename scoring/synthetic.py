"""A generated history of dossiers, as the arrays ``features.load`` reads (``features.History``):
for the tests (a planted effect, pure noise), the benchmark (written to PostgreSQL by COPY) and
the demo, whose forty dossiers are far too few to learn from (its model says so: « historique
synthétique de démonstration »).

Each dossier opens on a day of the last ``days`` days with a few invoices due shortly before.
``effect="promises"``: half the debtors are good payers, who keep the promises they make in
their first days and pay within weeks; the others break theirs and pay after months, or never
(written off after ``WRITE_OFF_DAYS``). ``effect="none"``: the same rows, every outcome drawn
independently of every fact (pure noise, a memoryless delay: not even the age tells anything).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from scoring import features, sectors

WRITE_OFF_DAYS = 300


def generate(
    *,
    dossiers: int,
    today: date,
    effect: str = "promises",
    claims_per_dossier: int = 5,
    days: int = 420,
    bad_share: float = 0.5,
    seed: int = 0,
) -> tuple[features.History, dict[str, np.ndarray]]:
    """The history, and the raw draws (``good``, ``pay_day``) for writers and tests."""
    rng = np.random.default_rng(seed)
    n, t0 = dossiers, today.toordinal()
    opened = t0 - rng.integers(1, days, size=n)
    good = rng.random(n) >= bad_share
    if effect == "promises":
        delay = np.where(good, 6 + rng.exponential(15, n), 6 + rng.exponential(250, n))
    elif effect == "none":
        delay = rng.exponential(60, n)  # memoryless from the first day
    else:
        raise ValueError(effect)
    pay_day = opened + np.ceil(delay).astype(np.int64)
    paid = (pay_day < t0) & (pay_day <= opened + WRITE_OFF_DAYS)
    # Pure noise writes nothing off: a deadline would itself tell something (the age).
    written_off = ~paid & (opened + WRITE_OFF_DAYS < t0) & (effect != "none")
    if effect == "none":
        paid = pay_day < t0
    closed = np.where(paid, pay_day, np.where(written_off, opened + WRITE_OFF_DAYS, features.NEVER))
    kind = rng.choice(np.array([0, 1, 2], dtype=np.int8), size=n, p=[0.8, 0.15, 0.05])
    sector = np.where(kind == 0, rng.integers(0, len(sectors.LETTERS), size=n), -1).astype(np.int8)
    ids = np.arange(1, n + 1, dtype=np.int64)

    # Invoices: due up to a month before the opening, issued 30 days before their due date.
    k = claims_per_dossier
    c_d = np.repeat(np.arange(n), k)
    due = np.repeat(opened, k) - rng.integers(0, 30, size=n * k)
    amount = np.round(rng.lognormal(np.log(600), 1.0, size=n * k), 2)
    total = np.bincount(c_d, weights=amount, minlength=n)
    # One payment of the whole balance on the day it is paid.
    p_d = np.flatnonzero(paid)
    # Promises made on day 1, settled on day 4 (before any payment: the delay is at least 6).
    if effect == "promises":
        promises = np.where(good, 1 + rng.poisson(1.0, n), 1 + rng.poisson(1.0, n))
        kept_p = np.where(good, 0.95, 0.05)
    else:
        promises = 1 + rng.poisson(1.0, n)
        kept_p = np.full(n, 0.5)
    pr_d = np.repeat(np.arange(n), promises)
    pr_status = np.where(rng.random(len(pr_d)) < kept_p[pr_d], 1, 2).astype(np.int8)
    # Noise on every other channel: calls, visits, a dispute now and then.
    calls = rng.poisson(1.0, n)
    ca_d = np.repeat(np.arange(n), calls)
    visits = rng.poisson(0.7, n)
    po_d = np.repeat(np.arange(n), visits)
    disputed = np.flatnonzero(rng.random(n) < 0.05)
    # The cadence's reminders at R+7, R+15, R+30, R+45 while the dossier is open.
    offsets = np.array([7, 15, 30, 45])
    re_d = np.repeat(np.arange(n), len(offsets))
    re_day = opened[re_d] + np.tile(offsets, n)
    keep = re_day < np.minimum(closed[re_d], t0)
    re_d, re_day = re_d[keep], re_day[keep]

    never = lambda size: np.full(size, features.NEVER, dtype=np.int64)  # noqa: E731
    history = features.History(
        ids=ids,
        pair=ids,  # one debtor per dossier
        opened=opened,
        closed=closed,
        ended_paid=paid,
        ended_unpaid=written_off,
        kind=kind,
        sector=sector,
        insolvency=never(n),
        notice=np.where(closed > opened + 45, opened + 45, features.NEVER),
        events={
            "claims": {
                "d": c_d,
                "issue": due - 30,
                "due": due,
                "amount": amount,
                "cancelled": never(n * k),
            },
            "payments": {
                "d": p_d,
                "day": pay_day[p_d],
                "amount": total[p_d],
                "is_payment": np.ones(len(p_d), dtype=bool),
                "reversed": never(len(p_d)),
            },
            "promises": {
                "d": pr_d,
                "made": opened[pr_d] + 1,
                "settled": opened[pr_d] + 4,
                "status": pr_status,
            },
            "plans": {"d": np.zeros(0, np.int64), "accepted": never(0), "ended": never(0)},
            "missed": {"d": np.zeros(0, np.int64), "day": never(0)},
            "disputes": {
                "d": disputed,
                "opened": opened[disputed] + 2,
                "resolved": opened[disputed] + 2 + rng.integers(5, 60, len(disputed)),
            },
            "calls": {
                "d": ca_d,
                "day": opened[ca_d] + rng.integers(10, 60, len(ca_d)),
                "reached": rng.random(len(ca_d)) < 0.5,
            },
            "reminders": {"d": re_d, "day": re_day, "sent": np.ones(len(re_d), dtype=bool)},
            "portal": {
                "d": po_d,
                "day": opened[po_d] + rng.integers(3, 90, len(po_d)),
                "view": np.ones(len(po_d), dtype=bool),
                "action": np.zeros(len(po_d), dtype=bool),
            },
        },
        first_day=int(due.min()),
    )
    return history, {"good": good, "pay_day": pay_day, "amount": amount, "total": total}
