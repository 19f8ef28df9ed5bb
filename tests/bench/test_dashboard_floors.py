"""The dashboard's two floors (issue #25, item 3): the aggregate SQL on the base tables and the
read of the summary tables each give the page's very figures (« same result »), checked on the
small portfolio whose KPIs ``tests/pilotage/test_kpis.py`` computes by hand; a floor that reads
other figures is shown as such in the table. PostgreSQL only (the floors' SQL)."""

import pytest
import time_machine
from django.db import connection

from bench import others
from bench.table import markdown
from tests.pilotage import dataset
from tests.pilotage.dataset import TODAY


def _floor_figures(statements: list[str]) -> dict:
    params = others._dashboard_params(TODAY)
    rows = []
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)
            rows.append(cursor.fetchall())
    return others._figures(rows)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the floors speak PostgreSQL")
def test_both_floors_read_the_pages_figures(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(dataset.at(TODAY, 10), tick=False):
        dataset.build()
        product = others.product_figures(TODAY)
    # Something to compare: claims, dossiers, payments, sent reminders, calls, a team.
    assert product["claims"]["open_total"] != "0.00" and product["payments"]
    assert product["reminders"] and product["team"] and product["arrangements"]["calls"]
    assert any(key.endswith("|") for key in product["reminders"])  # payments by last level
    for statements in (others.DASHBOARD_SQL, others.SUMMARY_SQL):
        floor = _floor_figures(statements)
        assert others.differences(product, floor) == []
        assert floor == product


def test_same_result_flags_each_floor_and_names_what_differs():
    figures = {"claims": {"open_total": "10.00"}, "team": {"alice": [1, 0, 0, 0, 0, "5.00"]}}
    wrong = {"claims": {"open_total": "12.00"}, "team": figures["team"]}
    sides = {
        "dashboard": {"seconds": 0.1, "figures": figures},
        "dashboard_floor": {"seconds": 0.05, "figures": wrong},
        "dashboard_summary_floor": {"seconds": 0.01, "figures": dict(figures)},
    }
    others.same_result(sides)
    assert sides["dashboard_floor"]["same_result"] is False
    assert sides["dashboard_floor"]["differences"] == ["claims open_total: 10.00 / 12.00"]
    assert sides["dashboard_summary_floor"]["same_result"] is True
    assert "figures" not in sides["dashboard"]  # only digests stay in the JSON


def test_the_table_shows_both_floors_with_their_check():
    now = "2026-12-03T15:00:00+00:00"
    size = {
        "run": now,
        "cadence": {"seconds": 1.0, "examined": 10, "queries": 10},
        "cadence_floor": {"seconds": 0.5, "examined": 10, "queries": 10},
        "cadence_same_result": True,
        "dashboard": {"seconds": 0.08, "queries": 7},
        "dashboard_floor": {"seconds": 0.2, "queries": 6, "same_result": True},
        "dashboard_summary_floor": {"seconds": 0.016, "queries": 6, "same_result": False},
        "total_seconds": 10,
        "seed_seconds": 1,
    }
    report = {"date": now, "on": "2026-11-24", "cpus": 2, "total_seconds": 10,
              "targets": {"cadence": 3.0, "per_dossier_growth": 1.3, "dashboard": 2.0},
              "sizes": {"10k": size}}  # fmt: skip
    rows = [line for line in markdown(report).splitlines() if line.startswith("| KPI dashboard")]
    aggregate = next(row for row in rows if "floor: aggregate SQL" in row)
    summary = next(row for row in rows if "floor: summary tables" in row)
    assert "same result" in aggregate and "0.4× (≤ 2.0×)" in aggregate
    assert aggregate.endswith("✅ |")
    assert "**results differ**" in summary and "5.0× (≤ 2.0×)" in summary
    assert summary.endswith("❌ |")
