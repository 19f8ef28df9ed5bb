"""Seed a bench database fast: COPY of plain rows, valid for every constraint.

A size is a number of open claims; there are five claims per dossier (1M claims → 200k
dossiers), one debtor per dossier, one contact per debtor. Every dossier is somewhere along the
default cadence (R+7, R+15 e-mail and call, R+30, R+45 formal notice) with the reminders of the
steps it has passed; ``DUE_SHARE`` of them have a step due on ``ON`` (one in ten of those is a
catch-up: two steps due, the earlier one is skipped). The others wait for a later day.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from bench import db
from legal import calendar

ON = date(2026, 11, 24)  # a Tuesday, a working day everywhere
CLAIMS_PER_DOSSIER = 5
DUE_SHARE = 0.10
CATCH_UP_SHARE = 0.10  # of the due dossiers
CREDITORS = 20
# Offsets of the default policies' step groups (relances/migrations/0002_default_policies.py).
GROUPS = (7, 15, 30, 45)
STAGE_AFTER = ("open", "reminder_1", "reminder_2", "reminder_3", "formal_notice")
POSTAL_CODES = (
    ("75011", "Paris"),
    ("69002", "Lyon"),
    ("33000", "Bordeaux"),
    ("67000", "Strasbourg"),
)
IBAN = "FR7630006000011234567890189"
PHASES: dict[str, float] = {}  # the last seed's phases and their seconds (the bench's log)


def _phase(name: str, started: float) -> float:
    now = time.perf_counter()
    PHASES[name] = round(now - started, 1)
    return now


def luhn_siren(body: int) -> str:
    """Eight digits and their Luhn key: a valid SIREN."""
    digits = f"{body:08d}"
    for key in range(10):
        candidate = digits + str(key)
        total = 0
        for i, ch in enumerate(candidate):
            d = int(ch)
            if i % 2 == 1:
                d *= 2
                d = d - 9 if d > 9 else d
            total += d
        if total % 10 == 0:
            return candidate
    raise AssertionError


def _rolled(day: date, postal_code: str, cache={}) -> date:  # noqa: B006
    key = (day, postal_code[:2])
    if key not in cache:
        cache[key] = calendar.roll_forward(day, postal_code=postal_code)
    return cache[key]


@contextlib.contextmanager
def indexes_after(cur, tables: tuple[str, ...]):
    """The indexes of ``tables`` that back no constraint dropped while the rows are loaded,
    then created again from their own definitions (``pg_get_indexdef``: the same names and
    definitions, checked), each built once from the rows instead of entry by entry (about
    seven of a table's nine or thirteen indexes). Primary keys and unique constraints stay."""
    query = (
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
        "WHERE k.conindid = i.indexrelid) ORDER BY 1"
    )
    cur.execute(query, [list(tables)])
    saved = cur.fetchall()
    for name, _ in saved:
        cur.execute(f"DROP INDEX {name}")
    yield
    cur.execute("SET maintenance_work_mem = '256MB'")
    for _, definition in saved:
        cur.execute(definition)
    cur.execute(query, [list(tables)])
    if cur.fetchall() != saved:
        raise AssertionError("seed: the indexes created again differ from the schema's")


class _Copy:
    """Rows as tab-separated text for COPY FROM STDIN (values never hold tabs or newlines)."""

    def __init__(self, cursor, table: str, columns: tuple[str, ...]):
        self.cursor, self.table, self.columns = cursor, table, columns
        self.buffer = io.StringIO()
        self.rows = 0

    def add(self, *values) -> None:
        self.buffer.write("\t".join(r"\N" if v is None else str(v) for v in values))
        self.buffer.write("\n")
        self.rows += 1
        if self.rows % 200_000 == 0:
            self.flush()

    def flush(self) -> None:
        data = self.buffer.getvalue()
        if data:
            cols = ", ".join(self.columns)
            with self.cursor.copy(f"COPY {self.table} ({cols}) FROM STDIN") as copy:
                copy.write(data)
        self.buffer = io.StringIO()


def seed(
    name: str,
    claims: int,
    *,
    per_dossier: int = CLAIMS_PER_DOSSIER,
    seed_value: int = 12,
    enrich: bool = True,
    creditor: int | None = None,
    finish: bool = True,
) -> dict:
    """Fill the (migrated, empty) database ``name`` with ``claims`` open claims. ``creditor``:
    every dossier and invoice that creditor's (the bank statement's book, bench/statements.py),
    the rows otherwise the same; by default spread over the ``CREDITORS``."""
    rng = random.Random(seed_value)
    PHASES.clear()
    t = time.perf_counter()
    dossiers = claims // per_dossier
    counts = {"claims": claims, "dossiers": dossiers, "due": 0, "catch_up": 0, "reminders": 0}
    with db.connect(name) as conn, conn.cursor() as cur:
        # Plain rows, consistent by construction: no trigger. The dashboard's summaries are
        # rebuilt once at the end (``_summaries``): kept by their triggers through the seed's
        # bulk writes, in one transaction without planner statistics, the payments' statement
        # alone ran over 9 minutes at 1M claims before it was stopped.
        cur.execute("SET session_replication_role = replica")
        loading = contextlib.ExitStack()  # closed once the rows are in: the indexes built
        loading.enter_context(indexes_after(cur, tuple(SEEDED)))
        steps = cur.execute(
            "SELECT s.id, p.debtor_kind, s.offset_days, s.channel FROM relances_cadencestep s "
            "JOIN relances_cadencepolicy p ON p.id = s.policy_id WHERE p.is_default "
            "ORDER BY s.offset_days, s.id"
        ).fetchall()
        by_kind: dict[str, dict[int, list[tuple[int, str]]]] = {}
        for step_id, kind, offset, channel in steps:
            by_kind.setdefault(kind, {}).setdefault(offset, []).append((step_id, channel))
        now = "2026-11-23 08:00:00+00"
        creditors = _Copy(
            cur,
            "dossiers_creditor",
            (
                "id", "legal_name", "siren", "address_line1", "address_line2", "postal_code",
                "city", "country", "iban", "bic", "contact_email", "contact_phone",
                "dpo_contact", "privacy_policy_url", "legal_basis", "balancing_test",
                "is_collection_agency", "created_at", "unassigned_pool_open",
                "waives_accessories",
            ),
        )  # fmt: skip
        for c in range(1, CREDITORS + 1):
            creditors.add(
                c, f"Créancier {c:02d} SAS", luhn_siren(30_000_000 + c), f"{c} rue du Commerce",
                "", "75015", "Paris", "FR", IBAN, "AGRIFRPP", f"recouvrement{c}@example.fr",
                "0102030405", f"dpo{c}@example.fr", "https://example.fr/confidentialite",
                "contract", "", "f", now, "f", "f",
            )  # fmt: skip
        creditors.flush()
        # The random draws, dossier by dossier in the order they were always drawn (the same
        # rows for the same ``seed_value``), copied as one narrow row per dossier; the rows are
        # then made from them in SQL (``ROWS``), not written row by row from Python.
        by_steps = [
            (kind, g, k, step_id, channel)
            for kind, groups in by_kind.items()
            for g, offset in enumerate(GROUPS)
            for k, (step_id, channel) in enumerate(groups.get(offset, ()))
        ]
        cur.execute(
            "CREATE TEMP TABLE seed_steps (kind text, g int, k int, step_id bigint, "
            "channel text) ON COMMIT DROP"
        )
        with cur.copy("COPY seed_steps FROM STDIN") as copy:
            for row in by_steps:
                copy.write_row(row)
        cur.execute(
            "CREATE TEMP TABLE seed_draws (i bigint, professional boolean, done int, "
            "anchor date, next_action date, cents int[], sent date[]) ON COMMIT DROP"
        )
        draws = io.StringIO()
        for i in range(1, dossiers + 1):
            professional = rng.random() < 0.7
            postal_code = POSTAL_CODES[i % len(POSTAL_CODES)][0]
            done = rng.randrange(len(GROUPS))  # step groups already passed: 0..3
            due = rng.random() < DUE_SHARE
            if due and done + 1 < len(GROUPS) and rng.random() < CATCH_UP_SHARE:
                anchor = ON - timedelta(days=GROUPS[done + 1])  # two groups due: a catch-up
                counts["catch_up"] += 1
            elif due:
                anchor = ON - timedelta(days=GROUPS[done] + rng.randrange(3))
            else:
                anchor = ON - timedelta(days=GROUPS[done]) + timedelta(days=rng.randrange(2, 8))
            # The days the passed steps were sent (each group's, rolled to a working day).
            sent = [_rolled(anchor + timedelta(days=GROUPS[g]), postal_code) for g in range(done)]
            next_step = _rolled(anchor + timedelta(days=GROUPS[done]), postal_code)
            if due:
                spacing_ok = not sent or _rolled(sent[-1] + timedelta(days=7), postal_code) <= ON
                if not spacing_ok or next_step > ON:
                    raise AssertionError(f"seed: dossier {i} would not fire")
                counts["due"] += 1
                next_action = ON
            else:
                next_action = next_step
            cents = ",".join(str(rng.randrange(5_000, 500_000)) for _ in range(per_dossier))
            draws.write(
                f"{i}\t{'t' if professional else 'f'}\t{done}\t{anchor}\t{next_action}\t"
                f"{{{cents}}}\t{{{','.join(map(str, sent))}}}\n"
            )
        with cur.copy("COPY seed_draws FROM STDIN") as copy:
            copy.write(draws.getvalue())
        del draws
        cur.execute("ANALYZE seed_draws")
        params = {
            "now": now,
            "creditor": creditor,
            "creditors": CREDITORS,
            "codes": [code for code, _ in POSTAL_CODES],
            "cities": [city for _, city in POSTAL_CODES],
            "stages": list(STAGE_AFTER),
        }
        for table, statement in ROWS:
            cur.execute(statement, params)
            if table == "relances_reminder":
                counts["reminders"] = cur.rowcount
        t = _phase("rows", t)
        if enrich:
            counts.update(_enrich(cur))
        t = _phase("enrich", t)
        loading.close()
        t = _phase("indexes", t)
        for table in (
            "dossiers_creditor",
            "dossiers_debtor",
            "dossiers_debtorcontact",
            "dossiers_dossier",
            "dossiers_claim",
            "relances_reminder",
        ):  # fmt: skip
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        conn.commit()
    t = _phase("commit", t)
    if finish:  # else the caller's (``seed_purge``: after its own changes)
        _finish(name, t)
    return counts


def _finish(name: str, t: float) -> None:
    """``VACUUM ANALYZE``, then the dashboard's summaries computed from the rows."""
    with db.connect(name, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    t = _phase("vacuum_analyze", t)
    _summaries(name)
    _phase("summaries", t)


def _siren_sql(body: str) -> str:
    """SQL of ``luhn_siren``: the eight digits of ``body`` and their Luhn key (``%%``: the
    statement takes parameters)."""
    terms = []
    for k in range(8):
        digit = f"(({body}) / {10 ** (7 - k)} %% 10)"
        terms.append(f"(2 * {digit} - CASE WHEN {digit} > 4 THEN 9 ELSE 0 END)" if k % 2 else digit)
    return f"lpad(({body})::text, 8, '0') || ((10 - ({' + '.join(terms)}) %% 10) %% 10)::text"


_PADDED = "lpad(d.i::text, greatest(7, length(d.i::text)), '0')"  # f"{i:07d}"
_CREDITOR = "coalesce(%(creditor)s::bigint, d.i %% %(creditors)s + 1)"
# The seed's rows made from its draws (``seed_draws``: one row per dossier) and the default
# policies' steps (``seed_steps``), each table in id order: what ``seed`` wrote row by row from
# Python until 03/12/2026 (``tests/bench/test_seed.py``: the same rows, digest for digest).
ROWS = [
    (
        "dossiers_debtor",
        f"""INSERT INTO dossiers_debtor (id, kind, name, siren, address_line1, address_line2,
        postal_code, city, country, insolvency_status, processing_restricted, created_at)
    SELECT d.i, CASE WHEN d.professional THEN 'professional' ELSE 'consumer' END,
           'Débiteur ' || {_PADDED},
           CASE WHEN d.professional THEN {_siren_sql("10000000 + d.i")} ELSE '' END,
           (d.i %% 200 + 1) || ' avenue de la République', '',
           (%(codes)s::text[])[d.i %% cardinality(%(codes)s::text[]) + 1],
           (%(cities)s::text[])[d.i %% cardinality(%(codes)s::text[]) + 1], 'FR', '', false,
           %(now)s::timestamptz
    FROM seed_draws d ORDER BY d.i""",
    ),
    (
        "dossiers_debtorcontact",
        f"""INSERT INTO dossiers_debtorcontact (id, debtor_id, role, name, email, phone)
    SELECT d.i, d.i, 'collection', 'Contact ' || {_PADDED}, 'compta' || d.i || '@example.fr',
           '0601020304'
    FROM seed_draws d ORDER BY d.i""",
    ),
    (
        "dossiers_dossier",
        f"""INSERT INTO dossiers_dossier (id, creditor_id, debtor_id, reference, state,
        opened_on, reference_date, next_action_at, resume_state, cycle)
    SELECT d.i, {_CREDITOR}, d.i, 'D' || {_PADDED}, (%(stages)s::text[])[d.done + 1],
           d.anchor, d.anchor, d.next_action, '', 1
    FROM seed_draws d ORDER BY d.i""",
    ),
    (
        "dossiers_claim",
        f"""INSERT INTO dossiers_claim (id, dossier_id, creditor_id, invoice_number, issue_date,
        due_date, amount, outstanding, currency, contract_ref, purchase_order_ref,
        delivery_note_ref, cancellation_reason, created_at)
    SELECT (d.i - 1) * cardinality(d.cents) + u.n, d.i, {_CREDITOR},
           'F' || {_PADDED} || '-' || (u.n - 1), d.anchor + 3 * (u.n - 1)::int - 30,
           d.anchor + 3 * (u.n - 1)::int, u.c::numeric / 100, u.c::numeric / 100, 'EUR', '',
           '', '', '', %(now)s::timestamptz
    FROM seed_draws d, unnest(d.cents) WITH ORDINALITY u(c, n) ORDER BY d.i, u.n""",
    ),
    (
        "relances_reminder",
        """INSERT INTO relances_reminder (id, dossier_id, step_id, cycle, channel, status,
        scheduled_for, caught_up, note, content, sent_at, created_at, delivery_attempts,
        reanchored)
    SELECT row_number() OVER (ORDER BY d.i, w.g, s.k), d.i, s.step_id, 1, s.channel, 'sent',
           w.day, false, '', '', (w.day + time '09:00') AT TIME ZONE 'UTC',
           %(now)s::timestamptz, 0, false
    FROM seed_draws d CROSS JOIN LATERAL unnest(d.sent) WITH ORDINALITY w(day, g)
    JOIN seed_steps s ON s.g = w.g - 1
     AND s.kind = CASE WHEN d.professional THEN 'professional' ELSE 'consumer' END
    ORDER BY d.i, w.g, s.k""",
    ),
]


def _summaries(name: str) -> None:
    """The dashboard's summary tables computed from the seeded rows (``manage.py
    rebuild_summaries``, in a process of its own on ``name``), then their statistics."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "BENCH_DATABASE": name,
           "DJANGO_SETTINGS_MODULE": "bench.settings"}  # fmt: skip
    subprocess.run(
        [sys.executable, "manage.py", "rebuild_summaries", "--skip-checks"],
        cwd=root, env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    with db.connect(name, autocommit=True) as conn:
        conn.execute("ANALYZE")


# What a portfolio holds besides claims and reminders, in proportions of a collection team's
# book (issue #25: without them several of the product's subqueries ran on empty tables). Set
# on dossiers by id modulo, so the same rows at every size; nothing here changes what the daily
# run decides for a due dossier (historical promises and plans are settled, open disputes are
# on dossiers not due, payments are partial), so the floor's « same rows » still holds.
ENRICH = [
    # Partial payments (30 % of the first invoice) on 30 % of the dossiers, each allocated to
    # its invoice, whose outstanding drops accordingly.
    (
        "payments",
        """WITH picked AS (
        SELECT c.id AS claim_id, c.dossier_id, round(c.amount * 0.3, 2) AS paid,
               least(c.due_date + 5, %(on)s::date - 1) AS received_on
        FROM dossiers_claim c
        WHERE c.dossier_id %% 10 IN (1, 4, 7) AND c.invoice_number LIKE '%%-0'),
     pay AS (
        INSERT INTO dossiers_payment (kind, amount, received_on, method, reference, created_at,
            dossier_id, reversal_reason)
        SELECT 'payment', paid, received_on, 'transfer', 'VIR ' || claim_id, now(), dossier_id,
               ''
        FROM picked RETURNING id, dossier_id, amount)
    INSERT INTO dossiers_paymentallocation (amount, claim_id, payment_id)
    SELECT pay.amount, picked.claim_id, pay.id FROM pay JOIN picked USING (dossier_id)""",
    ),
    (
        "outstanding",
        """UPDATE dossiers_claim c SET outstanding = c.outstanding - a.amount
    FROM dossiers_paymentallocation a WHERE a.claim_id = c.id""",
    ),
    # Promises of the past year, kept (2 in 3) or broken, on 4 % of the dossiers.
    (
        "promises",
        """INSERT INTO dossiers_promise (amount, made_on, due_on, status, settled_on,
        note, dossier_id)
    SELECT 100 + (id %% 900)::int, %(on)s::date - 60 - (id %% 200)::int,
           %(on)s::date - 45 - (id %% 200)::int,
           CASE WHEN id %% 3 = 0 THEN 'broken' ELSE 'kept' END,
           %(on)s::date - 40 - (id %% 200)::int, 'Promesse au téléphone', id
    FROM dossiers_dossier WHERE id %% 25 = 3""",
    ),
    # Payment plans of the past year, completed or broken, three installments, on 1 %.
    (
        "plans",
        """WITH p AS (
        INSERT INTO dossiers_paymentplan (accepted_on, status, ended_on, dossier_id)
        SELECT %(on)s::date - 300 + (id %% 100)::int,
               CASE WHEN id %% 2 = 0 THEN 'completed' ELSE 'broken' END,
               %(on)s::date - 100 + (id %% 60)::int, id
        FROM dossiers_dossier WHERE id %% 100 = 9 RETURNING id, accepted_on)
    INSERT INTO dossiers_installment (due_on, amount, missed_on, plan_id)
    SELECT p.accepted_on + 30 * k, 200, NULL, p.id FROM p, generate_series(1, 3) k""",
    ),
    # Disputes resolved over the year on 2 % of the dossiers...
    (
        "disputes",
        """INSERT INTO dossiers_dispute (reason, description, opened_on, status,
        resolved_on, resolution, claim_id, dossier_id)
    SELECT 'quality', 'Prestation contestée', %(on)s::date - 120 - (id %% 150)::int,
           'resolved',
           %(on)s::date - 100 - (id %% 150)::int, 'Créance maintenue', NULL, id
    FROM dossiers_dossier WHERE id %% 50 = 11""",
    ),
    # ...and open on 1 % (not due today: their cadence is paused, state « disputed »).
    (
        "open_disputes",
        """WITH o AS (
        UPDATE dossiers_dossier SET resume_state = state, state = 'disputed',
            next_action_at = NULL
        WHERE id %% 100 = 17 AND next_action_at > %(on)s RETURNING id)
    INSERT INTO dossiers_dispute (reason, description, opened_on, status, resolved_on,
        resolution, claim_id, dossier_id)
    SELECT 'not_received', 'Facture non reçue', %(on)s::date - 10, 'open', NULL, '', NULL, id
    FROM o""",
    ),
    # A call logged for every call step made (R+15), with its outcome.
    (
        "calls",
        """INSERT INTO relances_calllog (called_at, outcome, contact_name, contact_role,
        delay_reason, debtor_said, objections, commitment_amount, commitment_date,
        plan_offered, recap_status, recap_content, summary, called_by_id, dossier_id,
        follow_up_task_id, promise_id)
    SELECT r.sent_at + interval '2 hours',
           (ARRAY['reached', 'voicemail', 'no_answer', 'wrong_number'])[1 + r.id %% 4],
           '', '', '', '', '', NULL, NULL, false, '', '',
           CASE WHEN r.id %% 4 = 0 THEN 'Débiteur joint : règlement annoncé' ELSE '' END,
           NULL, r.dossier_id, NULL, NULL
    FROM relances_reminder r WHERE r.channel = 'phone' AND r.status = 'sent'""",
    ),
    # Evidence: the invoice on 20 % of the dossiers, the contract too on a third of those.
    (
        "evidence",
        """INSERT INTO dossiers_evidence (kind, file, original_name, sha256,
        description, uploaded_at, claim_id, dossier_id, uploaded_by_id)
    SELECT k.kind, 'evidence/bench/' || d.id || '-' || k.kind || '.pdf', k.kind || '.pdf',
           md5(d.id || k.kind) || md5(k.kind || d.id), '', now(), NULL, d.id, NULL
    FROM dossiers_dossier d
    JOIN (VALUES ('invoice', 1), ('contract', 3)) AS k(kind, every)
      ON d.id %% (5 * every) = 2""",
    ),
    # What went out: one sent message per reminder sent by e-mail or letter.
    (
        "sent_messages",
        """INSERT INTO courriers_sentmessage (kind, channel, recipient, is_test,
        subject, body_text, body_html, pdf, text_sha256, html_sha256, pdf_sha256, message_id,
        sent_at, status, status_note, status_changed_on, registered_number, dossier_id,
        reminder_id)
    SELECT CASE WHEN r.channel = 'registered_letter' THEN 'formal_notice' ELSE 'amicable' END,
           r.channel, 'compta' || r.dossier_id || '@example.fr', false,
           'Relance facture', 'Madame, Monsieur, sauf erreur de notre part…', '', '',
           md5(r.id::text) || md5(r.dossier_id::text), '', '', '<' || r.id || '@bench>',
           r.sent_at, 'sent', '', NULL, '', r.dossier_id, r.id
    FROM relances_reminder r
    WHERE r.status = 'sent' AND r.channel IN ('email', 'letter', 'registered_letter')""",
    ),
]


def _enrich(cur) -> dict:
    counts = {}
    for key, statement in ENRICH:
        cur.execute(statement, {"on": ON})
        counts[key] = cur.rowcount
    return counts


CLOSE_FOR_PURGE = [
    # Paid and closed six years before the day: past every retention period.
    """UPDATE dossiers_claim SET outstanding = 0,
        issue_date = issue_date - interval '6 years 3 months',
        due_date = due_date - interval '6 years 3 months'""",
    """UPDATE relances_reminder SET scheduled_for = scheduled_for - interval '6 years 3 months',
        sent_at = sent_at - interval '6 years 3 months'""",
    """UPDATE dossiers_dossier SET state = 'paid', next_action_at = NULL,
        opened_on = opened_on - interval '6 years 3 months',
        reference_date = reference_date - interval '6 years 3 months',
        closed_on = %(on)s - interval '6 years'""",
    # Their journal: one creation row for every debtor, contact and reminder.
    """INSERT INTO dossiers_historicaldebtor (id, kind, name, siren, address_line1, address_line2,
        postal_code, city, country, insolvency_status, insolvency_opened_on,
        processing_restricted, created_at, history_date, history_type, history_change_reason)
    SELECT id, kind, name, siren, address_line1, address_line2, postal_code, city, country,
        insolvency_status, insolvency_opened_on, processing_restricted, created_at, created_at,
        '+', 'import' FROM dossiers_debtor""",
    """INSERT INTO dossiers_historicaldebtorcontact (id, debtor_id, role, name, email, phone,
        history_date, history_type, history_change_reason)
    SELECT id, debtor_id, role, name, email, phone, now(), '+', 'import'
    FROM dossiers_debtorcontact""",
    """INSERT INTO relances_historicalreminder (id, dossier_id, step_id, cycle, channel, status,
        scheduled_for, caught_up, note, content, sent_at, created_at, delivery_attempts,
        reanchored, history_date, history_type, history_change_reason)
    SELECT id, dossier_id, step_id, cycle, channel, status, scheduled_for, caught_up,
        'Relance envoyée à Débiteur ' || dossier_id, 'Contenu adressé à Débiteur ' || dossier_id,
        sent_at, created_at, delivery_attempts, reanchored, created_at, '+', 'cadence'
    FROM relances_reminder""",
]


def seed_purge(name: str, debtors: int) -> dict:
    """``debtors`` debtors whose only dossier was paid and closed six years ago (two invoices
    each, their reminders and journal rows): all due for the GDPR purge."""
    counts = seed(name, debtors * 2, per_dossier=2, seed_value=13, enrich=False, finish=False)
    t = time.perf_counter()
    with db.connect(name) as conn, conn.cursor() as cur:
        # Closed without the summaries' triggers (row by row: about half of the base's 221 s at
        # 100,000 debtors under load), the summaries computed once afterwards (``_finish``):
        # the same tables, checked against the triggers' by hand on 03/12/2026.
        cur.execute("SET LOCAL session_replication_role = replica")
        for statement in CLOSE_FOR_PURGE:
            cur.execute(statement, {"on": ON})
        if cur.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'dossiers_dossier' "
            "AND column_name = 'purge_on'"
        ).fetchone():
            cur.execute("UPDATE dossiers_dossier SET purge_on = closed_on + interval '5 years'")
        conn.commit()
    _finish(name, _phase("close", t))
    return counts


# The tables the seed writes, with the columns PostgreSQL fills with the time of the seed
# (left out of the fingerprint).
SEEDED = {
    "dossiers_creditor": (),
    "dossiers_debtor": (),
    "dossiers_debtorcontact": (),
    "dossiers_dossier": (),
    "dossiers_claim": (),
    "relances_reminder": (),
    "dossiers_payment": ("created_at",),
    "dossiers_paymentallocation": (),
    "dossiers_promise": (),
    "dossiers_paymentplan": (),
    "dossiers_installment": (),
    "dossiers_dispute": (),
    "relances_calllog": (),
    "dossiers_evidence": ("uploaded_at",),
    "courriers_sentmessage": (),
}


def fingerprint(name: str) -> dict:
    """Each seeded table's row count and a digest of its rows in id order (the seed's check:
    a faster seed must write the same rows)."""
    out = {}
    with db.connect(name) as conn:
        for table, skipped in SEEDED.items():
            drop = "".join(f" - '{column}'" for column in skipped)
            count, digest = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg((to_jsonb(t){drop})::text, '|' "
                f"ORDER BY id), '')) FROM {table} t"
            ).fetchone()
            out[table] = f"{count}:{digest}"
    return out
