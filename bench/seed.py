"""Seed a bench database fast: COPY of plain rows, valid for every constraint.

A size is a number of open claims; there are five claims per dossier (1M claims → 200k
dossiers), one debtor per dossier, one contact per debtor. Every dossier is somewhere along the
default cadence (R+7, R+15 e-mail and call, R+30, R+45 formal notice) with the reminders of the
steps it has passed; ``DUE_SHARE`` of them have a step due on ``ON`` (one in ten of those is a
catch-up: two steps due, the earlier one is skipped). The others wait for a later day.
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

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
    name: str, claims: int, *, per_dossier: int = CLAIMS_PER_DOSSIER, seed_value: int = 12
) -> dict:
    """Fill the (migrated, empty) database ``name`` with ``claims`` open claims."""
    rng = random.Random(seed_value)
    dossiers = claims // per_dossier
    counts = {"claims": claims, "dossiers": dossiers, "due": 0, "catch_up": 0, "reminders": 0}
    with db.connect(name) as conn, conn.cursor() as cur:
        steps = cur.execute(
            "SELECT s.id, p.debtor_kind, s.offset_days, s.channel FROM relances_cadencestep s "
            "JOIN relances_cadencepolicy p ON p.id = s.policy_id WHERE p.is_default "
            "ORDER BY s.offset_days, s.id"
        ).fetchall()
        by_kind: dict[str, dict[int, list[tuple[int, str]]]] = {}
        for step_id, kind, offset, channel in steps:
            by_kind.setdefault(kind, {}).setdefault(offset, []).append((step_id, channel))
        now = "2026-11-23 08:00:00+00"
        creditor = _Copy(
            cur,
            "dossiers_creditor",
            (
                "id", "legal_name", "siren", "address_line1", "address_line2", "postal_code",
                "city", "country", "iban", "bic", "contact_email", "contact_phone",
                "dpo_contact", "privacy_policy_url", "legal_basis", "balancing_test",
                "is_collection_agency", "created_at", "unassigned_pool_open",
            ),
        )  # fmt: skip
        for c in range(1, CREDITORS + 1):
            creditor.add(
                c, f"Créancier {c:02d} SAS", luhn_siren(30_000_000 + c), f"{c} rue du Commerce",
                "", "75015", "Paris", "FR", IBAN, "AGRIFRPP", f"recouvrement{c}@example.fr",
                "0102030405", f"dpo{c}@example.fr", "https://example.fr/confidentialite",
                "contract", "", "f", now, "f",
            )  # fmt: skip
        creditor.flush()
        debtor = _Copy(
            cur,
            "dossiers_debtor",
            (
                "id", "kind", "name", "siren", "address_line1", "address_line2", "postal_code",
                "city", "country", "insolvency_status", "processing_restricted", "created_at",
            ),
        )  # fmt: skip
        contact = _Copy(
            cur, "dossiers_debtorcontact", ("id", "debtor_id", "role", "name", "email", "phone")
        )
        dossier = _Copy(
            cur,
            "dossiers_dossier",
            (
                "id", "creditor_id", "debtor_id", "reference", "state", "opened_on",
                "reference_date", "next_action_at", "resume_state", "cycle",
            ),
        )  # fmt: skip
        claim = _Copy(
            cur,
            "dossiers_claim",
            (
                "id", "dossier_id", "creditor_id", "invoice_number", "issue_date", "due_date",
                "amount", "outstanding", "currency", "contract_ref", "purchase_order_ref",
                "delivery_note_ref", "cancellation_reason", "created_at",
            ),
        )  # fmt: skip
        reminder = _Copy(
            cur,
            "relances_reminder",
            (
                "id", "dossier_id", "step_id", "cycle", "channel", "status", "scheduled_for",
                "caught_up", "note", "content", "sent_at", "created_at", "delivery_attempts",
                "reanchored",
            ),
        )  # fmt: skip
        claim_id = reminder_id = 0
        for i in range(1, dossiers + 1):
            professional = rng.random() < 0.7
            kind = "professional" if professional else "consumer"
            postal_code, city = POSTAL_CODES[i % len(POSTAL_CODES)]
            debtor.add(
                i, kind, f"Débiteur {i:07d}", luhn_siren(10_000_000 + i) if professional else "",
                f"{i % 200 + 1} avenue de la République", "", postal_code, city, "FR", "", "f", now,
            )  # fmt: skip
            contact.add(
                i, i, "collection", f"Contact {i:07d}", f"compta{i}@example.fr", "0601020304"
            )
            done = rng.randrange(len(GROUPS))  # step groups already passed: 0..3
            due = rng.random() < DUE_SHARE
            if due and done + 1 < len(GROUPS) and rng.random() < CATCH_UP_SHARE:
                anchor = ON - timedelta(days=GROUPS[done + 1])  # two groups due: a catch-up
                counts["catch_up"] += 1
            elif due:
                anchor = ON - timedelta(days=GROUPS[done] + rng.randrange(3))
            else:
                anchor = ON - timedelta(days=GROUPS[done]) + timedelta(days=rng.randrange(2, 8))
            groups = by_kind[kind]
            for g in range(done):
                when = _rolled(anchor + timedelta(days=GROUPS[g]), postal_code)
                for step_id, channel in groups[GROUPS[g]]:
                    reminder_id += 1
                    reminder.add(
                        reminder_id, i, step_id, 1, channel, "sent", when, "f", "", "",
                        f"{when} 09:00:00+00", now, 0, "f",
                    )  # fmt: skip
            next_step = _rolled(anchor + timedelta(days=GROUPS[done]), postal_code)
            if due:
                last = (
                    _rolled(anchor + timedelta(days=GROUPS[done - 1]), postal_code)
                    if done
                    else None
                )
                spacing_ok = last is None or _rolled(last + timedelta(days=7), postal_code) <= ON
                if not spacing_ok or next_step > ON:
                    raise AssertionError(f"seed: dossier {i} would not fire")
                counts["due"] += 1
                next_action = ON
            else:
                next_action = next_step
            dossier.add(
                i, i % CREDITORS + 1, i, f"D{i:07d}", STAGE_AFTER[done], anchor, anchor,
                next_action, "", 1,
            )  # fmt: skip
            for j in range(per_dossier):
                claim_id += 1
                due_date = anchor + timedelta(days=3 * j)
                cents = rng.randrange(5_000, 500_000)
                amount = f"{cents // 100}.{cents % 100:02d}"
                claim.add(
                    claim_id, i, i % CREDITORS + 1, f"F{i:07d}-{j}", due_date - timedelta(days=30),
                    due_date, amount, amount, "EUR", "", "", "", "", now,
                )  # fmt: skip
        for table in (debtor, contact, dossier, claim, reminder):
            table.flush()
        counts["reminders"] = reminder_id
        for table in (
            "dossiers_creditor", "dossiers_debtor", "dossiers_debtorcontact",
            "dossiers_dossier", "dossiers_claim", "relances_reminder",
        ):  # fmt: skip
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        conn.commit()
    with db.connect(name, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
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
    counts = seed(name, debtors * 2, per_dossier=2, seed_value=13)
    with db.connect(name) as conn, conn.cursor() as cur:
        for statement in CLOSE_FOR_PURGE:
            cur.execute(statement, {"on": ON})
        if cur.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'dossiers_dossier' "
            "AND column_name = 'purge_on'"
        ).fetchone():
            cur.execute("UPDATE dossiers_dossier SET purge_on = closed_on + interval '5 years'")
        conn.commit()
    with db.connect(name, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return counts
