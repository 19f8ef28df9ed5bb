"""The bench's table never mixes runs (issue #25, item 3): every row names its run, rows kept
from an earlier run say « not run this time », and the cost per due dossier compares sizes of
this run only."""

from bench.table import markdown

NOW, BEFORE = "2026-12-03T05:00:00+00:00", "2026-11-23T15:41:08+00:00"
TARGETS = {"cadence": 3.0, "per_dossier_growth": 1.3, "letters": 1.2, "letters_scaling": 1.7,
           "dashboard": 2.0, "purge": 3.0, "imports": 3.0, "spread_scaling": 1.7}  # fmt: skip


def _size(run, seconds, examined, spread=None):
    size = {
        "run": run,
        "cadence": {"seconds": seconds, "examined": examined, "queries": 10},
        "cadence_floor": {"seconds": seconds / 2, "examined": examined, "queries": 17},
        "cadence_same_result": True,
        "cadence_ms_per_dossier": 1000 * seconds / examined,
        "floor_ms_per_dossier": 500 * seconds / examined,
        "dashboard": {"seconds": 0.1},
        "dashboard_floor": {"seconds": 0.05},
        "total_seconds": 10,
        "seed_seconds": 1,
    }
    if spread:
        size.update(spread)
    return size


def test_rows_name_their_run_and_earlier_ones_are_marked():
    spread = {
        "spread_1": {"seconds": 4.0, "shards": 8},
        "spread_2": {"seconds": 2.2, "shards": 8},
        "spread_same_result": True,
        "shard_size": 2518,
    }
    report = {
        "date": NOW,
        "on": "2026-11-24",
        "cpus": 2,
        "targets": TARGETS,
        "total_seconds": 100,
        "load_before": [1.0, 1.2, 1.1],
        "load_after": [2.0, 1.5, 1.2],
        "sizes": {
            "10k": _size(BEFORE, 0.14, 199),
            "100k": _size(NOW, 0.6, 2041),
            "1M": _size(NOW, 4.0, 20138, spread),
        },
    }
    table = markdown(report)
    rows = [line for line in table.splitlines() if line.startswith("| daily cadence run (")]
    assert f"{BEFORE}: **not run this time**" in rows[0]
    assert "| this run |" in rows[1] and "| this run |" in rows[2]
    per_dossier = [line for line in table.splitlines() if "cost per due dossier" in line]
    # Compared within this run: 100k is the first size of this run, 10k (earlier) left out.
    assert len(per_dossier) == 2 and "1.00× of 100k" in per_dossier[0]
    spread_row = next(line for line in table.splitlines() if "spread over worker" in line)
    assert "1.82× faster (≥ 1.7× at 1M)" in spread_row and spread_row.endswith("✅ |")
    assert "same rows as the single run" in spread_row
    assert "Machine load (1, 5, 15 min) before: 1.0, 1.2, 1.1" in table
    assert "10k:" not in table.split("Time per size")[1].splitlines()[0]


def test_payment_probability_rows_judge_the_targets_at_1m_only():
    """Issue #26, item 4: training < 5 min and scoring 200k open dossiers < 60 s, judged at 1M;
    a smaller size shows its figures (and scoring's pace per 200,000) without a verdict."""

    def scoring(run, train_s, score_s, scored):
        return {
            "run": run,
            "counts": {"claims": 1_760_000},
            "train_s": train_s,
            "training_size": 400_000,
            "auc": 0.81,
            "scored": scored,
            "score_s": score_s,
        }

    report = {
        "date": NOW,
        "on": "2026-11-24",
        "cpus": 2,
        "targets": {**TARGETS, "scoring_train_s": 300.0, "scoring_score_s": 60.0},
        "total_seconds": 100,
        "sizes": {},
        "scoring": {
            "100k": scoring(BEFORE, 20.0, 5.0, 20_000),
            "1M": scoring(NOW, 320.0, 45.0, 200_000),
        },
    }
    rows = [line for line in markdown(report).splitlines() if "payment probability" in line]
    small = [row for row in rows if "| 100k |" in row]
    assert all(f"{BEFORE}: **not run this time**" in row for row in small)
    assert all(row.endswith("| — |") for row in small)
    assert "50.0 s per 200,000" in small[1]
    training, scoring_row = (row for row in rows if "| 1M |" in row)
    assert "training on a base of 1,760,000 claims" in training and training.endswith("❌ |")
    assert "scoring 200,000 open dossiers" in scoring_row and scoring_row.endswith("✅ |")


def test_statement_rows_carry_the_import_to_the_whole_statement():
    """Issue #24, item 6: 50,000 lines against 1M open claims in under 60 s, judged at 1M; the
    import with posting measured on the first lines is carried to the whole statement."""
    size = _size(NOW, 4.0, 20138)
    size["statements"] = {
        "lines": 50_000,
        "post_lines": 5_000,
        "match": {"seconds": 20.0, "queries": 900},
        "match_floor": {"seconds": 10.0, "queries": 20},
        "match_same": True,
        "product": {"seconds": 500.0, "queries": 400_000, "summary": {"posted": 2_800}},
        "floor": {"seconds": 5.0, "queries": 40},
        "same_result": True,
    }
    report = {"date": NOW, "on": "2026-11-24", "cpus": 2, "targets": TARGETS,
              "total_seconds": 100, "sizes": {"1M": size}}  # fmt: skip
    rows = [line for line in markdown(report).splitlines() if "bank statement" in line]
    matched, imported = rows
    assert "50,000 lines, same decisions" in matched and "2.0×" in matched
    assert matched.endswith("✅ |")
    assert "5,000 lines, 2,800 posted, same result" in imported
    assert "5,000 s for 50,000 lines" in imported and imported.endswith("❌ |")


def _page(ms):
    return {"median_ms": ms, "all_ms": [ms] * 7, "first_ms": 2 * ms, "queries": 9}


def test_pages_as_served_are_rows_of_the_table_judged_at_1m():
    small, large = _size(NOW, 1.0, 200), _size(NOW, 4.0, 20_000)
    small["pages"] = {"dashboard": _page(30.0), "worklist_controller": _page(400.0)}
    large["pages"] = {"dashboard": _page(140.0), "worklist_controller": _page(80.0)}
    report = {"date": NOW, "on": "2026-11-24", "cpus": 2, "targets": TARGETS,
              "total_seconds": 20, "sizes": {"10k": small, "1M": large}}  # fmt: skip
    rows = [line for line in markdown(report).splitlines() if line.startswith("| page ")]
    assert len(rows) == 4
    dashboard_1m = next(r for r in rows if "KPI dashboard" in r and "| 1M |" in r)
    assert "140.0 ms" in dashboard_1m and "≤ 100 ms at 1M" in dashboard_1m
    assert dashboard_1m.rstrip().endswith("❌ |")
    worklist_1m = next(r for r in rows if "controller" in r and "| 1M |" in r)
    assert worklist_1m.rstrip().endswith("✅ |")
    # the smaller sizes show the trend, never a verdict
    assert all(r.rstrip().endswith("— |") for r in rows if "| 10k |" in r)


def test_a_run_without_scoring_keeps_the_earlier_sections(tmp_path, monkeypatch):
    # `BENCH_SCORING=0 make bench SIZE=` (the import alone) lost its figures at the very end:
    # keeping the earlier run's sections failed when neither run had scoring figures.
    import json

    from bench import run

    earlier = {"date": BEFORE, "sizes": {"10k": _size(BEFORE, 1.0, 200)},
               "purge": {"product": {"seconds": 1.0}, "floor": {"seconds": 0.5}}}  # fmt: skip
    (tmp_path / "latest.json").write_text(json.dumps(earlier))
    monkeypatch.setattr(run, "RESULTS", tmp_path)
    report = {"date": NOW, "sizes": {}, "imports": {"rows": 100_000}}
    run._keep_earlier(report)
    assert "scoring" not in report
    assert report["sizes"]["10k"]["run"] == BEFORE
    assert report["purge"]["run"] == BEFORE and report["imports"] == {"rows": 100_000}


def test_the_footer_gives_each_section_its_wall_time():
    report = {
        "date": NOW,
        "on": "2026-11-24",
        "cpus": 2,
        "targets": TARGETS,
        "total_seconds": 812.4,
        "sizes": {"1M": _size(NOW, 4.0, 20138)},
        "section_seconds": {"seeds and preparations, 2 at a time (untimed)": 301.2,
                            "1M: cadence and spread (2 × 4 sides)": 180.5, "letters": 290.1},
    }  # fmt: skip
    footer = next(line for line in markdown(report).splitlines() if "Time per section" in line)
    assert "1M: cadence and spread (2 × 4 sides) 180.5 s" in footer
    assert "letters 290.1 s" in footer and footer.endswith("total 812.4 s.")


def test_the_1m_run_alone_keeps_the_fixed_volume_sections_of_the_default_run(monkeypatch):
    """``make bench SIZE=1M`` measures what grows with the base; the letters, the invoice import
    and the purge, whose volume does not follow SIZE, run with a default size or when asked."""
    from bench.run import _fixed_on

    for name in ("BENCH_FIXED", "BENCH_LETTERS", "BENCH_PURGE", "BENCH_IMPORTS"):
        monkeypatch.delenv(name, raising=False)
    assert not _fixed_on("BENCH_LETTERS", ["1M"])
    assert _fixed_on("BENCH_LETTERS", ["10k", "100k", "1M"])
    assert _fixed_on("BENCH_PURGE", ["10k", "100k"])
    assert _fixed_on("BENCH_IMPORTS", [])  # SIZE= empty: the fixed sections alone
    monkeypatch.setenv("BENCH_FIXED", "1")
    assert _fixed_on("BENCH_PURGE", ["1M"])
    monkeypatch.setenv("BENCH_LETTERS", "0")
    assert not _fixed_on("BENCH_LETTERS", ["10k"])
