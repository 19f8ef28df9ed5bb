"""The seam between a dossier and the cadence that plans it.

``dossiers`` knows nothing of cadence policies (they live in ``relances``, which sits below it in
the layering). The cadence app registers a planner at start-up; dossier services ask it for the
next action date every time they change a dossier, so ``next_action_at`` is always current.
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


# The formal notice's date, when the cadence knows one: legal interest runs from it (C. civ.
# 1231-6). ``dossiers`` cannot read reminders; the cadence app may register a factory returning
# a query expression evaluated on ``Claim`` rows (e.g. a ``Subquery`` on the dossier's sent
# formal notice, ``OuterRef("dossier_id")``), annotated as ``formal_notice_on``.
_formal_notice_expression: Callable[[], object] | None = None


def register_formal_notice_date(factory: Callable[[], object] | None) -> None:
    global _formal_notice_expression
    _formal_notice_expression = factory


def formal_notice_date_expression():
    """The registered expression for a claim's formal-notice date, or None (none known)."""
    return _formal_notice_expression() if _formal_notice_expression is not None else None
