"""One measure in a process of its own (so that its peak memory is its own), printed as JSON.

    python -m bench.measure cadence|cadence_floor|dashboard|dashboard_floor|purge|purge_floor
        |letters|letters_floor|imports|imports_floor DATABASE [options]

Each prints {"seconds": ..., "peak_rss_mb": ..., "base_rss_mb": ..., ...} on its last line;
``base_rss_mb`` is the process before the measured work (interpreter, Django, imports).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from datetime import date


def _rss_mb() -> float:
    """Peak RSS of this process (VmHWM: not inherited from the parent across exec, unlike
    ru_maxrss) or of the largest worker process it waited for (letters)."""
    peak_kb = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                peak_kb = int(line.split()[1])
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(peak_kb, children) / 1024, 1)


def _django(database: str):
    os.environ["BENCH_DATABASE"] = database
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def cadence(database: str, on: date) -> dict:
    _django(database)
    from django.db import connection

    from relances.services import run_cadence

    counter = QueryCounter()
    base = _rss_mb()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        report = run_cadence(on=on)
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "examined": report.examined,
        "reminders": report.reminders,
        "fired": report.counts.get("fire", 0),
        "queries": counter.count,
        "base_rss_mb": base,
    }


def cadence_floor(database: str, on: date) -> dict:
    _django(database)  # the calendar (holidays) only; the floor speaks SQL through psycopg
    from bench import cadence_floor as floor
    from bench import db

    base = _rss_mb()
    with db.connect(database) as conn:
        start = time.perf_counter()
        result = floor.run(conn, on)
        result["seconds"] = time.perf_counter() - start
    result["base_rss_mb"] = base
    return result


def fingerprint(database: str) -> dict:
    from bench import cadence_floor as floor
    from bench import db

    with db.connect(database) as conn:
        return floor.fingerprint(conn)


def main(argv: list[str]) -> None:
    kind, database, *rest = argv
    if kind in ("cadence", "cadence_floor"):
        result = globals()[kind](database, date.fromisoformat(rest[0]))
    elif kind == "fingerprint":
        result = fingerprint(database)
    elif kind in ("imports", "imports_floor"):
        from bench import imports

        result = (imports.product if kind == "imports" else imports.floor)(database, *rest)
    else:
        from bench import others

        result = getattr(others, kind)(database, *rest)
    result["peak_rss_mb"] = _rss_mb()
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
