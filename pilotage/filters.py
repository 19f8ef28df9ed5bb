"""The dashboard's filters: the period, creditor, controller and debtor kind a manager picks,
read once into a frozen ``Filters`` that every query narrows by (``Filters.scope``).

Apart from the queries because the filter form (``pilotage.forms``) needs the defaults and the
limits without the SQL, and because a ``Filters`` is hashable: it keys the compiled-SQL cache of
``pilotage.queries``, so everything a query depends on must be in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone

from legal.calendar import add_months

# House choices of docs/kpi.md (not rules of law).
DEFAULT_PERIOD_MONTHS = 12
MAX_PERIOD_MONTHS = 36


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    today: date
    creditor: int | None = None
    controller: int | None = None
    debtor_kind: str | None = None
    # The creditors the manager is in charge of (``dossiers.scoping``); None: every creditor.
    creditors: tuple[int, ...] | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def scope(self, prefix: str = "", *, controller: bool = True) -> Q:
        """The dossier filters, seen from a model reaching the dossier through ``prefix``."""
        q = Q()
        if self.creditors:
            q &= Q(**{f"{prefix}creditor_id__in": self.creditors})
        elif self.creditors is not None:  # in charge of no creditor: nothing (an empty IN
            q &= Q(**{f"{prefix}creditor_id__isnull": True})  # would not compile to SQL)
        if self.creditor:
            q &= Q(**{f"{prefix}creditor_id": self.creditor})
        if self.controller and controller:
            q &= Q(**{f"{prefix}assigned_to_id": self.controller})
        if self.debtor_kind:
            q &= Q(**{f"{prefix}debtor__kind": self.debtor_kind})
        return q

    def period(self, name: str) -> Q:
        return Q(**{f"{name}__gte": self.start, f"{name}__lte": self.end})


def default_period(today: date) -> tuple[date, date]:
    """The last twelve calendar months, the current one included."""
    return add_months(today.replace(day=1), 1 - DEFAULT_PERIOD_MONTHS), today


def make_filters(
    *,
    period: tuple[date, date] | None = None,
    creditor=None,
    controller=None,
    start: date | None = None,
    end: date | None = None,
    debtor_kind: str | None = None,
    today: date | None = None,
    creditors=None,
) -> Filters:
    today = today or timezone.localdate()
    if period is not None:
        start, end = period
    default_start, default_end = default_period(today)
    return Filters(
        start=start or default_start,
        end=end or default_end,
        today=today,
        creditor=getattr(creditor, "pk", creditor) or None,
        controller=getattr(controller, "pk", controller) or None,
        debtor_kind=debtor_kind or None,
        creditors=None if creditors is None else tuple(sorted(creditors)),
    )
