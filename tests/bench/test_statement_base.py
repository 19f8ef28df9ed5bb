"""The bank statement's base seeded directly as creditor 1's book (bench/run.py,
``statements.prepare_seeded``) gives the statement section the results of the copy it replaced
(``statements.prepare_copy``: the size's base copied, every dossier and invoice moved to
creditor 1, the summaries computed again): the same rows, the same statement, the same
decisions, the same lines certain / proposed / unmatched and the same postings (issue #25)."""

import os
from pathlib import Path

from psycopg import sql

from bench import db, run, seed, statements
from tests.bench.conftest import on_postgresql

CLAIMS = 10_000


def _summaries(name: str) -> dict:
    """Every summary table of the dashboard (pilotage), its rows as text, ids aside."""
    out = {}
    with db.connect(name) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE tablename LIKE 'pilotage%%' ORDER BY 1"
        ).fetchall()
        for (table,) in tables:
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg((to_jsonb(t) - 'id')::text, '|' "
                "ORDER BY (to_jsonb(t) - 'id')::text), '')) FROM {} t"
            ).format(sql.Identifier(table))
            out[table] = conn.execute(query).fetchone()
    return out


def _section(base: str, prepared: dict) -> dict:
    """The statement section on a prepared base: what its table and checks report."""
    out = statements.bench_statements(base, CLAIMS, prepared_before=prepared)
    assert out.get("status") != "error", out
    return {
        "decisions": (out["match"]["lines"], out["match_floor"]["lines"], out["match_same"]),
        "counts": (out["product"]["summary"], out["floor"]["summary"]),
        "posted": (
            {
                side: {
                    key: prints.get(key) for key in ("lines", "payments", "allocations", "balances")
                }
                for side, prints in out["fingerprints"].items()
            },
            out["same_result"],
        ),
    }


@on_postgresql
def test_the_seeded_statement_base_gives_the_copys_results(test_template):
    copied, seeded = (f"rec_test_seed_stmt{kind}_{os.getpid()}" for kind in ("c", "s"))
    names = [copied, f"{copied}_stmt", seeded, f"{seeded}_stmt"]
    try:
        db.create(copied, template=run.TEMPLATE)
        seed.seed(copied, CLAIMS)
        before = statements.prepare_copy(copied, CLAIMS)
        after = statements.prepare_seeded(seeded, CLAIMS)
        assert before["moved"] and not after["moved"]  # the copy moved its rows, not the seed
        # The same rows, summaries and statement before any import...
        assert seed.fingerprint(f"{seeded}_stmt") == seed.fingerprint(f"{copied}_stmt")
        assert _summaries(f"{seeded}_stmt") == _summaries(f"{copied}_stmt")
        for key in ("path", "post_path"):
            assert Path(after[key]).read_bytes() == Path(before[key]).read_bytes()
        for key in ("lines", "shares", "known_ibans", "post_lines"):
            assert after[key] == before[key]
        # ...and the section's results: decisions, lines by status, postings, checks.
        result = _section(seeded, after)
        assert result == _section(copied, before)
        assert result["decisions"][2] and result["posted"][1]  # « same » both times
        summary, _ = result["counts"]
        assert summary.get("posted") and summary.get("proposed") and summary.get("unmatched")
    finally:
        for name in names:
            db.drop(name)
