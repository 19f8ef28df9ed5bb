"""``python -m bench.scoring [--claims 100000] [--keep]``: the payment-probability score's speed.

Seeds a database of its own (``<BENCH_PREFIX>scoring_<size>``, migrated, then filled by COPY)
with a generated year of history (``scoring.synthetic``, five invoices per dossier): debtors with
their activity code, dossiers open or closed (paid, written off), invoices, payments, promises,
disputes and the cadence's reminders. Then, in a process of its own on that database, times
``scoring.services.train`` (reading the base included) and ``scoring.services.score`` (reading,
scoring, explaining and writing every open dossier). Prints one JSON line and a summary.

Targets (issue #26): training on 1M claims < 5 min; scoring 200k open dossiers < 60 s.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bench import db
from bench.seed import PHASES, indexes_after, luhn_siren

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 24)
CREDITORS = 20
# A representative activity code of each NAF section (scoring.sectors.LETTERS, in order).
NAF = ("01.11Z", "08.11Z", "25.62B", "35.11Z", "38.11Z", "43.22A", "47.11B", "49.41A", "56.10A",
       "62.01Z", "66.22Z", "68.20A", "70.22Z", "81.21Z", "84.11Z", "85.59A", "86.21Z", "93.29Z",
       "96.02A", "97.00Z", "99.00Z")  # fmt: skip
NOW = "2026-11-24 08:00:00+00"


def _day(ordinal) -> str:
    return date.fromordinal(int(ordinal)).isoformat()


class _Rows:
    def __init__(self, cur, table: str, columns: tuple[str, ...]):
        self.cur, self.table, self.columns = cur, table, columns
        self.buffer = io.StringIO()
        self.count = 0

    def add(self, *values) -> None:
        self.buffer.write("\t".join(r"\N" if v is None else str(v) for v in values) + "\n")
        self.count += 1
        if self.count % 200_000 == 0:
            self.flush()

    def flush(self) -> None:
        if self.buffer.tell():
            with self.cur.copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as copy:
                copy.write(self.buffer.getvalue())
        self.buffer = io.StringIO()


# The tables the seed loads.
LOADED = ("dossiers_creditor", "dossiers_debtor", "dossiers_dossier", "dossiers_claim",
          "dossiers_payment", "dossiers_promise", "dossiers_dispute",
          "relances_reminder")  # fmt: skip
FRESH_DAYS = 60  # the fresh dossiers opened within the last 60 days, none paid yet


def seed(
    name: str,
    claims: int,
    *,
    open_dossiers: int | None = None,
    template: str | None = None,
    summaries: bool = False,
) -> dict:
    """Migrate ``name`` and fill it with the generated history of ``claims`` invoices (five per
    dossier, about a quarter of the dossiers still open), then with fresh dossiers (opened within
    the last ``FRESH_DAYS`` days, nothing paid yet, five invoices each) until ``open_dossiers``
    are open: by default ``claims / 5``, the open dossiers of ``make bench``'s base of the same
    size (1M open claims: 200,000 dossiers to score). ``template``: a migrated empty database
    to copy (``make bench``'s), instead of migrating ``name`` (a minute, more under load).
    ``summaries``: the dashboard's summary tables computed too (``rebuild_summaries``, two
    minutes at 1M under load): the training and the scoring read none of them, nor write the
    tables they summarise, so ``make bench`` leaves them empty."""
    from scoring import synthetic

    open_dossiers = claims // 5 if open_dossiers is None else open_dossiers
    db.create(name, template=template)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_DATABASE": name,
           "DJANGO_SETTINGS_MODULE": "bench.settings"}  # fmt: skip
    if not template:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0", "--skip-checks"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
    PHASES.clear()
    t = time.perf_counter()
    history, _ = synthetic.generate(dossiers=claims // 5, today=TODAY, effect="promises", seed=9)
    PHASES["generate"] = round(time.perf_counter() - t, 1)
    counts = {"claims": 0, "dossiers": 0, "open": 0, "fresh": 0, "payments": 0, "promises": 0,
              "reminders": 0}  # fmt: skip
    with db.connect(name) as conn, conn.cursor() as cur:
        # Plain rows, consistent by construction: no trigger while they are loaded (as
        # bench/seed.py). The dashboard's summaries are kept by triggers on these tables
        # (pilotage: a statement trigger per COPY, tens of minutes at 1M), computed once from
        # the rows instead when asked (``summaries``, below); the foreign keys' checks at
        # commit took a minute at 1M.
        cur.execute("SET session_replication_role = replica")
        t = time.perf_counter()
        loading = contextlib.ExitStack()  # closed once the rows are in: the indexes built
        loading.enter_context(indexes_after(cur, LOADED))
        steps = dict(
            cur.execute(
                "SELECT s.offset_days, min(s.id) FROM relances_cadencestep s JOIN "
                "relances_cadencepolicy p ON p.id = s.policy_id WHERE p.is_default "
                "AND p.debtor_kind = 'professional' GROUP BY s.offset_days"
            ).fetchall()
        )
        creditor = _Rows(cur, "dossiers_creditor", (
            "id", "legal_name", "code", "siren", "vat_number", "address_line1", "address_line2",
            "postal_code", "city", "country", "iban", "bic", "contact_email", "contact_phone",
            "dpo_contact", "privacy_policy_url", "legal_basis", "balancing_test",
            "is_collection_agency", "created_at", "unassigned_pool_open", "waives_accessories",
        ))  # fmt: skip
        for c in range(1, CREDITORS + 1):
            creditor.add(
                c, f"Créancier {c:02d} SAS", f"C{c:02d}", luhn_siren(30_000_000 + c), "",
                f"{c} rue du Commerce", "", "75015", "Paris", "FR", "FR7630006000011234567890189",
                "AGRIFRPP", f"recouvrement{c}@example.fr", "0102030405", f"dpo{c}@example.fr",
                "https://example.fr/confidentialite", "contract", "", "f", NOW, "f", "f",
            )  # fmt: skip
        creditor.flush()
        _write(cur, history, steps, counts, offset=0, fresh=False)
        extra = open_dossiers - counts["open"]
        if extra > 0:
            # Opened within the last FRESH_DAYS days: their ages spread like a month's intake.
            fresh, _ = synthetic.generate(
                dossiers=extra, today=TODAY, effect="promises", days=FRESH_DAYS, seed=10
            )
            _write(cur, fresh, steps, counts, offset=counts["dossiers"], fresh=True)
        PHASES["rows"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        loading.close()
        PHASES["indexes"] = round(time.perf_counter() - t, 1)
        for table in LOADED:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        conn.commit()
    t = time.perf_counter()
    with db.connect(name, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    PHASES["vacuum_analyze"] = round(time.perf_counter() - t, 1)
    if summaries:
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "rebuild_summaries", "-v0", "--skip-checks"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        with db.connect(name, autocommit=True) as conn:
            conn.execute("ANALYZE")
        PHASES["summaries"] = round(time.perf_counter() - t, 1)
    return counts


def _write(cur, history, steps: dict, counts: dict, *, offset: int, fresh: bool) -> None:
    """COPY one generated history, its dossier ids shifted by ``offset``. ``fresh``: every
    dossier is written open with nothing paid (a payment the generator drew for later)."""
    from scoring import features

    ev = history.events
    never = features.NEVER
    ids = (history.ids + offset).tolist()
    debtor = _Rows(cur, "dossiers_debtor", (
        "id", "kind", "name", "siren", "address_line1", "address_line2", "postal_code",
        "city", "country", "naf_code", "insolvency_status", "processing_restricted",
        "created_at",
    ))  # fmt: skip
    dossier = _Rows(cur, "dossiers_dossier", (
        "id", "creditor_id", "debtor_id", "reference", "state", "opened_on", "closed_on",
        "reference_date", "resume_state", "cycle", "formal_notice_sent_on",
    ))  # fmt: skip
    kinds = ("professional", "consumer", "unknown")
    paid = history.ended_paid & (not fresh)
    for i, pk in enumerate(ids):
        kind = kinds[history.kind[i]]
        debtor.add(
            pk, kind, f"Débiteur {pk:07d}",
            luhn_siren(10_000_000 + pk) if kind == "professional" else "",
            "1 avenue de la République", "", "75011", "Paris", "FR",
            NAF[history.sector[i]] if history.sector[i] >= 0 else "", "", "f", NOW,
        )  # fmt: skip
        closed = never if fresh else int(history.closed[i])
        state = (
            "paid" if paid[i]
            else "written_off" if history.ended_unpaid[i] and not fresh
            else "reminder_2"
        )  # fmt: skip
        counts["open"] += closed >= never
        notice = int(history.notice[i])
        dossier.add(
            pk, pk % CREDITORS + 1, pk, f"S{pk:08d}", state, _day(history.opened[i]),
            _day(closed) if closed < never else None, _day(history.opened[i]), "", 1,
            _day(notice) if notice < min(never, TODAY.toordinal()) else None,
        )  # fmt: skip
    debtor.flush()
    dossier.flush()
    counts["dossiers"] += len(ids)
    counts["fresh"] += len(ids) if fresh else 0
    claim = _Rows(cur, "dossiers_claim", (
        "id", "dossier_id", "creditor_id", "invoice_number", "issue_date", "due_date",
        "amount", "outstanding", "currency", "contract_ref", "purchase_order_ref",
        "delivery_note_ref", "cancellation_reason", "created_at",
    ))  # fmt: skip
    c = ev["claims"]
    first = counts["claims"]
    for j, (d, issue, due, amount) in enumerate(
        zip(c["d"].tolist(), c["issue"].tolist(), c["due"].tolist(), c["amount"].tolist(),
            strict=True)
    ):  # fmt: skip
        pk = ids[d]
        claim.add(
            first + j + 1, pk, pk % CREDITORS + 1, f"F{pk:08d}-{j % 5}", _day(issue), _day(due),
            f"{amount:.2f}", "0.00" if paid[d] else f"{amount:.2f}", "EUR", "", "", "", "",
            NOW,
        )  # fmt: skip
    claim.flush()
    counts["claims"] += len(c["d"])
    if not fresh:
        payment = _Rows(cur, "dossiers_payment", (
            "dossier_id", "kind", "amount", "received_on", "method", "reference", "created_at",
            "reversal_reason",
        ))  # fmt: skip
        p = ev["payments"]
        for d, day, amount in zip(p["d"].tolist(), p["day"].tolist(), p["amount"].tolist(),
                                  strict=True):  # fmt: skip
            payment.add(ids[d], "payment", f"{amount:.2f}", _day(day), "transfer", "", NOW, "")
        payment.flush()
        counts["payments"] += len(p["d"])
    today = TODAY.toordinal()
    promise = _Rows(cur, "dossiers_promise", (
        "dossier_id", "amount", "made_on", "due_on", "status", "settled_on", "note",
    ))  # fmt: skip
    pr = ev["promises"]
    for d, made, settled, status in zip(
        pr["d"].tolist(),
        pr["made"].tolist(),
        pr["settled"].tolist(),
        pr["status"].tolist(),
        strict=True,
    ):
        if settled >= today:
            continue  # a fresh dossier's promise not settled yet: not written
        promise.add(
            ids[d], "100.00", _day(made), _day(settled - 1),
            "kept" if status == 1 else "broken", _day(settled), "",
        )  # fmt: skip
        counts["promises"] += 1
    promise.flush()
    dispute = _Rows(cur, "dossiers_dispute", (
        "dossier_id", "reason", "description", "opened_on", "status", "resolved_on", "resolution",
    ))  # fmt: skip
    di = ev["disputes"]
    for d, opened, resolved in zip(
        di["d"].tolist(), di["opened"].tolist(), di["resolved"].tolist(), strict=True
    ):
        if resolved >= today:
            continue
        dispute.add(ids[d], "quality", "", _day(opened), "resolved", _day(resolved), "")
    dispute.flush()
    reminder = _Rows(cur, "relances_reminder", (
        "dossier_id", "step_id", "cycle", "channel", "status", "scheduled_for", "caught_up",
        "note", "content", "sent_at", "created_at", "delivery_attempts", "reanchored",
    ))  # fmt: skip
    re = ev["reminders"]
    offsets = sorted(steps)
    last_offset: dict[int, int] = {}
    for d, day in zip(re["d"].tolist(), re["day"].tolist(), strict=True):
        k = last_offset.get(d, -1) + 1  # the dossier's k-th reminder: R+7, R+15, R+30, R+45
        last_offset[d] = k
        reminder.add(
            ids[d], steps[offsets[min(k, len(offsets) - 1)]], 1, "email", "sent", _day(day),
            "f", "", "", f"{_day(day)} 09:00:00+00", NOW, 0, "f",
        )  # fmt: skip
    reminder.flush()
    counts["reminders"] += len(re["d"])


def measure() -> dict:
    """In the bench database (BENCH_DATABASE): train, then score, each timed."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from scoring import services
    from scoring.models import DossierScore, ScoreModel

    started = time.perf_counter()
    model = services.train(as_of=TODAY, trigger=ScoreModel.Trigger.SCRIPT)
    train_s = time.perf_counter() - started
    started = time.perf_counter()
    scored = services.score(on=TODAY, model=model)
    score_s = time.perf_counter() - started
    sample = DossierScore.objects.order_by("dossier_id").first()
    return {
        "train_s": round(train_s, 1),
        "training_size": model.training_size,
        "validation_size": model.validation_size,
        "auc": round(model.auc or 0, 3),
        "usable": model.usable,
        "scored": scored,
        "score_s": round(score_s, 1),
        "sample": sample.reasons.splitlines() if sample else [],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_measure(name: str) -> dict:
    """Train then score on the seeded ``name``, in a process of its own; the machine's load
    average (1 min) before and after."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_DATABASE": name,
           "DJANGO_SETTINGS_MODULE": "bench.settings"}  # fmt: skip
    before = os.getloadavg()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.scoring", "--measure", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode:
        return {"status": "error", "error": proc.stderr.strip().splitlines()[-3:]}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["load_before"] = [round(x, 2) for x in before]
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=None, help="dossiers ouverts (claims / 5)")
    parser.add_argument("--keep", action="store_true", help="garder la base après la mesure")
    parser.add_argument("--seed-only", action="store_true", help="créer la base, sans mesurer")
    parser.add_argument("--template", help="base migrée vide à copier (au lieu de migrer)")
    parser.add_argument(
        "--measure-only", action="store_true", help="mesurer sur la base déjà créée (--keep)"
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(), ensure_ascii=False))
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()  # scoring.synthetic imports the models' choices
    name = f"{db.PREFIX}scoring_{args.claims}"
    counts: dict = {}
    seeded = None
    if not args.measure_only:
        started = time.perf_counter()
        counts = seed(name, args.claims, open_dossiers=args.open, template=args.template)
        seeded = round(time.perf_counter() - started, 1)
        print(json.dumps({"counts": counts, "seed_s": seeded, "seed_phases": PHASES}), flush=True)
        if args.seed_only:
            return
    result = run_measure(name)
    if "status" in result:
        print("\n".join(result["error"]), file=sys.stderr)
        raise SystemExit(1)
    print(json.dumps({"counts": counts, "seed_s": seeded, **result}, ensure_ascii=False))
    per_200k = result["score_s"] * 200_000 / max(result["scored"], 1)
    print(
        f"entraînement {result['train_s']} s sur {result['training_size']} exemples "
        f"(AUC {result['auc']}) ; notation de {result['scored']} dossiers ouverts "
        f"{result['score_s']} s (soit {per_200k:.1f} s pour 200 000) ; charge "
        f"{result['load_before'][0]} → {result['load_after'][0]}"
    )
    if not args.keep:
        db.drop(name)


if __name__ == "__main__":
    main()
