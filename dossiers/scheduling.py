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
_planner: Planner | None = None

# Sent inside the transaction when a dossier leaves the cadence for a side or closed state:
# planned reminders must not go out. Arguments: dossier, actor, reason.
cadence_stopped = Signal()


def register_planner(planner: Planner) -> None:
    global _planner
    _planner = planner


def next_action_at(dossier, *, on: date) -> date | None:
    """When the dossier next needs the daily run, per the registered planner (None if none)."""
    if _planner is None or dossier.is_closed:
        return None
    return _planner(dossier, on=on)
