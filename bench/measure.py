"""One measure in a process of its own (so that its peak memory is its own), printed as JSON.

    python -m bench.measure cadence|cadence_floor|cadence_spread|dashboard|dashboard_floor
        |purge|purge_floor|letters|letters_floor|imports|imports_floor DATABASE [options]

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

    _warm_calendar(on)
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


def _warm_calendar(on: date) -> None:
    """Work outside the timer on both sides: the product's calendar (holidays of the years
    around the day, per region) built before the run, as the floor's calendar table is; and
    every app's Celery tasks imported, as a worker does when it starts (the run queues its
    deliveries by name: the first ``queue`` of a bare process imported them, ~1 s of WeasyPrint
    and the rest, inside the timer)."""
    from bench.cadence_floor import calendar_rows
    from recouvrement.celery import app

    for _row in calendar_rows(on):
        pass
    app.loader.import_default_modules()
    # A worker's app is finalized at start-up (its tasks bound): the first ``app.tasks`` of a
    # bare process did it inside the timer (~0.1 s of the 0.27 s measured at 10k).
    app.finalize(auto=True)


def _shard_worker(tasks, done) -> None:
    """One worker process (as a Celery prefork child): takes shards until none is left."""
    from django.db import connections

    from relances.services import cadence_shard_run

    connections.close_all()  # its own connection, never the parent's
    while True:
        shard_id = tasks.get()
        if shard_id is None:
            break
        cadence_shard_run(shard_id=shard_id, worker=f"bench:{os.getpid()}")
    connections.close_all()
    done.put(os.getpid())


def cadence_spread(database: str, on: date, workers: str = "2", shard_size: str = "") -> dict:
    """The daily run spread: ``run_cadence_spread`` records the run and its shards, then
    ``workers`` worker processes (forked once Django is loaded, as Celery's prefork pool does)
    take the shards from a queue (the broker's stand-in) and run them; timed from the split to
    the last shard gathered."""
    _django(database)
    from multiprocessing import get_context

    from django.conf import settings
    from django.db import connections

    from relances import services
    from relances.models import CadenceRun

    _warm_calendar(on)
    ctx = get_context("fork")
    tasks, done = ctx.Queue(), ctx.Queue()
    count = int(workers)
    connections.close_all()
    pool = [ctx.Process(target=_shard_worker, args=(tasks, done)) for _ in range(count)]
    for proc in pool:
        proc.start()
    queued: list[int] = []
    services._queue_shards = queued.extend  # the broker: the shards go to the workers' queue
    base = _rss_mb()
    start = time.perf_counter()
    run = services.run_cadence_spread(
        on=on, shard_size=int(shard_size or settings.CADENCE_SHARD_SIZE)
    )
    for pk in queued:
        tasks.put(pk)
    for _ in pool:
        tasks.put(None)
    for _ in pool:
        done.get()
    seconds = time.perf_counter() - start
    for proc in pool:
        proc.join()
    run = CadenceRun.objects.get(pk=run.pk)
    return {
        "seconds": seconds,
        "workers": count,
        "shards": run.shard_count,
        "examined": run.examined,
        "reminders": run.reminders,
        "status": run.status,
        "base_rss_mb": base,
    }


def cadence_floor(database: str, on: date) -> dict:
    _django(database)  # the calendar (holidays) only; the floor speaks SQL through psycopg
    from bench import cadence_floor as floor
    from bench import db

    base = _rss_mb()
    score = floor.score_statement()  # compiled before the timer (the product's is inside)
    with db.connect(database) as conn:
        floor.prepare(conn, on)
        start = time.perf_counter()
        result = floor.run(conn, on, score)
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
    if kind in ("cadence", "cadence_floor", "cadence_spread"):
        result = globals()[kind](database, date.fromisoformat(rest[0]), *rest[1:])
    elif kind == "fingerprint":
        result = fingerprint(database)
    elif kind.startswith("statements"):
        from bench import statements

        call = {"statements": statements.product, "statements_floor": statements.floor,
                "statements_match": statements.product_matching,
                "statements_match_floor": statements.floor_matching,
                "statements_prepare": statements.prepare,
                "statements_fingerprint": statements.fingerprint}[kind]  # fmt: skip
        result = call(database, *[int(a) if a.isdigit() else a for a in rest])
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
