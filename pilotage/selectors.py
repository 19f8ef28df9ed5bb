"""The managers' dashboard as the views, the tests and the benchmark ask for it:
``dashboard_data(**filters)``, every KPI of docs/kpi.md in seven queries.

It only composes the subjects split into their own modules: the filters (``filters``), the SQL
(``queries``), the KPI maths (``kpis``) and what the page and the exports show
(``presentation``). It stays the public entry point, the one the README and docs/kpi.md name.
"""

from __future__ import annotations

from pilotage import kpis, presentation, queries
from pilotage.filters import make_filters
from pilotage.presentation import Dashboard


def dashboard_data(**filters) -> Dashboard:
    """Every figure of the dashboard, in 7 queries.

    Filters (all optional, keyword-only): ``creditor`` and ``controller`` (instances or ids),
    ``start`` and ``end`` (or ``period=(start, end)``; default the last 12 months),
    ``debtor_kind`` (``Debtor.Kind``), ``today`` (default: the local date); or ``filters``, a
    ready ``Filters``.
    """
    f = filters.pop("filters", None) or make_filters(**filters)
    claims = queries.claims_query(f)
    payments = queries.payments_query(f)
    reminders = queries.reminders_query(f)
    costs = queries.arrangements_query(f)
    team = queries.team_query(f)
    bank = queries.bank_query(f)
    numbers = kpis.compute(f, claims, payments, reminders, costs, team)
    numbers.figures.update(kpis.bank_figures(f, bank))
    return Dashboard(
        filters=f,
        figures=numbers.figures,
        tables=presentation.tables(f, numbers, costs),
        controllers=team,
        costs=costs,
        rates_missing=queries.rates_missing(costs, f.today),
    )
