"""A bank statement matched against the open claims (issue #24, item 6): the product's import
(``imports.statements.services.statement_import``: reading, matching, posting the certain lines)
against its floor, the same matching written as set-based SQL.

``prepare`` takes a copy of a seeded ``make bench`` base (``bench/seed.py``) and makes it the
book of one creditor (every dossier and invoice moved to creditor 1, whose account the
statement is for: at 1M, a statement matched against 1,000,000 open claims); it teaches the
base the IBANs of one debtor in ten (``KnownIban``, as certain matches would have); then it
writes a CFONB 120 statement (the French banks' format; the records 04, 05 « LIB » and 05
« IPY » of the payer's IBAN) of ``lines`` operations, each on a dossier of its own, in the
proportions of ``SHARES``: credits quoting the dossier's RF reference (its whole balance or a
part), quoting one or two invoice numbers written in several ways (their balance, or a part),
from a known IBAN (one invoice's balance, the oldest invoices', or no invoice's), from unknown
payers; returned direct debits (no credit of theirs is known) and bank fees.

The product imports the file as the drop folder does (no person: every dossier in scope). The
floor reads the same file with the product's parser (reading is not what is compared), copies
its lines into a temporary table and, in a few statements, finds the RF references (check
digits verified in SQL), the invoice numbers (runs of one to four words of the text, exact then
without prefix and leading zeros), the known IBANs (hashed as the product hashes them), decides
each line's rule, confidence and status as ``matching.Matcher`` does, then posts the certain
lines: the payments, their allocations (the invoices named first, then the oldest due), the
invoices' balances and the bank lines, each with its history row. It does not bring the
dossiers in line afterwards (``dossier_refresh``: a dossier cleared closes as paid, its planned
reminders are cancelled, its next action recomputed): the product does, the floor does not.

« Same result »: every line's status, rule, confidence and dossier, the payments (dossier,
amount), the allocations (invoice, amount) and every invoice's balance are the same on both
sides (``fingerprint``).

``python -m bench.statements SIZE [--lines N] [--lock FILE]`` runs it alone: seeds (or reuses,
``--reuse``) ``<BENCH_PREFIX>stmt_<SIZE>``, prepares, then measures with ``FILE`` locked around
the timed parts only.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench.measure import QueryCounter, _django

ROOT = Path(__file__).resolve().parent.parent
CREDITOR = 1
ACCOUNT = ("30006", "00001", "12345678901")  # bench.seed.IBAN, the creditors' account
BOOKED = date(2026, 11, 23)
# What a day's statement of a collection account holds (shares of its lines).
SHARES = {
    "rf_full": 0.26,  # RF reference, the dossier's whole balance: certain
    "rf_part": 0.06,  # RF reference, part of the balance: certain (the rest stays due)
    "invoice_one": 0.20,  # one invoice number, its balance: certain
    "invoice_two": 0.04,  # two invoice numbers, their balance: certain
    "invoice_part": 0.08,  # an invoice number, another amount: proposed (75 %)
    "iban_one": 0.10,  # known IBAN, one invoice's balance: proposed (80 %)
    "iban_oldest": 0.03,  # known IBAN, the two oldest invoices: proposed (75 %)
    "iban_only": 0.02,  # known IBAN, no invoice's amount: proposed (40 %)
    "unknown": 0.16,  # unknown payer, no reference: unmatched
    "return": 0.03,  # returned direct debit (debit): to review
    "fees": 0.02,  # bank fees (debit): set aside
}
KNOWN_IBAN_EVERY = 10  # one debtor in ten has a known IBAN
# The import with posting runs on the whole statement by default (the product posts the certain
# lines in bulk since 03/12/2026: ``payments_record_many``); ``STATEMENT_POST_LINES=N`` takes
# its first N lines.
POST_LINES = 0


def statement_lines(claims: int) -> int:
    """50,000 lines at 1M claims, in proportion below (1/20 of the claims)."""
    return int(os.environ.get("STATEMENT_LINES", 0)) or max(100, claims // 20)


def payer_iban(debtor_id: int, unknown: bool = False) -> str:
    """A French IBAN of the payer (valid check digits), one per debtor."""
    bban = f"{'30004' if not unknown else '10107'}00001{debtor_id:011d}00"
    number = int("".join(str(int(c, 36)) for c in bban + "FR00"))
    return f"FR{98 - number % 97:02d}{bban}"


def _amount(value: Decimal, credit: bool) -> str:
    """CFONB 120 amount: 14 characters, cents, the last one carrying its digit and the sign."""
    cents = f"{int(value * 100):014d}"
    last = int(cents[-1])
    sign = ("{ABCDEFGHI" if credit else "}JKLMNOPQR")[last]
    return cents[:-1] + sign


def _record(code: str, **fields) -> str:
    record = [" "] * 120
    bank, branch, account = ACCOUNT
    for start, text in (
        (0, code), (2, bank), (11, branch), (16, "EUR"), (19, "2"), (21, account),
    ):  # fmt: skip
        record[start : start + len(text)] = text
    for start, text in fields.values():
        record[start : start + len(text)] = text
    return "".join(record)


def _cfonb(entries: list[dict]) -> bytes:
    day = f"{BOOKED:%d%m%y}"
    before = f"{BOOKED - timedelta(days=1):%d%m%y}"
    out = [_record("01", d=(34, before), a=(90, _amount(Decimal("0"), True)))]
    total = Decimal("0")
    for n, e in enumerate(entries, start=1):
        credit = e["direction"] == "credit"
        total += e["amount"] if credit else -e["amount"]
        out.append(
            _record(
                "04",
                op=(32, e["op"]),
                d=(34, day),
                reject=(40, e.get("reject", "")),
                v=(42, day),
                label=(48, e["label"][:31]),
                entry=(81, f"{n:07d}"),
                a=(90, _amount(e["amount"], credit)),
            )
        )
        if e.get("text"):
            out.append(_record("05", op=(32, e["op"]), d=(34, day), q=(45, "LIB"),
                               t=(48, e["text"][:70])))  # fmt: skip
        if e.get("iban"):
            out.append(_record("05", op=(32, e["op"]), d=(34, day), q=(45, "IPY"),
                               t=(48, e["iban"])))  # fmt: skip
    out.append(_record("07", d=(34, day), a=(90, _amount(abs(total), total >= 0))))
    return ("\r\n".join(out) + "\r\n").encode("ascii")


def _spaced(invoice: str, style: int) -> str:
    """An invoice number as payers write it: as is, spaced, or cut."""
    if style == 0:
        return invoice
    if style == 1:
        return invoice.replace("-", " ")
    return f"{invoice[:4]} {invoice[4:]}"


def prepare(database: str, lines: int, post_lines: int = 0) -> dict:
    """Make the copy the book of creditor 1, teach it the known IBANs and write the statement
    (its path and its lines' expected categories in the result)."""
    _django(database)
    from django.db import connection, transaction

    from imports.statements.matching import iban_hash, iban_hint
    from legal.references import dossier_rf_reference

    started = time.perf_counter()
    rng = random.Random(24)
    from bench.seed import indexes_after
    from pilotage import summaries

    with connection.cursor() as cur:
        # A base seeded as creditor 1's book (``seed.seed(..., creditor=1)``: bench/run.py's)
        # has nothing to move.
        cur.execute(
            "SELECT EXISTS (SELECT 1 FROM dossiers_dossier WHERE creditor_id <> %s) "
            "OR EXISTS (SELECT 1 FROM dossiers_claim WHERE creditor_id <> %s)",
            [CREDITOR, CREDITOR],
        )
        moved = cur.fetchone()[0]
    with connection.cursor() as cur:
        # Moved without the dashboard summaries' triggers (one per dossier moved: hours at 1M),
        # the summaries then computed again from the tables (``manage.py rebuild_summaries``).
        if moved:
            with transaction.atomic():
                cur.execute("SET LOCAL session_replication_role = replica")
                # Their indexes built again after the move (bench/seed.py), not entry by entry.
                with indexes_after(cur, ("dossiers_dossier", "dossiers_claim")):
                    cur.execute(
                        "UPDATE dossiers_dossier SET creditor_id = %s WHERE creditor_id <> %s",
                        [CREDITOR, CREDITOR],
                    )
                    cur.execute(
                        "UPDATE dossiers_claim SET creditor_id = %s WHERE creditor_id <> %s",
                        [CREDITOR, CREDITOR],
                    )
            summaries.rebuild()
        cur.execute("SELECT max(id) FROM dossiers_dossier")
        dossiers = cur.fetchone()[0]
        sizes = {kind: int(share * lines) for kind, share in SHARES.items()}
        sizes["rf_full"] += lines - sum(sizes.values())
        iban_kinds = ("iban_one", "iban_oldest", "iban_only")
        # The IBAN lines' debtors have a known IBAN, and so have one debtor in ten anyway.
        picked = rng.sample(range(1, dossiers + 1), lines)
        kinds = [kind for kind, n in sizes.items() for _ in range(n)]
        rng.shuffle(kinds)
        by_dossier = dict(zip(picked, kinds, strict=True))
        known = {d for d, kind in by_dossier.items() if kind in iban_kinds}
        known |= {d for d in range(KNOWN_IBAN_EVERY, dossiers + 1, KNOWN_IBAN_EVERY)
                  if by_dossier.get(d) not in ("unknown", "return")}  # fmt: skip
        with cur.copy(
            "COPY imports_knowniban (debtor_id, iban_hash, iban_hint, learned_on) FROM STDIN"
        ) as copy:
            for d in sorted(known):  # one debtor per dossier, the same id (bench.seed)
                iban = payer_iban(d)
                copy.write_row((d, iban_hash(iban), iban_hint(iban), BOOKED - timedelta(days=60)))
        cur.execute(
            "SELECT d.id, d.reference, c.invoice_number, c.outstanding FROM dossiers_dossier d "
            "JOIN dossiers_claim c ON c.dossier_id = d.id AND c.outstanding > 0 "
            "AND c.cancelled_on IS NULL WHERE d.id = ANY(%s) "
            "ORDER BY d.id, c.due_date, c.issue_date, c.id",
            [picked],
        )
        claims: dict[int, list[tuple[str, Decimal]]] = {}
        references: dict[int, str] = {}
        for pk, reference, number, outstanding in cur.fetchall():
            references[pk] = reference
            claims.setdefault(pk, []).append((number, outstanding))
    entries = []
    for n, (d, kind) in enumerate(by_dossier.items()):
        own = claims[d]
        balance = sum((o for _, o in own), Decimal("0"))
        e = {"direction": "credit", "op": "18", "kind": kind, "dossier": d,
             "label": "VIR SEPA RECU", "iban": payer_iban(d, unknown=True)}  # fmt: skip
        if kind in ("rf_full", "rf_part"):
            rf = dossier_rf_reference(references[d])
            grouped = " ".join(rf[i : i + 4] for i in range(0, len(rf), 4))
            e["text"] = f"PAIEMENT {grouped}" if n % 2 else rf
            e["amount"] = balance if kind == "rf_full" else (balance / 2).quantize(Decimal("0.01"))
        elif kind in ("invoice_one", "invoice_part"):
            number, outstanding = own[rng.randrange(len(own))]
            prefix = ("REGLEMENT FACTURE", "FACT", "PAIEMENT")[n % 3]
            e["text"] = f"{prefix} {_spaced(number, n % 3)} MERCI"
            e["amount"] = outstanding if kind == "invoice_one" else (
                outstanding * Decimal("0.6")).quantize(Decimal("0.01"))  # fmt: skip
        elif kind == "invoice_two":
            (a, x), (b, y) = own[:2] if len(own) > 1 else (own[0], own[0])
            e["text"] = f"FACTURES {a} ET {b}"
            e["amount"] = x + y if a != b else x
        elif kind in iban_kinds:
            e["iban"], e["text"] = payer_iban(d), "VIREMENT"
            if kind == "iban_one":
                e["amount"] = own[-1][1]
            elif kind == "iban_oldest":
                e["amount"] = own[0][1] + own[1][1] if len(own) > 1 else own[0][1]
            else:
                e["amount"] = Decimal("7.77")  # below every invoice: no sum of them
        elif kind == "unknown":
            e["text"], e["amount"] = "VIREMENT CLIENT REGULARISATION", own[0][1]
        elif kind == "return":
            e.update(direction="debit", op="13", reject="04", text="PRLV SEPA IMPAYE",
                     amount=own[0][1], label="PRLV SEPA RETOURNE")  # fmt: skip
        else:  # fees
            e.update(direction="debit", op="23", text="", iban="", amount=Decimal("12.60"),
                     label="FRAIS TENUE DE COMPTE")  # fmt: skip
        entries.append(e)
    path = Path(tempfile.gettempdir()) / f"{database}.cfonb120.txt"
    path.write_bytes(_cfonb(entries))
    # The import with posting on the first ``post_lines`` lines (the same mix, shuffled).
    post_path = path.with_suffix(".post.txt")
    post_path.write_bytes(_cfonb(entries[: post_lines or lines]))
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {
        "seconds": time.perf_counter() - started,
        "path": str(path),
        "post_path": str(post_path),
        "post_lines": min(post_lines or lines, lines),
        "bytes": path.stat().st_size,
        "lines": len(entries),
        "shares": sizes,
        "known_ibans": len(known),
        "moved": moved,
    }


def product(database: str, path: str) -> dict:
    """The product's import of the statement, timed whole (reading, matching, posting)."""
    _django(database)
    from django.db import connection

    from dossiers.models import Creditor
    from imports.statements import parsers
    from imports.statements.services import statement_import

    content = Path(path).read_bytes()
    creditor = Creditor.objects.get(pk=CREDITOR)
    start = time.perf_counter()
    parsers.parse(content)  # reading alone, for information (the import reads it again)
    parse_s = time.perf_counter() - start
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        result = statement_import(
            content=content, name=Path(path).name, actor=None, creditor=creditor, source="bench"
        )
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "parse_seconds": parse_s, "queries": counter.count,
            "summary": result.statement.summary}  # fmt: skip


def product_matching(database: str, path: str) -> dict:
    """The product's matching alone, every line of the statement (``Matcher.prefetch``, then
    ``services._classify`` line by line: pure reads, nothing written), and its decisions as
    ``fingerprint`` digests them: at full size where the posting would take too long."""
    _django(database)
    from django.db import connection

    from dossiers.models import Creditor
    from imports.statements import parsers
    from imports.statements.matching import Matcher
    from imports.statements.models import BankTransaction
    from imports.statements.services import _classify, _Returns

    parsed = parsers.parse(Path(path).read_bytes())
    creditor = Creditor.objects.get(pk=CREDITOR)
    counter = QueryCounter()
    decisions = []
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        matcher = Matcher(creditor)
        matcher.prefetch(
            (t.remittance, t.structured_reference, t.counterparty_iban)
            for t in parsed.transactions
            if t.direction == "credit" and t.kind not in ("return", "fees")
        )
        returns = _Returns(parsed.transactions)  # as the import: one query for the returns
        prefetch_s = time.perf_counter() - start
        for t in parsed.transactions:
            row = BankTransaction(
                amount=t.amount, direction=t.direction, kind=t.kind, booked_on=t.booked_on,
                remittance=t.remittance, structured_reference=t.structured_reference,
                counterparty_iban=t.counterparty_iban, end_to_end_id=t.end_to_end_id,
            )  # fmt: skip
            _classify(row, matcher, returns)
            decisions.append((t.line, row.status, row.rule, row.confidence, row.dossier_id or 0))
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "prefetch_seconds": prefetch_s, "queries": counter.count,
            "lines": _digest(decisions)}  # fmt: skip


def floor_matching(database: str, path: str) -> dict:
    """The floor's matching alone (``FLOOR_MATCH`` and the lines' decisions), nothing written."""
    result = floor(database, path, post=False)
    return result


def _digest(rows) -> str:
    digest = hashlib.sha256()
    count = 0
    for row in rows:
        digest.update(repr(tuple(str(v) for v in row)).encode())
        count += 1
    return f"{count}:{digest.hexdigest()[:16]}"


# --- The floor --------------------------------------------------------------------------------

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _rf_digits_sql(expr: str) -> str:
    """SQL turning the letters of ``expr`` into their numbers (A = 10 … Z = 35)."""
    for i, letter in enumerate(_LETTERS):
        expr = f"replace({expr}, '{letter}', '{10 + i}')"
    return expr


# A claim's number compact, then without prefix and leading zeros: the expressions of the
# claims' indexes (migration imports 0006), written as they are there so that they are used.
_COMPACT = "regexp_replace(upper(invoice_number), '[^0-9A-Z]', '', 'g')"
_UNPREFIXED = (
    f"regexp_replace({_COMPACT}, '^(FACTURE|FACT|FAC|FA|FCT|INVOICE|INV|NO|N|F)(?=[0-9])', '')"
)
_CORE = f"coalesce(nullif(ltrim({_UNPREFIXED}, '0'), ''), {_UNPREFIXED})"

FLOOR_MATCH = [
    # Words of each credit's text (structured reference first), with their rank.
    """CREATE TEMP TABLE words AS
    SELECT l.line, w.n, w.word FROM lines l,
      regexp_split_to_table(upper(l.structured || ' ' || l.remittance), '[^0-9A-Z]+')
        WITH ORDINALITY AS w(word, n)
    WHERE l.direction = 'credit' AND l.kind NOT IN ('return', 'fees') AND w.word <> ''""",
    # Runs of 1 to 4 consecutive words glued: every way the text may write a number.
    """CREATE TEMP TABLE cand AS
    SELECT line, word AS glued FROM words
    UNION SELECT w1.line, w1.word || w2.word FROM words w1
      JOIN words w2 ON w2.line = w1.line AND w2.n = w1.n + 1
    UNION SELECT w1.line, w1.word || w2.word || w3.word FROM words w1
      JOIN words w2 ON w2.line = w1.line AND w2.n = w1.n + 1
      JOIN words w3 ON w3.line = w1.line AND w3.n = w1.n + 2
    UNION SELECT w1.line, w1.word || w2.word || w3.word || w4.word FROM words w1
      JOIN words w2 ON w2.line = w1.line AND w2.n = w1.n + 1
      JOIN words w3 ON w3.line = w1.line AND w3.n = w1.n + 2
      JOIN words w4 ON w4.line = w1.line AND w4.n = w1.n + 3""",
    "ANALYZE cand",
    # RF references: RF + 2 digits + a base naming a dossier, check digits verified (MOD 97-10).
    f"""CREATE TEMP TABLE rf AS
    SELECT DISTINCT ON (c.line) c.line, d.id AS dossier_id
    FROM cand c JOIN dossiers_dossier d
      ON d.creditor_id = %(creditor)s AND c.glued LIKE 'RF%%'
     AND substr(c.glued, 5) = upper(replace(d.reference, '-', ''))
    WHERE c.glued ~ '^RF[0-9]{{2}}[0-9A-Z]{{1,21}}$'
      AND mod(({_rf_digits_sql("substr(c.glued, 5) || substr(c.glued, 1, 4)")})::numeric, 97) = 1
    ORDER BY c.line, length(c.glued) DESC""",
    # Invoice numbers: the runs of the texts looked up among the creditor's claims, compact then
    # without prefix and leading zeros, through the claims' two expression indexes (migration
    # imports 0006, the same expressions), each distinct run once; claims of open dossiers.
    """CREATE TEMP TABLE runs AS
    SELECT DISTINCT glued FROM cand WHERE length(glued) BETWEEN 3 AND 50""",
    """ALTER TABLE runs ADD COLUMN core text""",
    """UPDATE runs SET core = coalesce(nullif(ltrim(k, '0'), ''), k) FROM (
        SELECT glued AS g, regexp_replace(glued,
          '^(FACTURE|FACT|FAC|FA|FCT|INVOICE|INV|NO|N|F)(?=[0-9])', '') AS k FROM runs) s
    WHERE s.g = runs.glued""",
    "ANALYZE runs",
    f"""CREATE TEMP TABLE hit AS
    SELECT DISTINCT c.line, i.id, false AS loose FROM cand c
    JOIN dossiers_claim i ON i.creditor_id = %(creditor)s AND {_COMPACT} = c.glued
    JOIN dossiers_dossier d ON d.id = i.dossier_id AND d.closed_on IS NULL
    WHERE length(c.glued) BETWEEN 3 AND 50 AND c.line NOT IN (SELECT line FROM rf)""",
    f"""INSERT INTO hit
    SELECT DISTINCT c.line, i.id, true FROM cand c JOIN runs r ON r.glued = c.glued
    JOIN dossiers_claim i ON i.creditor_id = %(creditor)s AND {_CORE} = r.core
     AND length(r.core) >= 3
    JOIN dossiers_dossier d ON d.id = i.dossier_id AND d.closed_on IS NULL
    WHERE c.line NOT IN (SELECT line FROM rf) AND c.line NOT IN (SELECT line FROM hit)""",
    """CREATE TEMP TABLE inv AS
    SELECT c.id, c.dossier_id, c.invoice_number, c.outstanding, c.cancelled_on, c.due_date,
           c.issue_date
    FROM dossiers_claim c WHERE c.id IN (SELECT id FROM hit)""",
    "ANALYZE hit",
    # The decision of each line, as matching.Matcher takes it.
    """CREATE TEMP TABLE decided (line int PRIMARY KEY, rule text, confidence int,
        dossier_id bigint, invoices text[])""",
    """INSERT INTO decided
    SELECT rf.line, 'rf', 100, rf.dossier_id, '{}' FROM rf""",
    """INSERT INTO decided
    SELECT h.line, 'invoice',
      CASE WHEN count(DISTINCT i.dossier_id) > 1 THEN 50
           WHEN sum(i.outstanding) FILTER (WHERE i.outstanding > 0 AND i.cancelled_on IS NULL)
                IS NULL THEN 50
           WHEN sum(i.outstanding) FILTER (WHERE i.outstanding > 0 AND i.cancelled_on IS NULL)
                = l.amount THEN CASE WHEN bool_or(h.loose) THEN 85 ELSE 95 END
           ELSE 75 END,
      (array_agg(i.dossier_id ORDER BY i.due_date, i.id))[1],
      array_agg(i.invoice_number ORDER BY i.invoice_number)
    FROM hit h JOIN inv i ON i.id = h.id JOIN lines l ON l.line = h.line
    GROUP BY h.line, l.amount""",
    # Known IBANs: the debtor's open dossiers, their open invoices oldest first.
    """CREATE TEMP TABLE ib AS
    SELECT l.line, l.amount, d.id AS dossier_id, d.opened_on
    FROM lines l JOIN imports_knowniban k ON k.iban_hash = l.iban_hash
    JOIN dossiers_dossier d ON d.debtor_id = k.debtor_id AND d.creditor_id = %(creditor)s
     AND d.closed_on IS NULL
    WHERE l.line NOT IN (SELECT line FROM decided) AND l.direction = 'credit'
      AND l.kind NOT IN ('return', 'fees')""",
    """CREATE TEMP TABLE ibc AS
    SELECT ib.line, ib.amount, ib.dossier_id, ib.opened_on, c.id, c.invoice_number,
           c.outstanding,
           sum(c.outstanding) OVER (PARTITION BY ib.line, ib.dossier_id
               ORDER BY c.due_date, c.issue_date, c.id) AS running,
           count(*) FILTER (WHERE c.outstanding = ib.amount)
               OVER (PARTITION BY ib.line, ib.dossier_id) AS same
    FROM ib JOIN dossiers_claim c ON c.dossier_id = ib.dossier_id AND c.outstanding > 0
     AND c.cancelled_on IS NULL""",
    """INSERT INTO decided
    SELECT DISTINCT ON (line) line, 'iban', confidence, dossier_id, '{}' FROM (
        SELECT ib.line, ib.dossier_id, ib.opened_on,
          coalesce((SELECT CASE WHEN max(x.same) = 1 THEN 80 WHEN max(x.same) > 1 THEN 70
                                WHEN bool_or(x.running = x.amount) THEN 75 END
                    FROM ibc x WHERE x.line = ib.line AND x.dossier_id = ib.dossier_id), 40)
            AS confidence
        FROM ib) s
    ORDER BY line, confidence DESC, opened_on, dossier_id""",
]

FLOOR_POST = [
    """CREATE TEMP TABLE bank AS
    SELECT l.*, d.rule, coalesce(d.confidence, 0) AS confidence, d.dossier_id,
      coalesce(d.invoices, '{}') AS invoices,
      CASE WHEN l.direction = 'debit' AND l.kind = 'return' THEN 'to_review'
           WHEN l.direction = 'debit' THEN 'ignored'
           WHEN l.kind IN ('return', 'fees') THEN 'to_review'
           WHEN d.confidence >= 95 THEN 'posted'
           WHEN d.dossier_id IS NOT NULL THEN 'proposed'
           ELSE 'unmatched' END AS status,
      NULL::bigint AS payment_id
    FROM lines l LEFT JOIN decided d USING (line)""",
    # Returns: a standing credit of the same payer and amount (none in this statement).
    """UPDATE bank b SET dossier_id = t.dossier_id FROM imports_banktransaction t
    JOIN dossiers_payment p ON p.id = t.payment_id AND p.reversed_on IS NULL
    WHERE b.kind = 'return' AND b.direction = 'debit' AND t.direction = 'credit'
      AND t.amount = b.amount AND t.counterparty_iban = b.iban""",
    """WITH pay AS (
        INSERT INTO dossiers_payment (dossier_id, kind, amount, received_on, method, reference,
            created_at, reversal_reason)
        SELECT dossier_id, 'payment', amount, booked_on, 'transfer', bank_reference, now(), ''
        FROM bank WHERE status = 'posted' ORDER BY line
        RETURNING id, dossier_id)
    UPDATE bank SET payment_id = pay.id FROM pay
    WHERE bank.dossier_id = pay.dossier_id AND bank.status = 'posted'""",
    # Allocations: the invoices named first, then the oldest due, up to the amount.
    """CREATE TEMP TABLE alloc AS
    SELECT payment_id, claim_id, least(outstanding, amount - before) AS share FROM (
        SELECT b.payment_id, b.amount, c.id AS claim_id, c.outstanding,
          coalesce(sum(c.outstanding) OVER (PARTITION BY b.line ORDER BY
            c.invoice_number <> ALL(b.invoices), c.due_date, c.issue_date, c.id
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
        FROM bank b JOIN dossiers_claim c ON c.dossier_id = b.dossier_id AND c.outstanding > 0
         AND c.cancelled_on IS NULL
        WHERE b.status = 'posted') s
    WHERE amount > before""",
    """INSERT INTO dossiers_paymentallocation (payment_id, claim_id, amount)
    SELECT payment_id, claim_id, share FROM alloc""",
    """UPDATE dossiers_claim c SET outstanding = c.outstanding - a.share FROM alloc a
    WHERE a.claim_id = c.id""",
    """INSERT INTO imports_bankstatement (format, creditor_id, account, statement_id,
        original_name, sha256, source, summary, file, created_at)
    VALUES ('cfonb120', %(creditor)s, %(account)s, '', 'floor', %(sha)s, 'bench', '{}', '',
            now())""",
    """INSERT INTO imports_banktransaction (statement_id, line, key, account, booked_on,
        value_on, amount, direction, kind, bank_code, bank_reference, end_to_end_id,
        counterparty_name, counterparty_iban, remittance, structured_reference, status, rule,
        confidence, reason, dossier_id, invoices, payment_id, handled_at)
    SELECT currval(pg_get_serial_sequence('imports_bankstatement', 'id')), line, key, account,
        booked_on, value_on, amount, direction, kind, bank_code, bank_reference, '', '', iban,
        remittance, structured, status, coalesce(rule, ''), confidence, '', dossier_id,
        to_jsonb(invoices), payment_id, CASE WHEN status = 'posted' THEN now() END
    FROM bank""",
]

# The history rows (who, why, when) of what the floor wrote, copied from the rows as saved.
FLOOR_HISTORY = [
    ("dossiers_payment", "id IN (SELECT payment_id FROM bank WHERE payment_id IS NOT NULL)",
     "+"),
    ("dossiers_paymentallocation",
     "payment_id IN (SELECT payment_id FROM bank WHERE payment_id IS NOT NULL)", "+"),
    ("dossiers_claim", "id IN (SELECT claim_id FROM alloc)", "~"),
    ("imports_banktransaction",
     "statement_id = currval(pg_get_serial_sequence('imports_bankstatement', 'id'))", "+"),
]  # fmt: skip


def _history(cur, table: str, where: str, kind: str) -> None:
    app, model = table.split("_", 1)
    history = f"{app}_historical{model}"
    cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND column_name IN (SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s)",
        [history, table],
    )
    columns = ", ".join(row[0] for row in cur.fetchall())
    cur.execute(
        f"INSERT INTO {history} ({columns}, history_date, history_type, history_change_reason) "
        f"SELECT {columns}, now(), %s, 'relevé floor' FROM {table} WHERE {where}",
        [kind],
    )


def floor(database: str, path: str, post: bool = True) -> dict:
    """The same matching and posting as set-based SQL (see the module's docstring); ``post``
    False: the matching and the lines' decisions only, nothing written."""
    _django(database)  # settings only: the IBANs are hashed with the product's key
    from bench import db
    from imports.statements import parsers
    from imports.statements.matching import iban_hash
    from imports.statements.services import transaction_key
    from legal.references import compact

    content = Path(path).read_bytes()
    start = time.perf_counter()
    parsed = parsers.parse(content)
    with db.connect(database) as conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE lines (line int, key text, account text, booked_on date, "
            "value_on date, amount numeric(14, 2), direction text, kind text, bank_code text, "
            "bank_reference text, iban text, iban_hash text, remittance text, structured text)"
        )
        with cur.copy("COPY lines FROM STDIN") as copy:
            for t in parsed.transactions:
                copy.write_row((
                    t.line, transaction_key(t), compact(t.account), t.booked_on, t.value_on,
                    t.amount, t.direction, t.kind, t.bank_code, t.bank_reference,
                    t.counterparty_iban, iban_hash(t.counterparty_iban) if t.counterparty_iban
                    else "", t.remittance, t.structured_reference,
                ))  # fmt: skip
        cur.execute("ANALYZE lines")
        params = {"creditor": CREDITOR, "account": compact(parsed.accounts[0]),
                  "sha": hashlib.sha256(content).hexdigest()}  # fmt: skip
        queries = 2
        for statement in FLOOR_MATCH + (FLOOR_POST if post else FLOOR_POST[:2]):
            cur.execute(statement, params)
            queries += 1
        for table, where, kind in FLOOR_HISTORY if post else ():
            _history(cur, table, where, kind)
            queries += 2
        cur.execute("SELECT status, count(*) FROM bank GROUP BY status")
        summary = dict(cur.fetchall())
        seconds = time.perf_counter() - start
        result = {"seconds": seconds, "queries": queries + 1, "summary": summary}
        if post:
            conn.commit()
        else:
            rows = cur.execute(
                "SELECT line, status, coalesce(rule, ''), confidence, coalesce(dossier_id, 0) "
                "FROM bank ORDER BY line"
            )
            result["lines"] = _digest(rows)
            conn.rollback()
    return result


def fingerprint(database: str) -> dict:
    """What the import left: each line's decision, the payments, allocations, balances."""
    from bench import db

    digests = {
        "lines": "SELECT line, status, rule, confidence, coalesce(dossier_id, 0) "
        "FROM imports_banktransaction ORDER BY line",
        "payments": "SELECT dossier_id, amount, received_on FROM dossiers_payment "
        "WHERE reference NOT LIKE 'VIR %' ORDER BY 1, 2",
        "allocations": "SELECT a.claim_id, a.amount FROM dossiers_paymentallocation a "
        "JOIN dossiers_payment p ON p.id = a.payment_id WHERE p.reference NOT LIKE 'VIR %' "
        "ORDER BY 1, 2",
        "balances": "SELECT id, outstanding FROM dossiers_claim ORDER BY id",
    }
    out = {}
    with db.connect(database) as conn, conn.cursor() as cur:
        for key, query in digests.items():
            digest = hashlib.sha256()
            rows = 0
            for row in cur.execute(query):
                digest.update(repr(tuple(str(v) for v in row)).encode())
                rows += 1
            out[key] = f"{rows}:{digest.hexdigest()[:16]}"
    return out


# --- Run it -----------------------------------------------------------------------------------


def _measure(kind: str, database: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.measure", kind, database, *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        return {"status": "error", "error": proc.stderr.strip().splitlines()[-3:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _lines(claims: int) -> tuple[int, int]:
    lines = statement_lines(claims)
    return lines, min(int(os.environ.get("STATEMENT_POST_LINES", POST_LINES)) or lines, lines)


def prepare_copy(base: str, claims: int) -> dict:
    """The prepared copy of ``base`` (``<base>_stmt``) and its statement, untimed: bench/run.py
    makes it while the other bases are seeded, then hands it to ``bench_statements``."""
    from bench import db

    lines, post_lines = _lines(claims)
    db.create(f"{base}_stmt", template=base)
    return _measure("statements_prepare", f"{base}_stmt", str(lines), str(post_lines))


def prepare_seeded(base: str, claims: int) -> dict:
    """``<base>_stmt`` seeded directly as creditor 1's book (``seed.seed(..., creditor=1)``:
    the rows of ``base``'s seed, every dossier and invoice creditor 1's, which the copy of
    ``base`` had after its move and its summaries computed again) and its statement written,
    untimed: a preparation of its own beside ``base``'s seed (bench/run.py) instead of a copy
    made after it. ``tests/bench/test_statement_base.py``: the same statement and decisions."""
    from bench import db, run, seed

    lines, post_lines = _lines(claims)
    name = f"{base}_stmt"
    db.create(name, template=run.TEMPLATE)
    started = time.perf_counter()
    seed.seed(name, claims, creditor=CREDITOR)
    seeded = round(time.perf_counter() - started, 1)
    out = _measure("statements_prepare", name, str(lines), str(post_lines))
    return {**out, "seed_seconds": seeded, "seed_phases": dict(seed.PHASES)}


def bench_statements(
    base: str, claims: int, lock: str | None = None, keep: bool = False,
    prepared_before: dict | None = None,
) -> dict:  # fmt: skip
    """Prepare a copy of the seeded ``base`` (or take ``prepared_before``, ``prepare_copy``'s);
    then the matching alone, product and floor, on
    the whole statement; then the import with posting, product and floor each on a copy, on
    its first ``STATEMENT_POST_LINES`` lines (all by default). ``lock``: a file held (flock)
    around the timed parts only. ``keep``: the prepared copy and its statement are kept, and
    taken again by the next run with ``keep`` (``STATEMENTS_MATCH=0``: the import alone)."""
    from bench import db

    lines, post_lines = _lines(claims)
    prepared = f"{base}_stmt"
    out: dict = {"claims": claims, "lines": lines, "post_lines": post_lines}
    kept = Path(tempfile.gettempdir()) / f"{prepared}.prepare.json"
    if prepared_before is not None:
        out["prepare"] = prepared_before
    elif keep and db.exists(prepared) and kept.exists() and kept.stat().st_size:
        out["prepare"] = {**json.loads(kept.read_text()), "kept": True}  # prepared before
    else:
        db.create(prepared, template=base)
        out["prepare"] = _measure("statements_prepare", prepared, str(lines), str(post_lines))
        if keep:
            kept.write_text(json.dumps(out["prepare"]))
    if "path" not in out["prepare"]:
        db.drop(prepared)
        return {**out, "status": "error"}
    path, post_path = out["prepare"]["path"], out["prepare"]["post_path"]
    if os.environ.get("STATEMENTS_MATCH", "1") != "0":
        for kind, key in (("statements_match", "match"), ("statements_match_floor", "match_floor")):
            with _locked(lock):
                out[key] = _timed(kind, prepared, path)
        out["match_same"] = out["match"].get("lines") == out["match_floor"].get("lines") is not None
    copies = {"statements": f"{prepared}_run", "statements_floor": f"{prepared}_floor"}
    if os.environ.get("STATEMENTS_POST", "1") != "0":
        for name in copies.values():
            db.create(name, template=prepared)
        for kind, name in copies.items():
            with _locked(lock):
                out["product" if kind == "statements" else "floor"] = _timed(kind, name, post_path)
        prints = {kind: _measure("statements_fingerprint", name) for kind, name in copies.items()}
        out["fingerprints"] = prints
        keys = ("lines", "payments", "allocations", "balances")
        out["same_result"] = all(
            prints["statements"].get(k) == prints["statements_floor"].get(k) is not None
            for k in keys
        )
        for name in copies.values():
            db.drop(name)
    if not keep:
        db.drop(prepared)
        for file in (path, post_path):
            with contextlib.suppress(OSError):
                os.unlink(file)
    out["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    return out


def _timed(kind: str, database: str, path: str) -> dict:
    """One measure with the machine's load average before and after."""
    before = [round(x, 2) for x in os.getloadavg()]
    result = _measure(kind, database, path)
    return {**result, "load_before": before, "load_after": [round(x, 2) for x in os.getloadavg()]}


@contextlib.contextmanager
def _locked(lock: str | None):
    if not lock:
        yield
        return
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def main() -> None:
    from bench import db, run, seed

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", help="10k, 100k, 1M: open claims of the base")
    parser.add_argument("--lock", help="file to hold (flock) around the timed parts")
    parser.add_argument("--reuse", action="store_true", help="reuse the seeded base")
    parser.add_argument(
        "--keep", action="store_true", help="keep the prepared copy, or reuse the one kept"
    )
    args = parser.parse_args()
    claims = run.parse_size(args.size)
    base = f"{db.PREFIX}stmt_{args.size}"
    if not (args.reuse and db.exists(base)):
        run.migrated_template()
        db.create(base, template=run.TEMPLATE)
        seed.seed(base, claims)
    result = bench_statements(base, claims, args.lock, keep=args.keep)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
