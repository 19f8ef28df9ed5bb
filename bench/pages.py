"""The pages a person waits on, timed as served: Django's test client, the page's URL, a
logged-in session, through every middleware and the template; warm median and query count.

    python -m bench.pages                 # SIZE=10k,100k (default): seed, measure, print
    SIZE=1M python -m bench.pages         # 1,000,000 claims (200,000 dossiers)

or, from ``bench.run``, ``pages.measure_pages(database)`` on a seeded database (it adds the
users below, then runs ``python -m bench.pages serve DATABASE RUNS`` in a process of its own).

Users added to the seeded database (``prepare``): a controller holding one dossier in twenty
(5 %, picked by a hash of the id), and a manager in charge of every creditor (so of every
dossier). Pages:
- the KPI dashboard (``/pilotage/``, the manager, default filters);
- « Ma journée » of the controller and of the manager (``/ma-journee/``);
- a dossier page of the controller's (``/dossiers/<pk>/``), one with reminders sent.
Each page is called once (« first call », for information: the process's first request, the
compiled SQL, the calendar), then ``PAGE_RUNS`` times (default 7); the median counts. Its
queries are counted on a warm call. Targets at 1M claims (issue #25): ``TARGETS`` below.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE_RUNS = 7
# Served page, warm median, at 1M claims / 200k dossiers on the project's 2-core machine.
TARGETS_MS = {"dashboard": 100, "worklist_controller": 150, "worklist_manager": 300,
              "dossier": 120}  # fmt: skip
LABELS = {
    "dashboard": "KPI dashboard (manager, default filters)",
    "worklist_controller": "« Ma journée », controller (5 % of dossiers)",
    "worklist_manager": "« Ma journée », manager (every dossier)",
    "dossier": "dossier page (controller)",
}
CONTROLLER, MANAGER = "bench_charge", "bench_responsable"


def prepare() -> dict:
    """The two users and their scope, then the planner statistics (a fresh copy has none)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from accounts import roles
    from dossiers.models import Creditor, Dossier

    User = get_user_model()
    controller, _ = User.objects.get_or_create(username=CONTROLLER, defaults={"is_active": True})
    manager, _ = User.objects.get_or_create(username=MANAGER, defaults={"is_active": True})
    controller.groups.add(Group.objects.get_or_create(name=roles.CONTROLLER)[0])
    manager.groups.add(Group.objects.get_or_create(name=roles.MANAGER)[0])
    for creditor in Creditor.objects.all():
        creditor.managers.add(manager)
    with connection.cursor() as cursor:
        table = Dossier._meta.db_table
        # One dossier in twenty by a hash of its id, not ``id % 20 = 0``: the seed picks its
        # payments, promises, disputes and plans by residues of the id (``id % 10 IN (1, 4,
        # 7)``, ``id % 100 = 17``…), which a multiple of 20 never has — that controller held
        # none of them, and an empty « Ma journée » was timed.
        share = "(hashint8(id)::bigint & 2147483647) %% 20 = 0"
        cursor.execute(
            f"UPDATE {table} SET assigned_to_id = NULL WHERE assigned_to_id = %s AND NOT {share}",
            [controller.pk],
        )  # the seed assigns no one: a base prepared before keeps only this share
        cursor.execute(f"UPDATE {table} SET assigned_to_id = %s WHERE {share}", [controller.pk])
    # The seed writes by COPY (no signal): the daily refresh scores every open dossier.
    from journee import priority

    start = time.perf_counter()
    priority.refresh_all()
    refresh_seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {**users(), "priority_refresh_s": round(refresh_seconds, 2)}


def users() -> dict:
    """The two users of ``prepare`` and the controller's dossier the bench opens."""
    from django.contrib.auth import get_user_model

    from dossiers.models import Dossier

    User = get_user_model()
    controller = User.objects.get(username=CONTROLLER)
    dossier = (
        Dossier.objects.filter(assigned_to=controller, closed_on__isnull=True)
        .filter(reminders__status="sent")
        .order_by("pk")
        .first()
    )
    return {
        "controller": controller,
        "manager": User.objects.get(username=MANAGER),
        "dossier": dossier,
    }


def _time(client, url: str, runs: int) -> dict:
    from django.db import connection

    start = time.perf_counter()
    response = client.get(url)
    first = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    queries = []
    with connection.execute_wrapper(lambda execute, *args: queries.append(1) or execute(*args)):
        client.get(url)
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return {
        "url": url,
        "median_ms": round(1000 * statistics.median(seconds), 1),
        "all_ms": [round(1000 * s, 1) for s in seconds],
        "first_ms": round(1000 * first, 1),
        "queries": len(queries),
    }


def dashboard_parts(runs: int) -> dict:
    """The dashboard's queries one by one (default filters, every creditor), warm median in
    ms: where the page's time goes; ``claims_raw`` is the claims' figures read from the claims
    (what a controller or debtor-kind filter reads), ``claims_summary`` from the summary."""
    from dossiers.models import Creditor
    from pilotage import queries
    from pilotage.filters import make_filters

    # the bench's manager is in charge of every creditor (``BENCH_SCOPE=creditors``: named)
    creditors = None
    if os.environ.get("BENCH_SCOPE") == "creditors":
        creditors = Creditor.objects.values_list("pk", flat=True)
    f = make_filters(creditors=creditors)
    parts = {
        "claims_raw": lambda: queries._one_row(queries._claims_queryset, f),
        "claims_summary": lambda: queries._one_row(queries._summary_queryset, f),
        "dossiers": lambda: queries.dossiers_query(f),
        "payments": lambda: queries.payments_query(f),
        "reminders": lambda: queries.reminders_query(f),
        "arrangements": lambda: queries.arrangements_query(f),
        "team": lambda: queries.team_query(f),
        "bank": lambda: queries.bank_query(f),
    }
    out = {}
    for name, call in parts.items():
        call()
        seconds = []
        for _ in range(runs):
            start = time.perf_counter()
            call()
            seconds.append(time.perf_counter() - start)
        out[name] = round(1000 * statistics.median(seconds), 1)
    return out


def _setup(database: str) -> None:
    os.environ["BENCH_DATABASE"] = database
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


def serve(database: str, runs: int, prepared: bool = False) -> dict:
    """In this process: prepare the users (unless ``prepared``: ``python -m bench.pages
    prepare DATABASE`` did it before, outside the timed part), then time each page as
    served."""
    _setup(database)
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    # Persistent connections, as production's settings (CONN_MAX_AGE): no connect per page.
    connection.settings_dict["CONN_MAX_AGE"] = 60
    who = users() if prepared else prepare()
    out = {"load_before": os.getloadavg()[0], "priority_refresh_s": who.get("priority_refresh_s")}
    manager, controller = Client(), Client()
    manager.force_login(who["manager"])
    controller.force_login(who["controller"])
    worklist = reverse("journee:worklist")
    out["dashboard"] = _time(manager, reverse("pilotage:dashboard"), runs)
    out["worklist_controller"] = _time(controller, worklist, runs)
    out["worklist_manager"] = _time(manager, worklist, runs)
    if who["dossier"] is not None:
        url = reverse("journee:dossier", args=[who["dossier"].pk])
        out["dossier"] = _time(controller, url, runs)
    out["dashboard_parts_ms"] = dashboard_parts(runs)
    out["load_after"] = os.getloadavg()[0]
    return out


def measure_pages(database: str, runs: int | None = None) -> dict:
    """Time the pages on ``database`` (seeded by ``bench.seed``) in a process of its own."""
    runs = runs or int(os.environ.get("PAGE_RUNS", PAGE_RUNS))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.pages", "serve", database, str(runs)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        return {"status": "error", "error": proc.stderr.strip().splitlines()[-5:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(results: dict[str, dict]) -> str:
    """Markdown rows, one per page and size (each size of this run)."""
    lines = [
        "| page | size | URL | warm median | first call | queries | target at 1M |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, result in results.items():
        for key, name in LABELS.items():
            page = result.get(key)
            if not page:
                continue
            target = TARGETS_MS[key]
            ok = "" if label != "1M" else (" ✅" if page["median_ms"] <= target else " ❌")
            lines.append(
                f"| {name} | {label} | `{page['url']}` | {page['median_ms']:.0f} ms | "
                f"{page['first_ms']:.0f} ms | {page['queries']} | ≤ {target} ms{ok} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    from bench import db, seed
    from bench.run import TEMPLATE, log, migrated_template, parse_size

    sizes = [s.strip() for s in os.environ.get("SIZE", "10k,100k").split(",") if s.strip()]
    migrated_template()
    results = {}
    for label in sizes:
        base = f"{db.PREFIX}pages_{label}"
        db.create(base, template=TEMPLATE)
        t = time.perf_counter()
        counts = seed.seed(base, parse_size(label))
        log(f"pages {label}: seeded {counts} in {time.perf_counter() - t:.1f} s")
        results[label] = measure_pages(base)
        log(f"pages {label}: {json.dumps(results[label])}")
        if os.environ.get("BENCH_KEEP") != "1":
            db.drop(base)
    db.drop(TEMPLATE)
    print(table(results))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "pages.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        # ``serve DATABASE RUNS [prepared]``: the timed part alone (``flock`` it on a shared
        # machine) once ``prepare DATABASE`` has run.
        print(json.dumps(serve(sys.argv[2], int(sys.argv[3]), sys.argv[4:5] == ["prepared"])))
    elif sys.argv[1:2] == ["prepare"]:
        _setup(sys.argv[2])
        print(json.dumps({"priority_refresh_s": prepare()["priority_refresh_s"]}))
    else:
        main()
