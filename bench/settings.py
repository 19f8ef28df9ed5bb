"""Settings of ``make bench``: the local settings on a PostgreSQL database of its own.

``BENCH_DATABASE`` names the database (``rec_bench_<size>_run``...); the server is the one of
``make test`` (``BENCH_PG_URL``). Celery queues delivery on an in-memory broker and never runs
it in-process: the cadence run is measured, not the delivery of what it plans.
"""

import os

os.environ.setdefault("CELERY_BROKER_URL", "memory://localhost/")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
os.environ.setdefault("FAST_PASSWORD_HASHER", "true")
_PG = os.environ.get("BENCH_PG_URL", "postgres://postgres:postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{_PG}/{os.environ.get('BENCH_DATABASE', 'rec_bench')}"

from recouvrement.settings.local import *  # noqa: E402, F403

DEBUG = False  # no query log kept in memory: the bench counts queries itself
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
