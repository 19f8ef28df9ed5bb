"""The seam between a dossier and the cadence that plans it.

``dossiers`` knows nothing of cadence policies (they live in ``relances``, above it in the
layering, which ``dossiers`` may not import). The cadence app registers a planner at
start-up; dossier services ask it for the next action date every time they change a dossier,
so ``next_action_at`` is always current.
"""

from collections.abc import Callable
from datetime import date

from django.dispatch import Signal

Planner = Callable[..., date | None]
BatchPlanner = Callable[..., dict]
_planner: Planner | None = None
_batch_planner: BatchPlanner | None = None

# Sent inside the transaction when a dossier leaves the cadence for a side or closed state:
# planned reminders must not go out. Arguments: dossier, actor, reason.
cadence_stopped = Signal()

# ``cadence_stopped`` for many dossiers at once (a bank statement's payments): each receiver does
# for all of them, in a few statements, what it does for one. Arguments: dossiers, actor, reason.
cadences_stopped = Signal()

# Sent inside the transaction when dossiers open, before they are planned: an app above may give
# each its own cadence (``experiences`` draws a cadence experiment's variant). Arguments:
# creditor_id, dossier_ids, actor, on.
dossiers_opened = Signal()


def register_planner(planner: Planner, batch: BatchPlanner | None = None) -> None:
    """``planner(dossier, on=)``; ``batch(dossiers, on=, accessories=)``, when given, plans many
    dossiers in a few set-based reads (``{pk: date or None}``), as the daily run does
    (``accessories``: the remaining accessories the caller already computed, or None)."""
    global _planner, _batch_planner
    _planner = planner
    _batch_planner = batch


def next_action_at(dossier, *, on: date) -> date | None:
    """When the dossier next needs the daily run, per the registered planner (None if none)."""
    if _planner is None or dossier.is_closed:
        return None
    return _planner(dossier, on=on)


def next_action_dates(
    dossiers: list, *, on: date, accessories: dict | None = None
) -> dict[int, date | None]:
    """``next_action_at`` of many open dossiers (their debtor loaded): one batch of reads.
    ``accessories``: {dossier id: what is left of its accessories at ``on``}, for dossiers in
    « Accessoires dus » whose figures the caller has just computed (the planner reads them
    instead of computing them again)."""
    if _planner is None:
        return {d.pk: None for d in dossiers}
    if _batch_planner is None:
        return {d.pk: next_action_at(d, on=on) for d in dossiers}
    opened = [d for d in dossiers if not d.is_closed]
    return _batch_planner(opened, on=on, accessories=accessories) | {
        d.pk: None for d in dossiers if d.is_closed
    }
