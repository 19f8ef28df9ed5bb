"""``make bench [SIZE=10k,100k|1M] [LETTERS=1000]``: seed, measure against the floors, report.

Every measure runs in a process of its own on a fresh copy of the seeded database (PostgreSQL
``CREATE DATABASE ... TEMPLATE``), the product on one copy and its floor on another, so both
start from the same rows; the cadence run's result is then compared with the floor's, row for
row (reminders, dossiers, journal). Writes ``bench/results/latest.json`` and
``bench/results/latest.md`` and prints the table.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from bench import db, seed

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
TEMPLATE = f"{db.PREFIX}template"
TARGETS = {"cadence": 3.0, "per_dossier_growth": 1.3, "letters": 1.2, "letters_scaling": 1.7,
           "dashboard": 2.0, "purge": 3.0, "imports": 3.0, "spread_scaling": 1.7,
           "scoring_train_s": 300.0, "scoring_score_s": 60.0,
           "statement_s": 60.0}  # fmt: skip
IMPORT_ROWS = 100_000
PURGE_DEBTORS = 100_000
DASHBOARD_RUNS = 7
LETTER_TURNS = 10  # the letters in 10 batches, the product's and the floor's in turn
SECTIONS = ("letters", "purge", "imports")
SPREAD_SHARDS = 8  # the spread run's shards at each size (BENCH_SHARD_SIZE to fix their size)
SHARD_MIN = 500  # relances.services.BATCH_SIZE
LETTERS_CLAIMS = 10_000  # the letters' base
# The preparations nothing times (the bases seeded, the cadence's copies made) run this many at
# a time before the first measure: a seed keeps about one core busy, a copy mostly the disk;
# three at a time absorbed the cadence's eight copies at 1M (483.5 s against 483.6 s two at a
# time without them, 03/12/2026, load 5-9).
PREPARE_JOBS = 3


def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * factor)


def measure(kind: str, database: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.measure", kind, database, *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        return {"status": "error", "error": proc.stderr.strip().splitlines()[-3:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure_in_turns(kinds: list[str], database: str, args: list[str], cues: int) -> list[dict]:
    """Measures that run side by side in processes of their own (``kind database *args``), each
    ready before the first of its ``cues`` calls; the calls are cued in turn, the first side
    alternating, so that both meet the same load (see ``others._on_cue``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = []
    for entry in kinds:
        # A kind alone takes ``args``; a (kind, its args) pair its own.
        kind, kind_args = (entry, args) if isinstance(entry, str) else entry
        started.append(subprocess.Popen(
            [sys.executable, "-m", "bench.measure", kind, database, *kind_args, "1"],
            cwd=ROOT, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        ))  # fmt: skip
    # All started, then each awaited: the sides start up (Django, imports, warming: nothing
    # timed) at the same time, not one after the other.
    procs = [(proc, [proc.stdout.readline()]) for proc in started]
    live = [lines[0].startswith('{"ready"') for _, lines in procs]
    for turn in range(cues):
        order = list(range(len(procs)))
        for i in order if turn % 2 == 0 else reversed(order):
            if not live[i]:
                continue
            proc, lines = procs[i]
            try:
                proc.stdin.write("\n")
                proc.stdin.flush()
            except BrokenPipeError:  # it finished (its time budget spent)
                live[i] = False
                continue
            lines.append(proc.stdout.readline())
            # A side that stopped (its time budget spent, an error) answers no more cues.
            live[i] = lines[-1].startswith('{"call"')
    results = []
    for proc, lines in procs:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
        out = proc.stdout.read()  # not communicate(): readline() may have buffered the end
        errors = proc.stderr.read()  # little on stderr: a traceback at most
        proc.wait()
        lines = [line for line in [*lines, *out.splitlines()] if line.strip()]
        if proc.returncode != 0 or not lines:
            results.append({"status": "error", "error": errors.strip().splitlines()[-3:]})
        else:
            results.append(json.loads(lines[-1]))
    return results


def _fingerprint(database: str) -> dict:
    """What the cadence left in the database (reminders, dossiers, journal), as digests: read
    in this process (SQL only: a process of its own cost a Django start-up per copy)."""
    from bench import cadence_floor

    try:
        with db.connect(database) as conn:
            result = cadence_floor.fingerprint(conn)
    except Exception as error:  # compared as such: never « same rows »
        result = {"error": f"{type(error).__name__}: {error}"}
    return {key: result.get(key) for key in ("reminders", "dossiers", "journal", "error")}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def migrations_digest() -> str:
    """A digest of every migration file of the project: the template's schema and rows."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _template_digest() -> str | None:
    with db._admin() as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [TEMPLATE],
        ).fetchone()
    return row[0] if row else None


def migrated_template(reuse: bool = False) -> str:
    """The migrated, empty template every base is copied from. ``reuse``: the template of an
    earlier run is taken again when the migration files have not changed since (its digest is
    the database's comment), else migrated afresh (about a minute, more under load). Returns
    « reused » or « migrated »."""
    digest = migrations_digest()
    if reuse and _template_digest() == f"migrations {digest}":
        return "reused"
    db.create(TEMPLATE)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_DATABASE": TEMPLATE,
           "DJANGO_SETTINGS_MODULE": "bench.settings"}  # fmt: skip
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0", "--skip-checks"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    from psycopg import sql

    with db._admin() as conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(TEMPLATE), sql.Literal(f"migrations {digest}")
            )
        )
    return "migrated"


def copy_of(base: str, suffix: str) -> str:
    name = f"{base}_{suffix}"
    db.create(name, template=base)
    return name


@contextlib.contextmanager
def timed_section(times: dict, name: str):
    """The wall time of one section of the run, kept in ``times`` (the table's footer)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        times[name] = round(time.perf_counter() - started, 1)
        log(f"section « {name} »: {times[name]} s")


CADENCE_SIDES = ("cadence", "cadence_floor", "spread_1", "spread_2")


def _repeat(claims: int) -> int:
    """The cadence's turns at a size (``REPEAT``): each side runs that many times."""
    return int(os.environ.get("REPEAT", "3" if claims < 1_000_000 else "2"))


def _prepare_size(label: str, claims: int) -> dict:
    """A size's base seeded, then the fresh copies its cadence sides will run on (one per side
    and turn: ``copies``, by turn then side), untimed: made here beside the other preparations
    (a copy is mostly the disk's work) instead of between the cadence's measures (eight at
    1M, about 8 s each)."""
    base = f"{db.PREFIX}{label}"
    db.create(base, template=TEMPLATE)
    t = time.perf_counter()
    counts = seed.seed(base, claims)
    out = {"counts": counts, "seed_seconds": round(time.perf_counter() - t, 2)}
    out["seed_phases"] = dict(seed.PHASES)
    log(f"{label}: seeded {counts} in {out['seed_seconds']} s ({seed.PHASES})")
    if os.environ.get("BENCH_COPIES_AHEAD", "1") != "0":
        t = time.perf_counter()
        out["copies"] = {
            str(turn): {kind: copy_of(base, f"{kind}_{turn}") for kind in CADENCE_SIDES}
            for turn in range(_repeat(claims))
        }
        out["copies_seconds"] = round(time.perf_counter() - t, 1)
        log(f"{label}: the cadence's copies made in {out['copies_seconds']} s")
    return out


def _prepare_statement(label: str, claims: int) -> dict:
    """A size's bank statement base (untimed): seeded directly as the book of one creditor,
    beside the size's own seed (``statements.prepare_seeded``; until 03/12/2026 a copy of the
    size's base made after its seed, every invoice then moved to that creditor and the
    summaries computed again: 210 s at 1M on the preparations' critical path)."""
    from bench.statements import prepare_seeded

    t = time.perf_counter()
    out = prepare_seeded(f"{db.PREFIX}{label}", claims)
    out["prepare_seconds"] = round(time.perf_counter() - t, 1)
    log(f"{label}: the statement's base seeded and prepared in {out['prepare_seconds']} s")
    return out


def _prepare_scoring(claims: int) -> dict:
    """The payment probability's base of ``claims`` (bench/scoring.py), seeded in a process of
    its own from the migrated template."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.scoring", "--claims", str(claims), "--seed-only",
         "--template", TEMPLATE],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode:
        return {"status": "error", "error": proc.stderr.strip().splitlines()[-3:]}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["seed_seconds"] = round(time.perf_counter() - started, 1)
    log(f"scoring base of {claims:,} claims seeded in {out['seed_seconds']} s")
    return out


def _prepare_letters() -> dict:
    base = f"{db.PREFIX}letters"
    db.create(base, template=TEMPLATE)
    t = time.perf_counter()
    seed.seed(base, LETTERS_CLAIMS)
    return {"seed_seconds": round(time.perf_counter() - t, 1)}


def _prepare_purge(debtors: int) -> dict:
    base = f"{db.PREFIX}purge"
    db.create(base, template=TEMPLATE)
    t = time.perf_counter()
    seed.seed_purge(base, debtors)
    seeded = round(time.perf_counter() - t, 1)
    # Sealed by the journal, as the beat keeps a real base (others.seal).
    sealed = measure("seal", base)
    if sealed.get("status") == "error":
        return sealed
    return {"seed_seconds": seeded, "seal_seconds": round(sealed["seconds"], 1),
            "debtors": debtors}  # fmt: skip


def _job(phase_started: float, func, *args):
    """One preparation, with when it started and ended in the phase (``wall``, seconds)."""
    started = time.time() - phase_started
    try:
        out = func(*args)
    except Exception as error:  # reported in its section, the other sections still run
        out = {"status": "error", "error": [f"{type(error).__name__}: {error}"]}
    return {**out, "wall": [round(started, 1), round(time.time() - phase_started, 1)]}


def prepare_all(jobs: list[tuple[str, object, tuple]]) -> dict:
    """Run the untimed preparations ``(key, function, args)``, ``PREPARE_JOBS`` at a time (in
    the order given: the longest first), before any measure starts: no timer runs meanwhile."""
    workers = int(os.environ.get("BENCH_PREPARE_JOBS", PREPARE_JOBS))
    with ProcessPoolExecutor(max_workers=max(workers, 1)) as pool:
        started = time.time()
        futures = {key: pool.submit(_job, started, func, *args) for key, func, args in jobs}
        return {key: future.result() for key, future in futures.items()}


def bench_size(label: str, claims: int, prepared: dict | None = None,
               times: dict | None = None, statement: dict | None = None) -> dict:  # fmt: skip
    """A size's sections on its seeded base (``prepared``: ``_prepare_size``'s result; seeded
    here when missing), each section's wall time in ``times``. ``statement``:
    ``_prepare_statement``'s result (else the statement's base is a copy of the size's)."""
    base = f"{db.PREFIX}{label}"
    times = {} if times is None else times
    started = time.perf_counter()
    if prepared is None:
        prepared = _prepare_size(label, claims)
    if "counts" not in prepared:
        raise RuntimeError(f"{label}: the seed failed: {prepared.get('error')}")
    counts = prepared["counts"]
    result = {"counts": counts, "seed_seconds": prepared["seed_seconds"]}
    on = seed.ON.isoformat()
    # The machine is shared: each side runs REPEAT times on fresh copies, interleaved; the
    # fastest run of each counts (all are kept in the JSON).
    repeat = _repeat(claims)
    # The spread run: about SPREAD_SHARDS shards, none smaller than the run's batch (500: a
    # shard costs about a batch's fixed queries, so smaller shards only add batches); 1 shard
    # at 10k (199 due), 5 at 100k, 8 at 1M (the production default, 2,000, gives 10 at 1M).
    shard_size = str(
        int(os.environ.get("BENCH_SHARD_SIZE", 0))
        or max(SHARD_MIN, -(-counts["due"] // SPREAD_SHARDS))
    )
    result["shard_size"] = int(shard_size)
    runs: dict[str, list] = {kind: [] for kind in CADENCE_SIDES}
    same = spread_same = True
    pages_base = pages_examined = None  # the last single run's copy: the pages' morning
    with timed_section(times, f"{label}: cadence and spread ({repeat} × 4 sides)"):
        for turn in range(repeat):
            # Interleaved, the first side alternating: a burst of load falls on both.
            # Each side on a fresh copy of the base: made in the untimed preparations
            # (``_prepare_size``), else here.
            copies = prepared.get("copies", {}).get(str(turn)) or {
                kind: copy_of(base, kind) for kind in runs
            }
            order = list(runs) if turn % 2 == 0 else list(reversed(runs))
            for kind in order:
                if kind.startswith("spread_"):
                    args = (on, kind[-1], shard_size)
                    runs[kind].append(measure("cadence_spread", copies[kind], *args))
                else:
                    runs[kind].append(measure(kind, copies[kind], on))
            # Untimed, read-only: the four digests two at a time.
            with ThreadPoolExecutor(max_workers=2) as pool:
                prints = dict(zip(copies, pool.map(_fingerprint, copies.values()), strict=True))
            read = not any(p.get("error") for p in prints.values())  # an error is no « same »
            same = same and read and prints["cadence"] == prints["cadence_floor"]
            spread_same = (
                spread_same
                and read
                and prints["cadence"] == prints["spread_1"] == prints["spread_2"]
            )
            last = turn == repeat - 1
            for kind, name in copies.items():
                if last and kind == "cadence" and "seconds" in runs[kind][-1]:
                    pages_base, pages_examined = name, runs[kind][-1].get("examined")
                else:
                    db.drop(name)
    result["spread_same_result"] = spread_same
    for kind, results in runs.items():
        timed = [r for r in results if "seconds" in r]
        result[kind] = min(timed, key=lambda r: r["seconds"]) if timed else results[0]
        result[kind]["all_seconds"] = [round(r.get("seconds", -1), 3) for r in results]
        result[kind]["peak_rss_mb"] = max(r.get("peak_rss_mb", 0) for r in results)
    result["cadence_same_result"] = same
    product, bare = result["cadence"], result["cadence_floor"]
    if "seconds" in product and "seconds" in bare:
        result["cadence_ratio"] = product["seconds"] / bare["seconds"]
        result["cadence_ms_per_dossier"] = 1000 * product["seconds"] / max(product["examined"], 1)
        result["floor_ms_per_dossier"] = 1000 * bare["seconds"] / max(bare["examined"], 1)
    log(
        f"{label}: cadence {product.get('seconds')} s vs floor {bare.get('seconds')} s, same={same}"
    )
    one, two = result["spread_1"], result["spread_2"]
    if "seconds" in one and "seconds" in two:
        result["spread_speedup"] = one["seconds"] / two["seconds"]
    log(
        f"{label}: spread run, 1 worker {one.get('seconds')} s, 2 workers {two.get('seconds')} s "
        f"({one.get('shards')} shards of {shard_size}), same={spread_same}"
    )
    runs = int(os.environ.get("DASHBOARD_RUNS", DASHBOARD_RUNS))
    # Two floors (issue #25, item 3): the aggregate SQL on the base tables and the read of the
    # summary tables, each checked « same result » against the page's figures.
    sides = ["dashboard", "dashboard_floor", "dashboard_summary_floor"]
    with timed_section(times, f"{label}: dashboard"):
        for side, measured in zip(
            sides, measure_in_turns(sides, base, [str(runs)], runs + 1), strict=True
        ):
            result[side] = measured
    from bench.others import same_result

    same_result(result)
    log(
        f"{label}: dashboard {result['dashboard'].get('seconds')} s vs floors "
        f"{result['dashboard_floor'].get('seconds')} s (aggregate SQL, same="
        f"{result['dashboard_floor'].get('same_result')}) and "
        f"{result['dashboard_summary_floor'].get('seconds')} s (summary tables, same="
        f"{result['dashboard_summary_floor'].get('same_result')}), median of {runs} warm calls"
    )
    if os.environ.get("BENCH_PAGES", "1") != "0":
        with timed_section(times, f"{label}: pages"):
            result["pages"] = bench_pages(label, base, on, pages_base, pages_examined)
    elif pages_base:
        db.drop(pages_base)
    if os.environ.get("BENCH_STATEMENTS", "1") != "0":
        from bench.statements import bench_statements

        with timed_section(times, f"{label}: bank statement"):
            result["statements"] = bench_statements(base, claims, prepared_before=statement)
        st = result["statements"]
        log(
            f"{label}: statement of {st.get('lines')} lines, matching "
            f"{st.get('match', {}).get('seconds')} s vs floor "
            f"{st.get('match_floor', {}).get('seconds')} s (same={st.get('match_same')}); import "
            f"of {st.get('post_lines')} lines {st.get('product', {}).get('seconds')} s vs floor "
            f"{st.get('floor', {}).get('seconds')} s (same={st.get('same_result')})"
        )
    db.drop(base)
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    result["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    return result


def bench_pages(
    label: str, base: str, on: str, after_run: str | None = None, examined: int | None = None
) -> dict:
    """The pages a user waits on, as served (issue #25, item 1), on a copy of the base after the
    day's run: the morning a controller finds, with the day's calls and letters planned (on the
    bare seed « Ma journée » would show only the enrichment's tasks). ``after_run``: that copy
    already made, the cadence section's last single run (the same rows as a new copy and run,
    checked « same rows » against the floor); dropped here."""
    from bench.pages import measure_pages

    name = after_run or copy_of(base, "pages")
    try:
        # The run (not timed here: the cadence rows time it), when no copy ran it yet.
        run = {"examined": examined} if after_run else measure("cadence", name, on)
        pages = measure_pages(name)
    finally:
        db.drop(name)
    pages["after_run_of"] = run.get("examined")
    pages["after_run"] = "the cadence section's last single run" if after_run else "its own run"
    log(
        f"{label}: pages "
        + ", ".join(f"{k} {v['median_ms']} ms" for k, v in pages.items() if isinstance(v, dict)
                    and "median_ms" in v)
    )  # fmt: skip
    return pages


def bench_letters(count: int, prepared: dict | None = None) -> dict:
    """``prepared``: ``_prepare_letters``' result (its base seeded); seeded here when missing."""
    base = f"{db.PREFIX}letters"
    prepared = prepared or _prepare_letters()
    if prepared.get("status") == "error":
        return prepared
    out: dict = {"one_phase": True, "seed_seconds": prepared.get("seed_seconds")}
    turns = int(os.environ.get("LETTER_TURNS", LETTER_TURNS))
    # One phase: the product and the floor, with 1 and with 2 worker processes, all four ready
    # side by side and cued in turn batch by batch, so that the 2-vs-1 ratios compare batches
    # made minutes apart at most, under the same load (the two phases of before printed 2.57×
    # on 2 cores).
    sides = [(kind, w) for w in ("1", "2") for kind in ("letters", "letters_floor")]
    results = measure_in_turns(
        [(kind, [str(count), w, str(turns)]) for kind, w in sides], base, [], turns
    )
    for (kind, w), result in zip(sides, results, strict=True):
        out[f"{'product' if kind == 'letters' else 'floor'}_{w}"] = result
    for w in ("1", "2"):
        log(
            f"letters, {w} worker(s): {out[f'product_{w}'].get('seconds')} s vs "
            f"{out[f'floor_{w}'].get('seconds')} s bare"
        )
    db.drop(base)
    return out


def bench_purge(debtors: int, prepared: dict | None = None) -> dict:
    """``prepared``: ``_prepare_purge``'s result (its base seeded); seeded here when missing."""
    base = f"{db.PREFIX}purge"
    out = prepared or _prepare_purge(debtors)
    if out.get("status") == "error":
        return out
    run, floor = copy_of(base, "run"), copy_of(base, "floor")
    out["product"] = measure("purge", run)
    out["floor"] = measure("purge_floor", floor)
    product = out["product"].get("status", out["product"].get("seconds"))
    log(f"purge: floor {out['floor'].get('seconds')} s, product {product}")
    for name in (run, floor, base):
        db.drop(name)
    return out


def bench_imports(rows: int) -> dict:
    """The invoice import of ``rows`` rows against the same rows by COPY (bench/imports.py),
    each side on a fresh copy of the migrated template, the product first then the floor,
    ``REPEAT_IMPORTS`` times (default 1); the fastest of each side counts."""
    out: dict = {"rows": rows, "product": {}, "floor": {}}
    runs: dict[str, list] = {"imports": [], "imports_floor": []}
    for _ in range(int(os.environ.get("REPEAT_IMPORTS", "1"))):
        for kind in runs:
            name = copy_of(TEMPLATE, kind)
            runs[kind].append(measure(kind, name, str(rows)))
            db.drop(name)
    for kind, key in (("imports", "product"), ("imports_floor", "floor")):
        timed = [r for r in runs[kind] if "seconds" in r]
        out[key] = min(timed, key=lambda r: r["seconds"]) if timed else runs[kind][0]
        out[key]["all_seconds"] = [round(r.get("seconds", -1), 3) for r in runs[kind]]
    # « Same rows »: both sides wrote the same live and history rows (bench/imports.py).
    fingerprints = [r.get("fingerprint") for kind in runs for r in runs[kind]]
    out["same_rows"] = (
        bool(fingerprints)
        and None not in fingerprints
        and all(f == fingerprints[0] for f in fingerprints)
    )
    out["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    product, floor = out["product"].get("seconds"), out["floor"].get("seconds")
    log(f"imports: product {product} s, floor {floor} s, same rows: {out['same_rows']}")
    return out


def bench_scoring(label: str, claims: int, prepared: dict | None = None) -> dict:
    """The payment probability (issue #26, bench/scoring.py): a base of its own with the
    generated history of ``claims`` invoices and fresh dossiers up to ``claims / 5`` open
    dossiers (1M: 200,000 to score), seeded in a process of its own (``prepared``:
    ``_prepare_scoring``'s result, seeded here when missing), then the weekly training and the
    daily scoring timed in another. Targets at 1M: training < 5 min, scoring < 60 s."""
    name = f"{db.PREFIX}scoring_{claims}"
    out = dict(prepared or _prepare_scoring(claims))
    if out.get("status") == "error":
        db.drop(name)
        return out
    from bench.scoring import run_measure

    out.update(run_measure(name))
    db.drop(name)
    out["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    log(
        f"{label}: scoring, training {out.get('train_s')} s on {out.get('training_size')} "
        f"examples, scoring {out.get('score_s')} s for {out.get('scored')} open dossiers"
    )
    return out


def _keep_earlier(report: dict) -> None:
    """Keep in ``latest.json`` what this run did not measure (``SIZE=1M`` alone keeps the
    smaller sizes, the letters and the purge of the run before), each with its own date."""
    path = RESULTS / "latest.json"
    if not path.exists():
        return
    earlier = json.loads(path.read_text())
    for label, size in earlier.get("sizes", {}).items():
        if label not in report["sizes"]:
            size.setdefault("date", earlier.get("date"))
            size.setdefault("run", earlier.get("date"))
            report["sizes"][label] = size
    report["sizes"] = dict(sorted(report["sizes"].items(), key=lambda kv: parse_size(kv[0])))
    for label, size in earlier.get("scoring", {}).items():
        if label not in report.setdefault("scoring", {}):
            size.setdefault("run", size.get("date", earlier.get("date")))
            report["scoring"][label] = size
    if not report.get("scoring"):
        report.pop("scoring", None)  # none measured now (BENCH_SCORING=0) nor before
    for key in ("letters", "purge", "imports"):
        if key not in report and key in earlier:
            kept = earlier[key]
            when = kept.get("date", earlier.get("date"))
            report[key] = {**kept, "date": when, "run": kept.get("run", when)}


def _readme(table: str) -> None:
    """Put the latest table between the bench markers of docs/bench.md."""
    readme = ROOT / "docs" / "bench.md"
    text = readme.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        readme.write_text(f"{head}{start}\n{table}{end}{tail}")


def _on(name: str) -> bool:
    return os.environ.get(name, "1") != "0"


# The sections whose volume does not follow SIZE (1,000 letters, 100,000 invoice rows, 100,000
# debtors purged) run once in a run that measures a default size (10k or 100k) or no size at
# all: ``make bench SIZE=1M`` alone measures what grows with the base and keeps their figures
# from the run that made them, dated (``BENCH_FIXED=1`` runs them too, ``BENCH_FIXED=0`` never).
FIXED_UP_TO = 100_000


def _fixed_on(name: str, labels: list[str]) -> bool:
    """Whether the fixed-volume section ``name`` (``BENCH_LETTERS``…) runs in this run."""
    if os.environ.get(name) is not None:
        return _on(name)
    if os.environ.get("BENCH_FIXED") is not None:
        return _on("BENCH_FIXED")
    return not labels or any(parse_size(label) <= FIXED_UP_TO for label in labels)


def main() -> None:
    sizes = os.environ.get("SIZE", "10k,100k")
    letters = int(os.environ.get("LETTERS", "1000"))
    debtors = int(os.environ.get("PURGE_DEBTORS", PURGE_DEBTORS))
    started = time.perf_counter()
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "on": seed.ON.isoformat(),
        "cpus": os.cpu_count(),
        "targets": TARGETS,
        "sizes": {},
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }
    times: dict[str, float] = {}
    report["section_seconds"] = times
    with timed_section(times, "template (migrated, or reused: same migrations)"):
        report["template"] = migrated_template(reuse=_on("BENCH_REUSE_TEMPLATE"))
    labels = [s.strip() for s in sizes.split(",") if s.strip()]
    # The untimed preparations first, PREPARE_JOBS at a time, the longest first: for each size its
    # scoring's base (the longest: 264 s at 1M under load), its base, its statement's base;
    # then the purge's and the letters'.
    jobs: list[tuple[str, object, tuple]] = []
    for label in sorted(labels, key=parse_size, reverse=True):
        claims = parse_size(label)
        if _on("BENCH_SCORING"):
            jobs.append((f"scoring {label}", _prepare_scoring, (claims,)))
        jobs.append((f"size {label}", _prepare_size, (label, claims)))
        if _on("BENCH_STATEMENTS"):
            jobs.append((f"statement {label}", _prepare_statement, (label, claims)))
    if _fixed_on("BENCH_PURGE", labels):
        jobs.append(("purge", _prepare_purge, (debtors,)))
    if _fixed_on("BENCH_LETTERS", labels):
        jobs.append(("letters", _prepare_letters, ()))
    workers = os.environ.get("BENCH_PREPARE_JOBS", PREPARE_JOBS)
    with timed_section(times, f"seeds and preparations, {workers} at a time (untimed)"):
        prepared = prepare_all(jobs)
    report["prepared"] = {
        key: {k: v for k, v in value.items() if k in ("seed_seconds", "seal_seconds", "seed_phases",
                                                        "prepare_seconds", "status",
                                                        "error", "wall", "copies_seconds")}
        for key, value in prepared.items()
    }  # fmt: skip
    if os.environ.get("BENCH_PREPARE_ONLY") == "1":  # the preparations alone, timed
        print(
            json.dumps(
                {
                    "section_seconds": times,
                    "prepared": report["prepared"],
                    "load_before": report["load_before"],
                    "load_after": [round(x, 2) for x in os.getloadavg()],
                },
                indent=1,
            )
        )
        copies = [
            name
            for label in labels
            for turn in prepared[f"size {label}"].get("copies", {}).values()
            for name in turn.values()
        ]
        for name in (
            copies
            + [f"{db.PREFIX}{label}" for label in labels]
            + [f"{db.PREFIX}{label}_stmt" for label in labels]
            + [f"{db.PREFIX}scoring_{parse_size(label)}" for label in labels]
            + [f"{db.PREFIX}purge", f"{db.PREFIX}letters"]
        ):
            db.drop(name)
        return
    for label in labels:
        report["sizes"][label] = bench_size(
            label, parse_size(label), prepared[f"size {label}"], times,
            prepared.get(f"statement {label}"),
        )  # fmt: skip
    if _on("BENCH_SCORING"):
        report["scoring"] = {}
        for label in labels:
            with timed_section(times, f"{label}: scoring (train, score)"):
                report["scoring"][label] = bench_scoring(
                    label, parse_size(label), prepared[f"scoring {label}"]
                )
    if _fixed_on("BENCH_LETTERS", labels):
        with timed_section(times, "letters"):
            report["letters"] = bench_letters(letters, prepared["letters"])
    if _fixed_on("BENCH_IMPORTS", labels):
        with timed_section(times, "imports"):
            report["imports"] = bench_imports(int(os.environ.get("IMPORT_ROWS", IMPORT_ROWS)))
    if _fixed_on("BENCH_PURGE", labels):
        with timed_section(times, "purge"):
            report["purge"] = bench_purge(debtors, prepared["purge"])
    report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    # Every section measured now names this run; _keep_earlier's keep their own.
    scoring = list(report.get("scoring", {}).values())
    for section in [*report["sizes"].values(), *scoring, *(report.get(k) for k in SECTIONS)]:
        if section is not None:
            section["run"] = report["date"]
    # The template is kept for the next run (see migrated_template), unless asked otherwise.
    if not _on("BENCH_REUSE_TEMPLATE"):
        db.drop(TEMPLATE)
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    _keep_earlier(report)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    from bench.table import markdown

    table = markdown(report)
    (RESULTS / "latest.md").write_text(table)
    _readme(table)
    print(table)


if __name__ == "__main__":
    main()
