"""The daily run's floor (bench/cadence_floor.py) leaves the rows the product's run leaves, « Ma
journée »'s stored priority included (issue #25: a floor does the same work as the product;
until 03/12/2026 it wrote no priority and the « same rows » check did not read it)."""

import os

from bench import db, run, seed
from tests.bench.conftest import on_postgresql

CLAIMS = 5_000
DAY = "2026-11-24"  # the bench's day of the run


def _priorities(name: str) -> tuple[int, int]:
    with db.connect(name) as conn:
        return conn.execute(
            "SELECT count(*) FILTER (WHERE priority <> 0), count(*) FILTER (WHERE attention) "
            "FROM dossiers_dossier"
        ).fetchone()


@on_postgresql
def test_the_floor_leaves_the_products_rows_and_priorities(test_template):
    base, product, floor = (f"rec_test_seed_cad{kind}_{os.getpid()}" for kind in "bpf")
    try:
        db.create(base, template=run.TEMPLATE)
        counts = seed.seed(base, CLAIMS)
        assert counts["due"] > 0
        db.create(product, template=base)
        db.create(floor, template=base)
        assert _priorities(base) == (0, 0)  # the seed scores no dossier

        done = run.measure("cadence", product, DAY)
        bare = run.measure("cadence_floor", floor, DAY)
        assert done["examined"] == bare["examined"] == counts["due"]

        # The run re-scored the dossiers it moved, and so did the floor: the same priorities.
        scored = _priorities(product)
        assert scored[0] > 0 and scored[1] > 0
        assert _priorities(floor) == scored
        assert run._fingerprint(floor) == run._fingerprint(product)

        # The check reads the priority: one changed on the floor's side is « rows differ ».
        with db.connect(floor) as conn:
            conn.execute(
                "UPDATE dossiers_dossier SET priority = priority + 1 "
                "WHERE id = (SELECT min(id) FROM dossiers_dossier WHERE priority <> 0)"
            )
        assert run._fingerprint(floor)["dossiers"] != run._fingerprint(product)["dossiers"]
    finally:
        for name in (product, floor, base):
            db.drop(name)
