"""The invoice import (``imports.services.batch_import``) against its floor: the same rows by
``COPY``.

Both sides start from a copy of the migrated template holding one creditor and one user, and
take the same CSV file (``ROWS`` invoices, five per debtor, every debtor new, each with a SIREN,
an address and an e-mail, French amounts « 1 234,56 »): what a first import of an ERP's export
brings. The product compares every row (as its preview read it) with the database again and
writes them all in one transaction (debtors, their contacts, dossiers, invoices, each with its
history row: who, why), then brings each dossier in line (reference date, next action). The
floor reads the same file with the ``csv`` module, parses its dates and amounts, and ``COPY``s
the very same rows into the same tables (live and history): what no import can go below. Both
sides' rows are compared afterwards (``fingerprint``: « same rows »).
"""

from __future__ import annotations

import csv
import io
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from bench.measure import QueryCounter, _django

PER_DEBTOR = 5
HEADERS = [
    "Numéro de facture", "Date d'émission", "Date d'échéance", "Montant TTC", "Débiteur",
    "SIREN", "Adresse", "Code postal", "Ville", "E-mail", "Bon de commande",
]  # fmt: skip


def _siren(n: int) -> str:
    from dossiers.validators import siren_check_digit

    first = f"{100_000_00 + n:08d}"
    return first + siren_check_digit(first)


def csv_bytes(rows: int) -> bytes:
    """The file: ``rows`` invoices of ``rows / 5`` new debtors, as an ERP exports them."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    start = date(2026, 6, 1)
    for i in range(rows):
        d = i // PER_DEBTOR
        issue = start + timedelta(days=i % 120)
        cents = 10_000 + (i * 7919) % 990_000
        amount = f"{cents // 100:,}".replace(",", " ") + f",{cents % 100:02d}"
        writer.writerow(
            [
                f"FA-{i + 1:07d}",
                f"{issue:%d/%m/%Y}",
                f"{issue + timedelta(days=30):%d/%m/%Y}",
                amount,
                f"Client {d:06d} SARL",
                _siren(d),
                f"{d % 200 + 1} rue du Commerce",
                f"{69000 + d % 10:05d}",
                "Lyon",
                f"compta{d}@client.example.fr",
                f"BC-{i}",
            ]
        )
    return out.getvalue().encode("utf-8")


def _setup():
    """One creditor and one user (an admin), made by the product's own services."""
    from django.contrib.auth import get_user_model

    from dossiers.services import creditor_create

    creditor = creditor_create(
        actor=None,
        legal_name="Fournitures Bench SAS",
        code="BENCH",
        siren=_siren(999_999),
        address_line1="1 rue de la Paix",
        postal_code="69001",
        city="Lyon",
        iban="FR7630004000031234567890143",
        bic="BNPAFRPP",
        contact_email="recouvrement@bench.example.fr",
        contact_phone="04 00 00 00 00",
        dpo_contact="dpo@bench.example.fr",
        privacy_policy_url="https://www.bench.example.fr/confidentialite",
    )
    user = get_user_model().objects.create_superuser("bench-import", "bench@example.fr", "x")
    return creditor, user


def product(database: str, rows: str, profile: str = "") -> dict:
    """Upload, check (the preview, timed apart: ``check_seconds``), confirm: then the import
    (``batch_import``, which compares every row with the database again and writes them) is
    what is timed."""
    _django(database)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from dossiers.models import Claim
    from imports import services
    from imports.models import ImportBatch

    creditor, user = _setup()
    content = csv_bytes(int(rows))
    batch = services.batch_create(
        kind="claims",
        creditor=creditor,
        upload=SimpleUploadedFile("export-erp.csv", content),
        actor=user,
    )
    start = time.perf_counter()
    batch = services.batch_check(batch_id=batch.pk)
    check_seconds = time.perf_counter() - start
    assert batch.status == ImportBatch.Status.READY, batch.errors[:3]
    services.batch_confirm(batch=batch, actor=user)
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        if profile:
            import cProfile

            cProfile.runctx(
                "services.batch_import(batch_id=batch.pk, actor=user)",
                globals(),
                {"services": services, "batch": batch, "user": user},
                profile,
            )
        else:
            services.batch_import(batch_id=batch.pk, actor=user)
        seconds = time.perf_counter() - start
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE, batch.errors[:3]
    return {
        "seconds": seconds,
        "check_seconds": check_seconds,
        "rows": int(rows),
        "rows_per_second": int(rows) / seconds,
        "claims": Claim.objects.count(),
        "queries": counter.count,
        "fingerprint": fingerprint(database),
    }


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def floor(database: str, rows: str) -> dict:
    """The same rows by ``COPY``, from the same file read by the ``csv`` module: debtors, their
    billing contacts, dossiers, invoices, and the history rows the import writes (one per
    debtor, contact and invoice, two per dossier: opened, then planned), with the same reasons;
    « Ma journée »'s priority by the same one ``UPDATE``. The next action date is the first
    working day from today, which is what the planner decides for dossiers whose invoices are
    all overdue (this file's): the floor knows its file, the import has to find it out."""
    _django(database)
    from django.db.models import F
    from django.utils import timezone

    from bench import db
    from dossiers.models import Claim, Debtor, DebtorContact, Dossier
    from journee.priority import scored
    from legal import calendar

    creditor, user = _setup()
    content = csv_bytes(int(rows))
    now = timezone.now()
    today = timezone.localdate()
    why = "import du fichier « export-erp.csv » (n° 1)"
    stamp = ["history_date", "history_type", "history_user_id", "history_change_reason"]
    with db.connect(database) as conn, conn.cursor() as cursor:
        start = time.perf_counter()
        reader = csv.reader(io.StringIO(content.decode("utf-8")), delimiter=";")
        next(reader)
        debtors: dict[str, list] = {}
        claims = []
        dates: dict[str, date] = {}  # a file repeats its dates: each parsed once

        def day(cell: str) -> date:
            if cell not in dates:
                dates[cell] = datetime.strptime(cell, "%d/%m/%Y").date()
            return dates[cell]

        for r in reader:
            issue, due = day(r[1]), day(r[2])
            amount = Decimal(r[3].replace(" ", "").replace(",", "."))
            debtors.setdefault(r[5], r)
            claims.append((r[0], issue, due, amount, r[5], r[10]))
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM dossiers_debtor")
        base = cursor.fetchone()[0]
        ids = {siren: base + n + 1 for n, siren in enumerate(debtors)}
        debtor_rows = [
            (ids[s], "professional", r[4], s, r[6], "", r[7], r[8], "FR", "", False, now)
            for s, r in debtors.items()
        ]
        cols = ["id", "kind", "name", "siren", "address_line1", "address_line2", "postal_code",
                "city", "country", "insolvency_status", "processing_restricted",
                "created_at"]  # fmt: skip
        _copy(cursor, Debtor._meta.db_table, cols, debtor_rows)
        _copy(
            cursor,
            Debtor.history.model._meta.db_table,
            [*cols, *stamp],
            [(*row, now, "+", user.pk, why) for row in debtor_rows],
        )
        contact_rows = [(ids[s], "billing", r[9], "", "") for s, r in debtors.items()]
        ccols = ["debtor_id", "role", "email", "phone", "name"]
        _copy(cursor, DebtorContact._meta.db_table, ccols, contact_rows)
        cursor.execute(f"SELECT id FROM {DebtorContact._meta.db_table} ORDER BY id")
        _copy(
            cursor,
            DebtorContact.history.model._meta.db_table,
            ["id", *ccols, *stamp],
            [
                (pk, *row, now, "+", user.pk, why)
                for (pk,), row in zip(cursor.fetchall(), contact_rows, strict=True)
            ],
        )
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM dossiers_dossier")
        dbase = cursor.fetchone()[0]
        next_action = {}  # the first working day from today, per postal code
        dossier_rows = []
        for n, s in enumerate(debtors):
            postal = debtors[s][7]
            if postal not in next_action:
                next_action[postal] = calendar.roll_forward(today, postal_code=postal)
            first_due = min(c[2] for c in claims[n * PER_DEBTOR : (n + 1) * PER_DEBTOR])
            dossier_rows.append(
                (dbase + n + 1, creditor.pk, ids[s], f"DOS-BENCH-{today:%Y}-{n + 1:05d}",
                 "open", "", 1, today, first_due, next_action[postal])
            )  # fmt: skip
        dcols = ["id", "creditor_id", "debtor_id", "reference", "state", "resume_state", "cycle",
                 "opened_on", "reference_date", "next_action_at"]  # fmt: skip
        _copy(cursor, Dossier._meta.db_table, dcols, dossier_rows)
        _copy(
            cursor,
            Dossier.history.model._meta.db_table,
            [*dcols, *stamp],
            [(*row[:-2], None, None, now, "+", user.pk, "ouverture du dossier")
             for row in dossier_rows]
            + [(*row, now, "~", user.pk, "factures importées") for row in dossier_rows],
        )  # fmt: skip
        dossier_of = {s: dbase + n + 1 for n, s in enumerate(debtors)}
        claim_rows = [
            (dossier_of[s], creditor.pk, n, i, d, a, a, "EUR", "", po, "", "", now)
            for n, i, d, a, s, po in claims
        ]
        kcols = ["dossier_id", "creditor_id", "invoice_number", "issue_date", "due_date", "amount",
                 "outstanding", "currency", "contract_ref", "purchase_order_ref",
                 "delivery_note_ref", "cancellation_reason", "created_at"]  # fmt: skip
        _copy(cursor, Claim._meta.db_table, kcols, claim_rows)
        cursor.execute(f"SELECT id FROM {Claim._meta.db_table} ORDER BY id")
        _copy(
            cursor,
            Claim.history.model._meta.db_table,
            ["id", *kcols, *stamp],
            [
                (pk, *row, now, "+", user.pk, why)
                for (pk,), row in zip(cursor.fetchall(), claim_rows, strict=True)
            ],
        )
        # « Ma journée »'s priority of the new dossiers: the one UPDATE the import runs.
        scope = Dossier.objects.filter(closed_on__isnull=True, creditor_id=creditor.pk)
        score = scored(scope, today).order_by()
        score = score.values(row_id=F("pk"), row_score=F("score"), row_attention=F("needs_person"))
        sql, params = score.query.sql_with_params()
        cursor.execute(
            "UPDATE dossiers_dossier SET priority = s.row_score, attention = s.row_attention "
            f"FROM ({sql}) s WHERE dossiers_dossier.id = s.row_id",
            params,
        )
        conn.commit()
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rows": int(rows),
        "rows_per_second": int(rows) / seconds,
        "fingerprint": fingerprint(database),
    }


# What both sides must have written, table by table (ids, creation times and history dates
# aside; a row names its debtor by SIREN, its dossier by reference): the « same rows » check.
_SKIP = "ARRAY['id', 'created_at', 'history_id', 'history_date', 'debtor_id', 'dossier_id']"
_FINGERPRINTS = {
    "debtors": ("dossiers_debtor", "", "''"),
    "contacts": ("dossiers_debtorcontact", "JOIN dossiers_debtor d ON d.id = t.debtor_id",
                 "d.siren"),
    "dossiers": ("dossiers_dossier", "JOIN dossiers_debtor d ON d.id = t.debtor_id", "d.siren"),
    "claims": ("dossiers_claim", "JOIN dossiers_dossier o ON o.id = t.dossier_id",
               "o.reference"),
}  # fmt: skip


def fingerprint(database: str) -> dict:
    """{table: [rows, md5 of the rows sorted]} for the live and history tables an import
    writes; a history row's reason without the batch's number."""
    from bench import db

    out = {}
    with db.connect(database) as conn, conn.cursor() as cursor:
        for name, (table, join, key) in _FINGERPRINTS.items():
            history = table.replace("dossiers_", "dossiers_historical")
            for label, source, link in ((name, table, join), (f"{name} history", history, join)):
                cursor.execute(
                    "SELECT count(*), md5(string_agg(r, E'\\n' ORDER BY r)) FROM ("
                    f"SELECT ({key})::text || regexp_replace((to_jsonb(t) - {_SKIP})::text, "
                    f"'\\(n° [0-9]+\\)', '(n° …)', 'g') AS r FROM {source} t {link}) x"
                )
                out[label] = list(cursor.fetchone())
    return out
