"""The markdown table of a bench report (docs/bench.md, bench/results/latest.md)."""

from __future__ import annotations


def _s(result: dict) -> str:
    if not result:
        return "—"
    if "seconds" in result:
        return f"{result['seconds']:.3f} s"
    return result.get("status", "—")


def _mem(product: dict, floor: dict) -> str:
    def one(result: dict) -> str:
        return str(result.get("peak_rss_mb", "—")) if "seconds" in result else "—"

    return f"{one(product)} / {one(floor)}"


def _verdict(ratio: float | None, target: float, higher_is_better: bool = False) -> str:
    if ratio is None:
        return "pending"
    ok = ratio >= target if higher_is_better else ratio <= target
    return "✅" if ok else "❌"


def _run(section: dict, report: dict) -> str:
    """The run a row comes from: this one, or an earlier one kept in latest.json (a size, the
    letters, the purge or the import not run this time), said so: never compared with this
    run's figures."""
    run = section.get("run") or section.get("date")
    if run == report["date"]:
        return "this run"
    return f"{run or 'earlier run'}: **not run this time**"


def _ratio(product: dict, floor: dict) -> float | None:
    if "seconds" in product and "seconds" in floor and floor["seconds"]:
        return product["seconds"] / floor["seconds"]
    return None


def _statement_rows(label: str, st: dict, run: str, t: dict) -> list[str]:
    """The bank statement's two rows (issue #24, item 6): the matching of the whole statement,
    and the import with posting (the whole statement by default); the target (60 s for 50,000
    lines against 1M open claims) judged at 1M, the import's time carried to the whole
    statement."""
    target = t.get("statement_s", 60.0)
    at_1m = label.lower() == "1m"
    rows = []
    p, f = st.get("match", {}), st.get("match_floor", {})
    if p or f:  # not measured apart with STATEMENTS_MATCH=0 (the import alone)
        ratio = _ratio(p, f)
        same = "same decisions" if st.get("match_same") else "**decisions differ**"
        verdict = _verdict(p.get("seconds", 1e9), target) if at_1m and ratio else "—"
        rows.append(
            f"| bank statement matched ({st.get('lines', 0):,} lines, {same}) | {label} | {run} "
            f"| {_s(p)} | {_s(f)} | {f'{ratio:.1f}×' if ratio else '—'} (≤ {target:.0f} s at "
            f"1M) | {p.get('queries', '—')} / {f.get('queries', '—')} | {_mem(p, f)} | {verdict} |"
        )
    p, f = st.get("product", {}), st.get("floor", {})
    if p or f:
        ratio = _ratio(p, f)
        same = "same result" if st.get("same_result") else "**results differ**"
        posted = f"{(p.get('summary') or {}).get('posted', 0):,}"
        scale = st.get("lines", 0) / max(st.get("post_lines", 0) or 1, 1)
        whole = f"{p['seconds'] * scale:,.0f} s for {st.get('lines', 0):,} lines" if (
            "seconds" in p) else "—"  # fmt: skip
        verdict = _verdict(p.get("seconds", 1e9) * scale, target) if at_1m and ratio else "—"
        rows.append(
            f"| bank statement imported, certain lines posted ({st.get('post_lines', 0):,} "
            f"lines, {posted} posted, {same}) | {label} | {run} | {_s(p)} | {_s(f)} | "
            f"{f'{ratio:.1f}×' if ratio else '—'}; {whole} (≤ {target:.0f} s at 1M) | "
            f"{p.get('queries', '—')} / {f.get('queries', '—')} | {_mem(p, f)} | {verdict} |"
        )
    return rows


def _scoring_rows(label: str, scoring: dict, report: dict) -> list[str]:
    """The payment probability's two rows (issue #26): no floor, a target in seconds at 1M."""
    t, run = report["targets"], _run(scoring, report)
    if "train_s" not in scoring:
        return [f"| payment probability | {label} | {run} | {scoring.get('status', '—')} | — "
                "| — | | | ❌ |"]  # fmt: skip
    counts = scoring.get("counts", {})
    at_1m = label.lower() == "1m"
    train_target, score_target = t.get("scoring_train_s", 300.0), t.get("scoring_score_s", 60.0)
    per_200k = scoring["score_s"] * 200_000 / max(scoring["scored"], 1)
    train_ok = _verdict(scoring["train_s"], train_target) if at_1m else "—"
    score_ok = _verdict(scoring["score_s"], score_target) if at_1m else "—"
    mem = scoring.get("peak_rss_mb", "—")
    return [
        f"| payment probability: training on a base of {counts.get('claims', 0):,} claims "
        f"({scoring['training_size']:,} examples, AUC {scoring['auc']}) | {label} | {run} | "
        f"{scoring['train_s']:.1f} s | — | (≤ {train_target:.0f} s at 1M) | | {mem} / — | "
        f"{train_ok} |",
        f"| payment probability: scoring {scoring['scored']:,} open dossiers | {label} | {run} | "
        f"{scoring['score_s']:.1f} s | — | {per_200k:.1f} s per 200,000 "
        f"(≤ {score_target:.0f} s for 200,000 at 1M) | | {mem} / — | {score_ok} |",
    ]


def _page_rows(report: dict) -> list[str]:
    """The pages as served (issue #25, item 1): warm median of each page, its query count, the
    target judged at 1M (the smaller sizes for the trend)."""
    from bench.pages import LABELS, TARGETS_MS

    rows = []
    for label, size in report["sizes"].items():
        pages = size.get("pages") or {}
        if pages.get("status") == "error":
            rows.append(f"| pages as served | {label} | {_run(size, report)} | error | "
                        "| | | | ❌ |")  # fmt: skip
            continue
        for key, name in LABELS.items():
            page = pages.get(key)
            if not page:
                continue
            target = TARGETS_MS[key]
            verdict = ("✅" if page["median_ms"] <= target else "❌") if label == "1M" else "—"
            runs = len(page.get("all_ms", ()))
            rows.append(
                f"| page {name}, as served (median of {runs} warm calls) | {label} | "
                f"{_run(size, report)} | {page['median_ms']:.1f} ms | — | "
                f"≤ {target} ms at 1M | {page['queries']} | | {verdict} |"
            )
    return rows


def markdown(report: dict) -> str:
    t = report["targets"]
    lines = [
        f"Run of {report['date']} ({report['cpus']} CPUs), day of the run {report['on']}, "
        f"total {report['total_seconds']} s. Memory: peak RSS of the measuring process, "
        "product / floor (MB; about 70 MB is Python and Django before any work).",
        "",
        "| measure | size | run | product | floor | ratio (target) | queries | peak memory MB "
        "| ok |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    per_dossier = []
    for label, size in report["sizes"].items():
        p, f = size["cadence"], size["cadence_floor"]
        ratio = _ratio(p, f)
        same = "same rows" if size.get("cadence_same_result") else "**results differ**"
        lines.append(
            f"| daily cadence run ({p.get('examined', '?')} due dossiers, {same}) | {label} | "
            f"{_run(size, report)} | {_s(p)} | {_s(f)} | {ratio:.1f}× (≤ {t['cadence']}×) | "
            f"{p.get('queries', '—')} / {f.get('queries', '—')} | {_mem(p, f)} | "
            f"{_verdict(ratio, t['cadence'])} |"
            if ratio is not None
            else f"| daily cadence run | {label} | {_run(size, report)} | {_s(p)} | {_s(f)} "
            "| — | — | — | pending |"
        )
        if "cadence_ms_per_dossier" in size and _run(size, report) == "this run":
            per_dossier.append(
                (label, size["cadence_ms_per_dossier"], size["floor_ms_per_dossier"])
            )
    if per_dossier:
        first = per_dossier[0][1]
        for label, ms, floor_ms in per_dossier:
            growth = ms / first if first else 0
            lines.append(
                f"| cadence cost per due dossier | {label} | this run | {ms:.2f} ms | "
                f"{floor_ms:.3f} ms | "
                f"{growth:.2f}× of {per_dossier[0][0]} (≤ {t['per_dossier_growth']}×) | | | "
                f"{_verdict(growth, t['per_dossier_growth'])} |"
            )
    for label, size in report["sizes"].items():
        one, two = size.get("spread_1", {}), size.get("spread_2", {})
        if not one:
            continue
        speedup = _ratio(one, two)
        same = "same rows" if size.get("spread_same_result") else "**results differ**"
        target = t.get("spread_scaling", 1.7)
        lines.append(
            f"| daily run spread over worker processes ({one.get('shards', '?')} shards of "
            f"{size.get('shard_size', '?')} due dossiers, {same} as the single run): 2 vs 1 | "
            f"{label} | {_run(size, report)} | {_s(two)} | {_s(one)} | "
            f"{f'{speedup:.2f}×' if speedup else '—'} faster (≥ {target}× at 1M) | | "
            f"{_mem(two, one)} | "
            f"{_verdict(speedup, target, higher_is_better=True) if label == '1M' else '—'} |"
        )
    floors = (("dashboard_floor", "aggregate SQL"), ("dashboard_summary_floor", "summary tables"))
    for label, size in report["sizes"].items():
        p = size["dashboard"]
        for key, floor_name in floors:
            if key not in size:
                continue  # a run from before the second floor
            f = size[key]
            ratio = _ratio(p, f)
            runs = len(p.get("all_seconds", ())) or len(f.get("all_seconds", ()))
            same = {True: ", same result", False: ", **results differ**"}.get(
                f.get("same_result"), ""
            )
            verdict = _verdict(ratio, t["dashboard"]) if f.get("same_result") is not False else "❌"
            lines.append(
                f"| KPI dashboard{f' (median of {runs} calls, warm)' if runs else ''}, "
                f"floor: {floor_name}{same} | {label} | "
                f"{_run(size, report)} | {_s(p)} | {_s(f)} | "
                f"{f'{ratio:.1f}×' if ratio else '—'} (≤ {t['dashboard']}×) | "
                f"{p.get('queries', '—')} / {f.get('queries', '—')} | {_mem(p, f)} | {verdict} |"
            )
    for label, size in report["sizes"].items():
        p, f = size["dashboard"], size["dashboard_floor"]
        if "first_call_seconds" in p and "first_call_seconds" in f:
            first = p["first_call_seconds"] / f["first_call_seconds"]
            lines.append(
                f"| KPI dashboard, first call of a fresh process (information) | {label} | "
                f"{_run(size, report)} | {p['first_call_seconds']:.3f} s | "
                f"{f['first_call_seconds']:.3f} s | "
                f"{first:.1f}× | | | — |"
            )
    lines.extend(_page_rows(report))
    if "letters" in report:
        letters = report["letters"]
        for w in ("1", "2"):
            p, f = letters.get(f"product_{w}", {}), letters.get(f"floor_{w}", {})
            ratio = _ratio(p, f)
            same = {True: ", same bytes", False: ", **bytes differ**"}.get(f.get("same_bytes"), "")
            lines.append(
                f"| {f.get('letters', '?')} letters, {w} worker process(es){same} | — | "
                f"{_run(letters, report)} | {_s(p)} | "
                f"{_s(f)} | {f'{ratio:.2f}×' if ratio else '—'} (≤ {t['letters']}×) | | "
                f"{_mem(p, f)} | {_verdict(ratio, t['letters'])} |"
            )
        phase = ", one phase, interleaved" if letters.get("one_phase") else ", two phases"
        for who in ("product", "floor"):
            one, two = letters.get(f"{who}_1", {}), letters.get(f"{who}_2", {})
            speedup = _ratio(one, two)
            lines.append(
                f"| letters: 2 workers vs 1 ({who}{phase}) | — | {_run(letters, report)} | "
                f"{_s(two)} | {_s(one)} | "
                f"{f'{speedup:.2f}×' if speedup else '—'} faster (≥ {t['letters_scaling']}×) | | | "
                f"{_verdict(speedup, t['letters_scaling'], higher_is_better=True)} |"
            )
    if "purge" in report:
        purge = report["purge"]
        p, f = purge["product"], purge["floor"]
        ratio = _ratio(p, f)
        lines.append(
            f"| GDPR purge of {purge['debtors']:,} debtors | — | {_run(purge, report)} | {_s(p)} | "
            f"{_s(f)} | "
            f"{f'{ratio:.1f}×' if ratio else '—'} (≤ {t['purge']}×) | "
            f"{p.get('queries', '—')} / {f.get('queries', '—')} | {_mem(p, f)} | "
            f"{_verdict(ratio, t['purge'])} |"
        )
    if "imports" in report:
        imports = report["imports"]
        p, f = imports.get("product", {}), imports.get("floor", {})
        ratio = _ratio(p, f)
        rate = p.get("rows_per_second")
        same = {True: ", same rows", False: ", **rows differ**"}.get(imports.get("same_rows"), "")
        lines.append(
            f"| invoice import of {imports.get('rows', 0):,} rows "
            f"({f'{rate:,.0f} rows/s' if rate else '—'}, floor: the same rows by COPY"
            f"{same}) | — | "
            f"{_run(imports, report)} | {_s(p)} | {_s(f)} | {f'{ratio:.1f}×' if ratio else '—'} "
            f"(≤ {t.get('imports', 3.0)}×) | {p.get('queries', '—')} / — | {_mem(p, f)} | "
            f"{_verdict(ratio, t.get('imports', 3.0))} |"
        )
    for label, size in report["sizes"].items():
        if "statements" in size:
            lines.extend(_statement_rows(label, size["statements"], _run(size, report), t))
    for label, scoring in report.get("scoring", {}).items():
        lines.extend(_scoring_rows(label, scoring, report))
    lines.append("")
    timing = ", ".join(
        f"{label}: {size['total_seconds']} s (seed {size['seed_seconds']} s)"
        for label, size in report["sizes"].items()
        if _run(size, report) == "this run"
    )
    lines.append(f"Time per size (copies, measures; its seed among the preparations): {timing}.")
    if report.get("section_seconds"):
        sections = "; ".join(f"{name} {sec} s" for name, sec in report["section_seconds"].items())
        lines.append(f"Time per section (wall): {sections}; total {report['total_seconds']} s.")
    if "load_before" in report:
        before, after = report["load_before"], report.get("load_after", ["?"] * 3)
        lines.append(
            f"Machine load (1, 5, 15 min) before: {', '.join(str(x) for x in before)}; "
            f"after: {', '.join(str(x) for x in after)} (2 CPUs shared)."
        )
    return "\n".join(lines) + "\n"
