"""Every write of an import: the batch's life (upload, check, columns, confirm, import) and the
rows' writes through the dossier services, in one transaction per file (all or nothing).

Claims are written as set-based equivalents of ``claim_create``: one ``dossier_open_or_join``
per creditor–debtor pair, one journaled insert per claim, one ``dossier_refresh`` per dossier,
so that 100,000 rows take minutes, not hours, and every history row still says who and why.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.roles import user_or_none
from accounts.text import CONTROL_MESSAGE, has_control_characters
from dossiers import scoping, services
from dossiers.models import (
    Claim,
    Creditor,
    Debtor,
    DebtorContact,
    Dossier,
    Payment,
    PaymentAllocation,
)
from imports import columns as columns_module
from imports.models import (
    CheckedRows,
    ColumnMapping,
    ImportBatch,
    ImportKind,
    InvoiceStatus,
    InvoiceStatusEvent,
)
from imports.parsing import NUMBER_FORMATS, normalize_header
from imports.reading import FileProblem, read_table
from imports.validation import (
    CHECKS,
    CREATE,
    ERROR,
    REFERENCES,
    UNCHANGED,
    UPDATE,
    Row,
    claims_from_kept,
    compare_claims,
    debtor_key,
    kept_claims,
    number_formats,
    preview_line,
)
from journal.bulk import journaled_insert, rows_written_together
from journal.journaled import journaled_save
from recouvrement.celery import queue
from recouvrement.lookups import AnyOf

B = ImportBatch.Status
PROGRESS_EVERY = 1000
MAX_LISTED_ERRORS = 5000


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- The batch's life ------------------------------------------------------------------------


def batch_create(*, kind: str, creditor: Creditor | None, upload, actor) -> ImportBatch:
    """Store the uploaded file and queue its check (the preview) after commit."""
    if kind != ImportKind.BODACC and creditor is None:
        raise ValidationError({"creditor": "Choisissez le créancier des factures."})
    if creditor is not None and not _may_import_for(actor, creditor.pk):
        raise ValidationError({"creditor": NOT_YOUR_CREDITOR})
    data = upload.read()
    upload.seek(0)
    if not data:
        raise ValidationError({"file": "Le fichier est vide."})
    batch = ImportBatch(
        kind=kind,
        creditor=creditor,
        file=upload,
        original_name=(getattr(upload, "name", "") or "fichier")[:255],
        sha256=_sha256(data),
        created_by=actor,
    )
    with transaction.atomic():
        journaled_save(batch, actor=actor, reason="dépôt d'un fichier à importer")
        transaction.on_commit(partial(queue, "imports.batch_check", batch_id=batch.pk))
    return batch


def remembered_columns(batch: ImportBatch) -> dict[str, str]:
    """The creditor's remembered choices, overlaid by this batch's own."""
    chosen: dict[str, str] = {}
    if batch.creditor_id:
        mapping = ColumnMapping.objects.filter(creditor_id=batch.creditor_id, kind=batch.kind)
        for row in mapping:
            chosen.update(row.columns)
    chosen.update(batch.columns or {})
    return chosen


def remembered_number_formats(batch: ImportBatch) -> dict[str, str]:
    """The decimal mark chosen per amount column (by normalised header): the creditor's
    remembered choices, overlaid by this batch's own."""
    chosen: dict[str, str] = {}
    if batch.creditor_id:
        mapping = ColumnMapping.objects.filter(creditor_id=batch.creditor_id, kind=batch.kind)
        for row in mapping:
            chosen.update(row.number_formats or {})
    chosen.update(batch.number_formats or {})
    return chosen


def _read(batch: ImportBatch, check_headers=None):
    batch.file.open("rb")
    try:
        data = batch.file.read()
    finally:
        batch.file.close()
    return read_table(data, batch.original_name, check_headers=check_headers)


def _check_rows(
    batch: ImportBatch,
    progress: Callable[[int], None] | None = None,
    *,
    user,
    kept: list | None = None,
):
    """(rows, file-level errors) for a batch, each row's write scoped to ``user``; raises
    FileProblem for an unreadable file. ``kept``: the invoices as the preview read them
    (``CheckedRows``), compared with the database again without reading the file again."""
    if kept is not None and batch.kind == ImportKind.CLAIMS:
        rows = claims_from_kept(kept)
        compare_claims(creditor=batch.creditor, rows=rows, dossiers=scoping.visible_dossiers(user))
        return rows, _scope_rows(batch, rows, user)
    if batch.kind == ImportKind.BODACC:
        from imports import bodacc

        batch.file.open("rb")
        try:
            data = batch.file.read()
        finally:
            batch.file.close()
        return bodacc.check(data, batch.original_name, user=user), []
    resolved = {}

    def headers_ok(headers: list[str]) -> bool:
        # The columns are checked before any row is read: a wrong file stops here.
        resolved["positions"], resolved["errors"] = columns_module.resolve(
            batch.kind, headers, remembered_columns(batch)
        )
        return not resolved["errors"]

    table = _read(batch, headers_ok)
    positions, column_errors = resolved["positions"], resolved["errors"]
    if progress:
        progress(0, len(table.rows))
    if column_errors:
        return [], column_errors
    decimal, format_errors = number_formats(
        headers=table.headers,
        table_rows=table.rows,
        positions=positions,
        chosen=remembered_number_formats(batch),
        lines=table.lines,
    )
    if format_errors:
        return [], format_errors
    check = CHECKS[batch.kind]
    scope = {}
    if batch.kind == ImportKind.CLAIMS:
        # A conflict with another portfolio's invoice is refused without revealing it.
        scope["dossiers"] = scoping.visible_dossiers(user)
    rows = check(
        **scope,
        creditor=batch.creditor,
        table_rows=table.rows,
        positions=positions,
        progress=(lambda done: progress(done, len(table.rows))) if progress else None,
        lines=table.lines,
        decimal=decimal,
    )
    # A typed text holds no invisible control character (accounts.text), in any column.
    for row, cells in zip(rows, table.rows, strict=False):
        if not has_control_characters("".join(v for v in cells if isinstance(v, str))):
            continue  # (one search per row; the cell named only when there is one)
        for header, value in zip(table.headers, cells, strict=False):
            if isinstance(value, str) and has_control_characters(value):
                row.fail(f"colonne « {header} » : {CONTROL_MESSAGE}")
    return rows, _scope_rows(batch, rows, user)


NOT_YOUR_CREDITOR = (
    "Ce créancier n'est pas dans votre portefeuille : seuls ses responsables et les "
    "administrateurs importent pour lui."
)


def _scope_rows(batch: ImportBatch, rows: list[Row], user) -> list[str]:
    """Writes are scoped like reads (docs/security.md): each row that would write into an
    existing dossier — a new invoice joining the pair's open dossier, an invoice updated, a
    payment, a status — must land in one the user may act on (``scoping.editable_dossiers``:
    never a closed one), else the row is refused with its line and nothing is imported. A row
    that opens a new dossier (a new pair) opens it unassigned, in the creditor's pool. Returns
    the file-level errors (a creditor out of the user's charge). A few queries per chunk."""
    if not _may_import_for(user, batch.creditor_id):
        return [NOT_YOUR_CREDITOR]
    targets = _target_dossiers(batch, [row for row in rows if row.action != ERROR])
    wanted = sorted({dossier_id for _, dossier_id in targets})
    allowed: set[int] = set()
    closed: dict[int, Dossier] = {}
    for start in range(0, len(wanted), 10_000):
        chunk = Dossier.objects.filter(AnyOf("pk", wanted[start : start + 10_000]))
        allowed.update(scoping.editable_dossiers(user, chunk).values_list("pk", flat=True))
        readable_closed = scoping.visible_dossiers(user, chunk.filter(closed_on__isnull=False))
        closed.update((d.pk, d) for d in readable_closed.only("reference", "state", "closed_on"))
    for row, dossier_id in targets:
        if dossier_id in allowed:
            continue
        if dossier_id in closed:
            row.fail(services.closed_message(closed[dossier_id], "importer cette ligne"))
        else:
            row.fail(scoping.OUT_OF_PORTFOLIO)
    return []


def _may_import_for(user, creditor_id: int | None) -> bool:
    """A user imports for the creditors they may record invoices for (a manager: those in
    their charge); an import always has a user (who wrote it, in the journal)."""
    if user is None or creditor_id is None:
        return False
    return scoping.visible_creditors(user).filter(pk=creditor_id).exists()


def _target_dossiers(batch: ImportBatch, rows: list[Row]) -> list[tuple[Row, int]]:
    """(row, the existing dossier it writes into) pairs (a row opening a new dossier is
    absent)."""
    kind = batch.kind
    if kind == ImportKind.PAYMENTS:
        return [
            (row, row.values["dossier_id"])
            for row in rows
            if row.action != UNCHANGED and row.values.get("dossier_id")
        ]
    if kind == ImportKind.LIFECYCLE:
        live = [row for row in rows if row.action != UNCHANGED and row.values.get("claim_id")]
        dossier_of = _claim_dossiers([row.values["claim_id"] for row in live])
        return [(row, dossier_of[row.values["claim_id"]]) for row in live]
    if kind != ImportKind.CLAIMS:
        return []
    updates = [row for row in rows if row.action == UPDATE]
    dossier_of = _claim_dossiers([row.target_pk for row in updates])
    targets = [(row, dossier_of[row.target_pk]) for row in updates]
    new = [row for row in rows if row.action == CREATE]
    debtor_of = _known_debtors(new)
    debtors = sorted(set(debtor_of.values()))
    open_of: dict[int, int] = {}
    for start in range(0, len(debtors), 10_000):
        open_of.update(
            Dossier.objects.filter(
                AnyOf("debtor_id", debtors[start : start + 10_000]),
                creditor_id=batch.creditor_id,
                closed_on__isnull=True,
            ).values_list("debtor_id", "pk")
        )
    for row in new:
        debtor = debtor_of.get(_debtor_key(row.values))
        if debtor in open_of:
            targets.append((row, open_of[debtor]))
    return targets


def _claim_dossiers(claim_ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    wanted = sorted(set(claim_ids))
    for start in range(0, len(wanted), 10_000):
        found.update(
            Claim.objects.filter(AnyOf("pk", wanted[start : start + 10_000])).values_list(
                "pk", "dossier_id"
            )
        )
    return found


def _known_debtors(rows: list[Row]) -> dict[object, int]:
    """{debtor key: id} of the rows' debtors already known (as ``_debtors_for`` finds them)."""
    keys = {_debtor_key(row.values) for row in rows}
    found: dict[object, int] = {}
    sirens = sorted(k for k in keys if isinstance(k, str))
    for start in range(0, len(sirens), 10_000):
        found.update(
            Debtor.objects.filter(AnyOf("siren", sirens[start : start + 10_000]))
            .order_by("-pk")
            .values_list("siren", "pk")
        )
    names = sorted(
        {row.values["debtor_name"].lower() for row in rows if not row.values["debtor_siren"]}
    )
    for start in range(0, len(names), 10_000):
        for pk, name, postal in (
            Debtor.objects.filter(AnyOf(Lower("name"), names[start : start + 10_000]), siren="")
            .order_by("-pk")
            .values_list("pk", "name", "postal_code")
        ):
            found[debtor_key(name, postal)] = pk
    return found


def _outcome(batch: ImportBatch, rows: list[Row], file_errors: list[str]) -> None:
    errors = [{"row": 1, "errors": file_errors}] if file_errors else []
    errors += [
        {"row": r.number, "errors": r.errors, **({"conflict": r.conflict} if r.conflict else {})}
        for r in rows
        if r.errors
    ]
    batch.error_count = sum(1 for r in rows if r.errors) + (1 if file_errors else 0)
    batch.errors = errors[:MAX_LISTED_ERRORS]
    batch.total_rows = len(rows) if rows else batch.total_rows
    batch.processed_rows = batch.total_rows
    batch.preview = [preview_line(batch.kind, r) for r in rows]
    tally: dict[str, int] = {}
    for row in rows:
        tally[row.action] = tally.get(row.action, 0) + 1
    batch.summary = {"planned": tally}


def _batch_progress(batch_id: int) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        ImportBatch.objects.filter(pk=batch_id).update(processed_rows=done, total_rows=total)

    return report


def batch_check(*, batch_id: int) -> ImportBatch:
    """Read and check every row; nothing but the batch itself is written."""
    batch = ImportBatch.objects.select_related("creditor").get(pk=batch_id)
    if batch.status != B.VALIDATING:
        return batch  # already checked (a retried or duplicated task)
    try:
        rows, file_errors = _check_rows(
            batch, progress=_batch_progress(batch.pk), user=batch.created_by
        )
    except FileProblem as exc:
        rows, file_errors = [], [str(exc)]
    _outcome(batch, rows, file_errors)
    batch.status = B.INVALID if batch.error_count else B.READY
    if not rows and not file_errors:
        batch.status = B.INVALID
        batch.errors = [{"row": 1, "errors": ["Le fichier ne contient aucune ligne à importer."]}]
        batch.error_count = 1
    with transaction.atomic():
        journaled_save(batch, actor=batch.created_by, reason="contrôle du fichier")
        # The invoices read, kept for the import: it will not read the file again.
        CheckedRows.objects.filter(batch_id=batch.pk).delete()
        if batch.status == B.READY and batch.kind == ImportKind.CLAIMS:
            CheckedRows.objects.create(batch_id=batch.pk, rows=kept_claims(rows))
    return batch


def batch_set_columns(
    *,
    batch: ImportBatch,
    choices: dict[str, str],
    actor,
    number_formats: dict[str, str] | None = None,
) -> ImportBatch:
    """Record the user's column choices (and the number format of amount columns, by header),
    remember them for the creditor, check again."""
    cleaned = {normalize_header(header): code for header, code in choices.items() if code}
    unknown = set((number_formats or {}).values()) - set(NUMBER_FORMATS) - {""}
    if unknown:
        raise ValidationError("Format des nombres inconnu.")
    # "" is « détecter d'après le fichier »: it forgets an earlier choice for that column
    formats = {normalize_header(header): mark for header, mark in (number_formats or {}).items()}
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status not in (B.INVALID, B.READY):
            raise ValidationError("Ce fichier n'est plus modifiable.")
        batch.columns = {**(batch.columns or {}), **cleaned}
        batch.number_formats = _overlay(batch.number_formats, formats)
        batch.status = B.VALIDATING
        batch.processed_rows = 0
        journaled_save(batch, actor=actor, reason="correspondance des colonnes choisie")
        if batch.creditor_id:
            mapping, _ = ColumnMapping.objects.get_or_create(
                creditor_id=batch.creditor_id, kind=batch.kind
            )
            mapping.columns = {**mapping.columns, **cleaned}
            mapping.number_formats = _overlay(mapping.number_formats, formats)
            mapping.save()
        transaction.on_commit(partial(queue, "imports.batch_check", batch_id=batch.pk))
    return batch


def _overlay(current: dict | None, changes: dict[str, str]) -> dict[str, str]:
    merged = {**(current or {}), **changes}
    return {key: value for key, value in merged.items() if value}


def batch_confirm(*, batch: ImportBatch, actor) -> ImportBatch:
    """The user confirmed the preview: queue the import."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != B.READY:
            raise ValidationError(
                "Ce fichier ne peut pas être importé : corrigez d'abord ses erreurs."
            )
        batch.status = B.IMPORTING
        batch.processed_rows = 0
        journaled_save(batch, actor=actor, reason="import confirmé")
        transaction.on_commit(
            partial(queue, "imports.batch_import", batch_id=batch.pk, actor_id=actor.pk)
        )
    return batch


class _Progress:
    """Progress of a write that runs in one long transaction: reported on a second database
    connection (PostgreSQL), so that the page polling the batch sees it before the commit."""

    def __init__(self, batch_id: int):
        self.batch_id = batch_id
        self.side = None
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            self.side = connections.create_connection("default")

    def __call__(self, done: int, force: bool = False) -> None:
        if done % PROGRESS_EVERY and not force:
            return
        if self.side is None:
            return
        try:
            with self.side.cursor() as cursor:
                cursor.execute(
                    "UPDATE imports_importbatch SET processed_rows = %s WHERE id = %s",
                    [done, self.batch_id],
                )
        except DatabaseError:
            self.side = None  # progress is a courtesy; the import goes on

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def batch_import(*, batch_id: int, actor) -> ImportBatch:
    """Check again (the database may have changed since the preview), then write every row in
    one transaction. Any error: nothing is written and the batch lists why."""
    with _collected_at_the_end():
        return _batch_import(batch_id=batch_id, actor=actor)


@contextmanager
def _collected_at_the_end():
    """An import holds hundreds of thousands of objects until its end (its rows, their
    values, the columns sent): Python's cyclic collector, triggered by their very number, would
    scan them all again and again (a fifth of the time of 100,000 rows). It runs once, after;
    the import makes no reference cycles worth collecting before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _batch_import(*, batch_id: int, actor) -> ImportBatch:
    # The preview and the errors (megabytes for a large file) are neither read nor written
    # again unless the import changes them (a refusal lists its rows).
    batch = ImportBatch.objects.select_related("creditor").defer(*_BULKY).get(pk=batch_id)
    if batch.status != B.IMPORTING:
        return batch  # already done, or a retried task
    reason = f"import du fichier « {batch.original_name} » (n° {batch.pk})"
    kept = CheckedRows.objects.filter(batch_id=batch.pk).values_list("rows", flat=True).first()
    try:
        with transaction.atomic():
            rows, file_errors = _check_rows(batch, user=actor, kept=kept)
            if file_errors or any(r.action == ERROR for r in rows):
                raise _Refused(rows, file_errors)
            progress = _Progress(batch.pk)
            try:
                counts = WRITERS[batch.kind](
                    batch=batch, rows=rows, actor=actor, reason=reason, progress=progress
                )
            finally:
                progress.close()
    except _Refused as refused:
        _outcome(batch, refused.rows, refused.file_errors)
        batch.status = B.FAILED
    except (ValidationError, IntegrityError, FileProblem) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        if isinstance(exc, IntegrityError):
            messages = ["Conflit avec une donnée enregistrée entre-temps ; rien n'a été importé."]
        line = getattr(exc, "import_row", None)
        batch.errors = [{"row": line or 1, "errors": messages}]
        batch.error_count = 1
        batch.status = B.FAILED
    else:
        batch.status = B.DONE
        batch.summary = {**(batch.summary or {}), "done": counts}
        batch.processed_rows = batch.total_rows
    batch.finished_at = timezone.now()
    with transaction.atomic():
        # (a field left unread is not written: ``Model.save`` of a deferred instance)
        unread = [name for name in _BULKY if name in batch.get_deferred_fields()]
        journaled_save(
            batch, actor=actor, reason=f"{reason} : {batch.get_status_display()}", exclude=unread
        )
        CheckedRows.objects.filter(batch_id=batch.pk).delete()
    return batch


_BULKY = ("preview", "errors")


class _Refused(Exception):
    def __init__(self, rows, file_errors):
        super().__init__("refused")
        self.rows, self.file_errors = rows, file_errors


def _at_row(row: Row, exc: ValidationError) -> ValidationError:
    exc.import_row = row.number
    return exc


# --- Writers ---------------------------------------------------------------------------------


def write_claims(*, batch, rows: list[Row], actor, reason: str, progress) -> dict[str, int]:
    """Set-based equivalent of ``claim_create`` for every row (checked beforehand): the new
    debtors (and their contacts), the dossiers to open and the invoices each go in a few
    journaled statements per chunk of rows (``journal.bulk.journaled_insert``: one history
    row per object, with who and why); the dossiers opened are then planned in batches as the
    daily run plans them. Invoices of dossiers already open, and updates, go the per-row way."""
    # « Ma journée »'s priorities (journal.bulk.rows_written) brought in step once, at the end.
    with rows_written_together():
        return _write_claims(batch=batch, rows=rows, actor=actor, reason=reason, progress=progress)


def _write_claims(*, batch, rows: list[Row], actor, reason: str, progress) -> dict[str, int]:
    creditor = batch.creditor
    counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
    for row in rows:
        counts[row.action] += 1
    touched: set[int] = set()  # dossiers already open before this import
    for row in rows:
        if row.action == UPDATE:
            touched.add(_update_claim(row, actor=actor, reason=reason))
    new = [row for row in rows if row.action == CREATE]
    debtor_of = _debtors_for(new, actor=actor, reason=reason)
    # The dossiers opened take their references in the order of the file, as row by row.
    in_file_order = dict.fromkeys(debtor_of[_debtor_key(row.values)] for row in new)
    dossier_of, opened = services.dossiers_open_or_join(
        creditor=creditor, debtor_ids=list(in_file_order), actor=actor
    )
    opened_set = set(opened)
    done = counts[UPDATE] + counts[UNCHANGED]
    for start in range(0, len(new), WRITE_CHUNK):
        chunk = new[start : start + WRITE_CHUNK]
        claims = []
        for row in chunk:
            v = row.values
            dossier_id = dossier_of[debtor_of[_debtor_key(v)]]
            if dossier_id not in opened_set:
                touched.add(dossier_id)
            claims.append(
                {
                    "dossier_id": dossier_id,
                    "invoice_number": v["invoice_number"],
                    "issue_date": v["issue_date"],
                    "due_date": v["due_date"],
                    "amount": v["amount"],
                    "outstanding": v["amount"],
                    "contract_ref": v["contract_ref"],
                    "purchase_order_ref": v["purchase_order_ref"],
                    "delivery_note_ref": v["delivery_note_ref"],
                }
            )
        journaled_insert(
            Claim,
            claims,
            reasons=[reason] * len(claims),
            actor=actor,
            common={"creditor_id": creditor.pk},
        )
        done += len(chunk)
        progress(done, force=True)
    services.dossiers_refresh_opened(opened, actor=actor, reason="factures importées")
    for pk in sorted(touched):
        services.dossier_refresh(
            dossier=services.lock_dossier(pk), actor=actor, reason="factures importées"
        )
    return counts


WRITE_CHUNK = 5000


def _update_claim(row: Row, *, actor, reason: str) -> int:
    """A known invoice whose file gives a reference it lacked: the reference is added (the
    check refused any other difference as a conflict; nothing recorded is overwritten)."""
    return claim_add_references(
        claim_id=row.target_pk, values=row.values, actor=actor, reason=reason
    ).dossier_id


def claim_add_references(*, claim_id: int, values: dict, actor, reason: str) -> Claim:
    """Add to a recorded invoice the references (contract, purchase order, delivery note) it
    lacked and ``values`` gives; a reference already recorded is never overwritten (another
    one is a conflict, ``validation.claim_differences``). Journaled, with who and why; nothing
    is written when nothing is added."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        added = [key for key, _ in REFERENCES if values.get(key) and not getattr(claim, key)]
        if not added:
            return claim
        for key in added:
            setattr(claim, key, values[key])
        labels = ", ".join(label.lower() for key, label in REFERENCES if key in added)
        journaled_save(claim, actor=actor, reason=f"{reason} : référence ajoutée ({labels})")
    return claim


def _debtor_key(v: dict):
    return v["debtor_siren"] or debtor_key(v["debtor_name"], v["postal_code"])


def _debtors_for(rows: list[Row], *, actor, reason: str) -> dict[object, int]:
    """{debtor key: debtor id} for the rows' debtors: found by SIREN (or, without one, by
    name and postal code) in a few queries, the others created together (first row wins)."""
    first: dict[object, dict] = {}
    for row in rows:
        first.setdefault(_debtor_key(row.values), row.values)
    found: dict[object, int] = {}
    sirens = sorted(k for k in first if isinstance(k, str))
    for start in range(0, len(sirens), 10_000):
        found.update(
            Debtor.objects.filter(AnyOf("siren", sirens[start : start + 10_000]))
            .order_by("-pk")  # the oldest debtor of a SIREN last, so kept
            .values_list("siren", "pk")
        )
    # Without a SIREN, a debtor is its name (whatever its case) and postal code (``debtor_key``).
    names = sorted({v["debtor_name"].lower() for k, v in first.items() if not isinstance(k, str)})
    for start in range(0, len(names), 10_000):
        for pk, name, postal in (
            Debtor.objects.filter(AnyOf(Lower("name"), names[start : start + 10_000]), siren="")
            .order_by("-pk")
            .values_list("pk", "name", "postal_code")
        ):
            found[debtor_key(name, postal)] = pk
    missing = [key for key in first if key not in found]
    rows_new, contacts = [], []
    for key in missing:
        v = first[key]
        rows_new.append(
            {
                "kind": v["debtor_kind"],
                "name": v["debtor_name"],
                "siren": v["debtor_siren"],
                "address_line1": v["address"],
                "postal_code": v["postal_code"],
                "city": v["city"],
            }
        )
        contacts.append(
            {"role": DebtorContact.Role.BILLING, "email": v["email"], "phone": v["phone"]}
            if v["email"] or v["phone"]
            else None
        )
    pks = services.debtors_create_many(rows_new, contacts=contacts, actor=actor, reason=reason)
    found.update(zip(missing, pks, strict=True))
    return found


def write_payments(*, batch, rows: list[Row], actor, reason: str, progress) -> dict[str, int]:
    from dossiers.models import Dossier

    counts = {CREATE: 0, UNCHANGED: 0}
    for done, row in enumerate(rows, start=1):
        progress(done)
        counts[row.action] += 1
        if row.action == UNCHANGED:
            continue
        v = row.values
        try:
            services.payment_record(
                dossier=Dossier.objects.get(pk=v["dossier_id"]),
                amount=v["amount"],
                received_on=v["received_on"],
                method=v["method"],
                kind=v["kind"],
                reference=v["reference"],
                actor=actor,
                reason=reason,
            )
        except ValidationError as exc:
            raise _at_row(row, exc) from exc
    return counts


def write_statuses(*, batch, rows: list[Row], actor, reason: str, progress) -> dict[str, int]:
    counts = {CREATE: 0, UNCHANGED: 0}
    for done, row in enumerate(rows, start=1):
        progress(done)
        counts[row.action] += 1
        if row.action == UNCHANGED:
            continue
        v = row.values
        try:
            invoice_status_record(
                claim=Claim.objects.get(pk=v["claim_id"]),
                status=v["status"],
                occurred_on=v["occurred_on"],
                amount=v["amount"],
                note=v["note"],
                actor=actor,
                source="fichier",
            )
        except ValidationError as exc:
            raise _at_row(row, exc) from exc
    return counts


def _write_bodacc(*, batch, rows, actor, reason, progress):
    from imports import bodacc

    return bodacc.apply(rows=rows, actor=actor, progress=progress)


WRITERS = {
    ImportKind.CLAIMS: write_claims,
    ImportKind.PAYMENTS: write_payments,
    ImportKind.LIFECYCLE: write_statuses,
    ImportKind.BODACC: _write_bodacc,
}


# --- E-invoicing lifecycle statuses ----------------------------------------------------------


def invoice_status_record(
    *,
    claim: Claim,
    status: str,
    occurred_on: date,
    actor,
    amount: Decimal | None = None,
    note: str = "",
    source: str = "api",
) -> tuple[InvoiceStatusEvent, bool]:
    """Apply a lifecycle status once (docs/legal.md §10). Returns (event, created).

    *Encaissée*: the payment is recorded on this invoice, which closes it (penalties stop at
    that date); *Refusée* and *En litige*: a contestation stops the reminders; *Rejetée*: no
    valid invoice, it is cancelled so that it is never reminded; *Approuvée*: kept as evidence
    that the invoice is not disputed.
    """
    label = InvoiceStatus(status).label
    why = f"statut « {label} » reçu ({source})"
    with transaction.atomic():
        dossier = services.lock_dossier(claim.dossier_id)
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        existing = InvoiceStatusEvent.objects.filter(
            claim=claim, status=status, occurred_on=occurred_on
        ).first()
        if existing is not None:
            return existing, False
        services.refuse_closed(dossier, action=f"enregistrer le statut « {label} »")
        event = InvoiceStatusEvent(
            claim=claim,
            status=status,
            occurred_on=occurred_on,
            amount=amount,
            note=note,
            source=source,
            received_by=user_or_none(actor),
        )
        journaled_save(event, actor=actor, reason=why)
        if status == InvoiceStatus.COLLECTED:
            _collected(dossier=dossier, claim=claim, amount=amount, on=occurred_on, actor=actor)
        elif status in (InvoiceStatus.REFUSED, InvoiceStatus.IN_DISPUTE):
            if not claim.disputes.filter(status="open").exists() and not claim.is_cancelled:
                services.dispute_open(
                    dossier=dossier,
                    claim=claim,
                    reason_code="other",
                    description=f"Facture {claim.invoice_number} : statut « {label} ». {note}",
                    actor=actor,
                    on=max(occurred_on, dossier.opened_on),
                )
        elif status == InvoiceStatus.REJECTED and not claim.is_cancelled:
            services.claim_cancel(
                claim=claim,
                actor=actor,
                reason=(
                    f"facture rejetée (statut « {label} ») : pas de facture valable, aucune relance"
                ),
                on=occurred_on,
            )
    return event, True


def _collected(*, dossier, claim: Claim, amount: Decimal, on: date, actor) -> Payment:
    """The money collected for one invoice: allocated to that invoice first (the debtor said
    which debt they paid, C. civ. 1342-10), any surplus to the oldest others."""
    if amount is None or amount <= 0:
        raise ValidationError({"amount": "Le statut « Encaissée » porte le montant encaissé."})
    if on > timezone.localdate():
        raise ValidationError({"occurred_on": "La date d'encaissement est dans le futur."})
    reason = f"encaissement de la facture {claim.invoice_number} (statut « Encaissée »)"
    payment = Payment(
        dossier=dossier,
        kind=Payment.Kind.PAYMENT,
        amount=amount,
        received_on=on,
        method=Payment.Method.TRANSFER,
        reference=f"Encaissée {claim.invoice_number}"[:100],
        recorded_by=user_or_none(actor),
    )
    journaled_save(payment, actor=actor, reason=reason)
    others = list(
        Claim.objects.select_for_update()
        .filter(dossier=dossier)
        .open()
        .exclude(pk=claim.pk)
        .order_by("pk")
    )
    first = min(amount, claim.outstanding)
    plan = [(claim, first)] if first > 0 else []
    rest_plan, _ = services.allocate_oldest_first(others, amount - first)
    plan += [(line.claim, line.amount) for line in rest_plan]
    for target, share in plan:
        journaled_save(
            PaymentAllocation(payment=payment, claim=target, amount=share),
            actor=actor,
            reason=reason,
        )
        target.outstanding -= share
        journaled_save(target, actor=actor, reason=reason)
    if not dossier.is_closed:
        services.dossier_refresh(dossier=dossier, actor=actor, reason="facture encaissée", on=on)
    return payment
