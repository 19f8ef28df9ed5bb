"""What the bench's tests share: PostgreSQL only, and databases of their own."""

import os

import pytest

from bench import db, run

on_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the bench seeds PostgreSQL databases",
)


@pytest.fixture
def test_template(monkeypatch) -> str:
    """The bench's databases named ``rec_test_seed_…``, copied from a template of the tests'
    own (migrated once, then reused while the migrations are unchanged:
    ``run.migrated_template``), never a bench's — in this process and in the measures' own
    processes (``BENCH_PREFIX``). Returns the prefix."""
    monkeypatch.setattr(db, "PREFIX", "rec_test_seed_")
    monkeypatch.setattr(run, "TEMPLATE", "rec_test_seed_template")
    monkeypatch.setenv("BENCH_PREFIX", "rec_test_seed_")
    run.migrated_template(reuse=True)
    return "rec_test_seed_"
