"""``make bench [SIZE=10k,100k|1M] [LETTERS=1000]``: seed, measure against the floors, report.

Every measure runs in a process of its own on a fresh copy of the seeded database (PostgreSQL
``CREATE DATABASE ... TEMPLATE``), the product on one copy and its floor on another, so both
start from the same rows; the cadence run's result is then compared with the floor's, row for
row (reminders, dossiers, journal). Writes ``bench/results/latest.json`` and
``bench/results/latest.md`` and prints the table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import db, seed

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
TEMPLATE = f"{db.PREFIX}template"
TARGETS = {"cadence": 3.0, "per_dossier_growth": 1.3, "letters": 1.2, "letters_scaling": 1.7,
           "dashboard": 2.0, "purge": 3.0, "imports": 3.0}  # fmt: skip
IMPORT_ROWS = 100_000
PURGE_DEBTORS = 100_000
DASHBOARD_RUNS = 7
LETTER_TURNS = 10  # the letters in 10 batches, the product's and the floor's in turn


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
    procs = []
    for kind in kinds:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.measure", kind, database, *args, "1"],
            cwd=ROOT, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        procs.append((proc, [proc.stdout.readline()]))
    live = [lines[0].startswith('{"ready"') for _, lines in procs]
    for turn in range(cues):
        order = list(range(len(procs)))
        for i in order if turn % 2 == 0 else reversed(order):
            if not live[i]:
                continue
            proc, lines = procs[i]
            proc.stdin.write("\n")
            proc.stdin.flush()
            lines.append(proc.stdout.readline())
            live[i] = bool(lines[-1])
    results = []
    for proc, lines in procs:
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
    """What the cadence left in the database (reminders, dossiers, journal), as digests."""
    result = measure("fingerprint", database)
    return {key: result.get(key) for key in ("reminders", "dossiers", "journal", "error")}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def migrated_template() -> None:
    db.create(TEMPLATE)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_DATABASE": TEMPLATE,
           "DJANGO_SETTINGS_MODULE": "bench.settings"}  # fmt: skip
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


def copy_of(base: str, suffix: str) -> str:
    name = f"{base}_{suffix}"
    db.create(name, template=base)
    return name


def bench_size(label: str, claims: int) -> dict:
    base = f"{db.PREFIX}{label}"
    started = time.perf_counter()
    db.create(base, template=TEMPLATE)
    t = time.perf_counter()
    counts = seed.seed(base, claims)
    result = {"counts": counts, "seed_seconds": round(time.perf_counter() - t, 2)}
    log(f"{label}: seeded {counts} in {result['seed_seconds']} s")
    on = seed.ON.isoformat()
    # The machine is shared: each side runs REPEAT times on fresh copies, interleaved; the
    # fastest run of each counts (all are kept in the JSON).
    repeat = int(os.environ.get("REPEAT", "3" if claims < 1_000_000 else "2"))
    runs = {"cadence": [], "cadence_floor": []}
    same = True
    for _ in range(repeat):
        run, floor = copy_of(base, "run"), copy_of(base, "floor")
        runs["cadence"].append(measure("cadence", run, on))
        runs["cadence_floor"].append(measure("cadence_floor", floor, on))
        same = same and _fingerprint(run) == _fingerprint(floor)
        db.drop(run)
        db.drop(floor)
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
    runs = int(os.environ.get("DASHBOARD_RUNS", DASHBOARD_RUNS))
    result["dashboard"], result["dashboard_floor"] = measure_in_turns(
        ["dashboard", "dashboard_floor"], base, [str(runs)], runs + 1
    )
    log(
        f"{label}: dashboard {result['dashboard'].get('seconds')} s vs floor "
        f"{result['dashboard_floor'].get('seconds')} s (median of {runs} warm calls)"
    )
    db.drop(base)
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    result["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    return result


def bench_letters(count: int) -> dict:
    base = f"{db.PREFIX}letters"
    db.create(base, template=TEMPLATE)
    seed.seed(base, 10_000)
    out = {}
    turns = int(os.environ.get("LETTER_TURNS", LETTER_TURNS))
    for workers in ("1", "2"):
        out[f"product_{workers}"], out[f"floor_{workers}"] = measure_in_turns(
            ["letters", "letters_floor"], base, [str(count), workers, str(turns)], turns
        )
        log(
            f"letters, {workers} worker(s): {out[f'product_{workers}'].get('seconds')} s vs "
            f"{out[f'floor_{workers}'].get('seconds')} s bare"
        )
    db.drop(base)
    return out


def bench_purge(debtors: int) -> dict:
    base = f"{db.PREFIX}purge"
    db.create(base, template=TEMPLATE)
    t = time.perf_counter()
    seed.seed_purge(base, debtors)
    out = {"seed_seconds": round(time.perf_counter() - t, 1), "debtors": debtors}
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
    out["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    product, floor = out["product"].get("seconds"), out["floor"].get("seconds")
    log(f"imports: product {product} s, floor {floor} s")
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
            report["sizes"][label] = size
    report["sizes"] = dict(sorted(report["sizes"].items(), key=lambda kv: parse_size(kv[0])))
    for key in ("letters", "purge", "imports"):
        if key not in report and key in earlier:
            report[key] = {**earlier[key], "date": earlier[key].get("date", earlier.get("date"))}


def _readme(table: str) -> None:
    """Put the latest table between the bench markers of docs/bench.md."""
    readme = ROOT / "docs" / "bench.md"
    text = readme.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        readme.write_text(f"{head}{start}\n{table}{end}{tail}")


def main() -> None:
    sizes = os.environ.get("SIZE", "10k,100k")
    letters = int(os.environ.get("LETTERS", "1000"))
    started = time.perf_counter()
    migrated_template()
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "on": seed.ON.isoformat(),
        "cpus": os.cpu_count(),
        "targets": TARGETS,
        "sizes": {},
    }
    for label in [s.strip() for s in sizes.split(",") if s.strip()]:
        report["sizes"][label] = bench_size(label, parse_size(label))
    if os.environ.get("BENCH_LETTERS", "1") != "0":
        report["letters"] = bench_letters(letters)
    if os.environ.get("BENCH_IMPORTS", "1") != "0":
        report["imports"] = bench_imports(int(os.environ.get("IMPORT_ROWS", IMPORT_ROWS)))
    if os.environ.get("BENCH_PURGE", "1") != "0":
        report["purge"] = bench_purge(int(os.environ.get("PURGE_DEBTORS", PURGE_DEBTORS)))
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
