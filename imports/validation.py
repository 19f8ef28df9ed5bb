"""Checking every row of a file before anything is written, with French messages.

A checked row says what importing it would do: ``create``, ``update`` (same invoice, a
reference it lacked now given), ``unchanged`` (already there, identical) or ``error``. A known
invoice number with other facts (amount, dates, debtor, a reference) is a conflict: an error
naming each difference (recorded, received), never an update. The checks read the
database in a few set-based queries per chunk of rows, never one query per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils import timezone

from dossiers.models import Claim, Creditor, Debtor, Payment
from imports.models import InvoiceStatus
from imports.parsing import (
    DECIMAL_COMMA,
    DECIMAL_POINT,
    CellError,
    amount_readings,
    is_ambiguous,
    normalize_header,
    parse_amount,
    parse_date,
    parse_siren,
    text,
)
from legal.formatting import euros, french_date
from recouvrement.lookups import AnyOf

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
IGNORED = "ignored"
ACTION_LABELS = {
    IGNORED: "ignorée (aucun débiteur concerné)",
    CREATE: "à créer",
    UPDATE: "à compléter (référence ajoutée)",
    UNCHANGED: "déjà enregistrée, inchangée",
    ERROR: "en erreur",
}
CHUNK = 5000

KIND_WORDS = {
    "professionnel": Debtor.Kind.PROFESSIONAL,
    "pro": Debtor.Kind.PROFESSIONAL,
    "entreprise": Debtor.Kind.PROFESSIONAL,
    "professional": Debtor.Kind.PROFESSIONAL,
    "consommateur": Debtor.Kind.CONSUMER,
    "particulier": Debtor.Kind.CONSUMER,
    "consumer": Debtor.Kind.CONSUMER,
    "inconnu": Debtor.Kind.UNKNOWN,
    "unknown": Debtor.Kind.UNKNOWN,
}
METHOD_WORDS = {
    "virement": Payment.Method.TRANSFER,
    "transfer": Payment.Method.TRANSFER,
    "prelevement": Payment.Method.DIRECT_DEBIT,
    "prélèvement": Payment.Method.DIRECT_DEBIT,
    "carte": Payment.Method.CARD,
    "carte bancaire": Payment.Method.CARD,
    "cb": Payment.Method.CARD,
    "cheque": Payment.Method.CHEQUE,
    "chèque": Payment.Method.CHEQUE,
    "especes": Payment.Method.CASH,
    "espèces": Payment.Method.CASH,
    "avoir": Payment.Method.CREDIT_NOTE,
    "autre": Payment.Method.OTHER,
}
STATUS_WORDS = {
    "encaissee": InvoiceStatus.COLLECTED,
    "encaissée": InvoiceStatus.COLLECTED,
    "refusee": InvoiceStatus.REFUSED,
    "refusée": InvoiceStatus.REFUSED,
    "rejetee": InvoiceStatus.REJECTED,
    "rejetée": InvoiceStatus.REJECTED,
    "en litige": InvoiceStatus.IN_DISPUTE,
    "en_litige": InvoiceStatus.IN_DISPUTE,
    "approuvee": InvoiceStatus.APPROVED,
    "approuvée": InvoiceStatus.APPROVED,
}


@dataclass
class Row:
    number: int  # the line in the file (the header is line 1)
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    action: str = CREATE
    target_pk: int | None = None  # the existing claim (or payment) it matches
    # A known invoice with other facts: {"invoice", "dossier", "dossier_id", "differences":
    # [[label, recorded, received], ...]} (no dossier nor differences out of the user's scope).
    conflict: dict | None = None

    def fail(self, message: str) -> None:
        self.errors.append(message)
        self.action = ERROR


def _cells(row: list, positions: dict[int, str]) -> dict:
    return {code: row[index] if index < len(row) else None for index, code in positions.items()}


def _line(lines: list[int] | None, index: int) -> int:
    """The file line of the table's row ``index`` (the header is line 1)."""
    return lines[index] if lines else index + 2


def _check(row: Row, key: str, parse: Callable, *args) -> None:
    try:
        row.values[key] = parse(*args)
    except CellError as exc:
        row.fail(str(exc))


# A file repeats its dates, its debtors' SIRENs and e-mails from row to row: each distinct cell
# is read once (``typed``: the cell 1 and the cell True are not the same; a refused cell is read
# again, its message rebuilt). The readers depend on nothing but the cell.
_CACHE = 65_536
_parse_date = lru_cache(maxsize=_CACHE, typed=True)(parse_date)
_parse_amount = lru_cache(maxsize=_CACHE, typed=True)(parse_amount)
_parse_siren = lru_cache(maxsize=_CACHE, typed=True)(parse_siren)


@lru_cache(maxsize=_CACHE)
def _email_ok(email: str) -> bool:
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


# --- Number formats ---------------------------------------------------------------------------

AMOUNT_FIELDS = ("amount",)


def number_formats(
    *,
    headers: list[str],
    table_rows: list[list],
    positions: dict[int, str],
    chosen: dict[str, str],
    lines: list[int] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """The decimal mark of each amount column, decided over all its rows.

    The user's choice for the column (by normalised header, remembered with the mapping) comes
    first; otherwise the format its cells show: « 612,40 » or « 1.234,56 » show a decimal
    comma, « 1,234.56 » or « 3480.6 » a decimal point. A column whose cells read two ways
    (« 1.000 ») and that shows no single format is refused: the user chooses. Returns
    ({field code: decimal mark}, French errors about the columns)."""
    formats: dict[str, str] = {}
    errors: list[str] = []
    for index, code in positions.items():
        if code not in AMOUNT_FIELDS:
            continue
        header = headers[index]
        choice = chosen.get(normalize_header(header))
        if choice in (DECIMAL_COMMA, DECIMAL_POINT):
            formats[code] = choice
            continue
        shown: dict[str, tuple[int, str]] = {}  # decimal mark → (line, cell) first showing it
        first_ambiguous: tuple[int, str] | None = None
        for i, row in enumerate(table_rows):
            value = row[index] if index < len(row) else None
            if not isinstance(value, str) or not value.strip():
                continue  # XLSX numbers carry no format
            readings = amount_readings(value.strip())
            if is_ambiguous(readings):
                first_ambiguous = first_ambiguous or (_line(lines, i), value.strip())
            elif len(readings) == 1:
                shown.setdefault(next(iter(readings)), (_line(lines, i), value.strip()))
        if len(shown) == 1:
            formats[code] = next(iter(shown))
        elif first_ambiguous:
            line, cell = first_ambiguous
            mark = (
                "point séparateur des milliers ou point décimal"
                if "." in cell
                else "virgule séparatrice des milliers ou virgule décimale"
            )
            mixed = ""
            if len(shown) == 2:
                (l1, c1), (l2, c2) = shown[DECIMAL_COMMA], shown[DECIMAL_POINT]
                mixed = (
                    f" La colonne mêle les deux écritures (« {c1} » ligne {l1}, « {c2} » "
                    f"ligne {l2})."
                )
            errors.append(
                f"Colonne « {header} » : « {cell} » (ligne {line}) peut se lire de deux façons "
                f"({mark}).{mixed} Choisissez le format des nombres de cette colonne sous "
                "« Correspondance des colonnes »."
            )
    return formats, errors


def debtor_key(name: str, postal_code: str) -> tuple[str, str]:
    return (" ".join(name.lower().split()), postal_code.replace(" ", ""))


# --- Invoices --------------------------------------------------------------------------------


# (an enum member read once: ``Debtor.Kind.X`` costs an attribute lookup through the enum)
_PROFESSIONAL, _UNKNOWN, _CONSUMER = (
    Debtor.Kind.PROFESSIONAL,
    Debtor.Kind.UNKNOWN,
    Debtor.Kind.CONSUMER,
)


def _claim_row(number: int, cells: dict, decimal: dict[str, str], today: date | None = None) -> Row:
    row = Row(number=number)
    invoice_number = text(cells.get("invoice_number"))
    if not invoice_number:
        row.fail("Numéro de facture manquant.")
    elif len(invoice_number) > 50:
        row.fail("Numéro de facture trop long (50 caractères au plus).")
    row.values["invoice_number"] = invoice_number
    _check(row, "issue_date", _parse_date, cells.get("issue_date"), "Date d'émission")
    _check(row, "due_date", _parse_date, cells.get("due_date"), "Date d'échéance")
    issue, due = row.values.get("issue_date"), row.values.get("due_date")
    if issue and due and due < issue:
        row.fail("La date d'échéance précède la date d'émission.")
    if issue and issue > (today or timezone.localdate()):
        row.fail(f"Date d'émission {issue:%d/%m/%Y} dans le futur.")
    _check(row, "amount", _parse_amount, cells.get("amount"), "Montant", decimal.get("amount"))
    name = text(cells.get("debtor_name"))
    if not name:
        row.fail("Nom du débiteur manquant.")
    row.values["debtor_name"] = name[:200]
    _check(row, "debtor_siren", _parse_siren, cells.get("debtor_siren"))
    siren = row.values.get("debtor_siren", "")
    kind_word = text(cells.get("debtor_kind")).lower()
    if kind_word and kind_word not in KIND_WORDS:
        row.fail(f"Type de débiteur « {kind_word} » inconnu (professionnel ou consommateur).")
    kind = KIND_WORDS.get(kind_word) or (_PROFESSIONAL if siren else _UNKNOWN)
    if kind == _CONSUMER and siren:
        row.fail("Un consommateur n'a pas de SIREN.")
    row.values["debtor_kind"] = kind
    for key, limit in (("address", 200), ("postal_code", 10), ("city", 100), ("phone", 30)):
        row.values[key] = text(cells.get(key))[:limit]
    for key in ("contract_ref", "purchase_order_ref", "delivery_note_ref"):
        row.values[key] = text(cells.get(key))[:100]
    email = text(cells.get("email"))
    if email and not _email_ok(email):
        row.fail(f"Adresse e-mail « {email} » invalide.")
    row.values["email"] = email
    return row


def check_claims(
    *,
    creditor: Creditor,
    table_rows: list[list],
    positions: dict[int, str],
    progress=None,
    lines: list[int] | None = None,
    decimal: dict[str, str] | None = None,
    dossiers=None,
) -> list[Row]:
    """``dossiers``: the dossiers the importing user may see (``dossiers.scoping``); a conflict
    with an invoice of another dossier is refused without revealing it. None: no limit."""
    rows = parse_claims(table_rows=table_rows, positions=positions, lines=lines, decimal=decimal)
    compare_claims(creditor=creditor, rows=rows, progress=progress, dossiers=dossiers)
    return rows


def parse_claims(
    *,
    table_rows: list[list],
    positions: dict[int, str],
    lines: list[int] | None = None,
    decimal: dict[str, str] | None = None,
) -> list[Row]:
    """Each row's cells read (dates, amounts, SIREN, e-mail...) and the invoices twice in the
    file: what depends on the file alone, not on the database."""
    today = timezone.localdate()
    rows = [
        _claim_row(_line(lines, i), _cells(r, positions), decimal or {}, today)
        for i, r in enumerate(table_rows)
    ]
    first_seen: dict[str, int] = {}
    for row in rows:
        number = row.values["invoice_number"]
        if not number:
            continue
        if number in first_seen:
            row.fail(
                f"Facture {number} en double dans le fichier (déjà en ligne {first_seen[number]})."
            )
        else:
            first_seen[number] = row.number
    return rows


def compare_claims(*, creditor: Creditor, rows: list[Row], progress=None, dossiers=None) -> None:
    """The rows read compared with the database, a few queries per chunk: a known invoice
    (unchanged, completed or a conflict), an unknown debtor without an address."""
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        _compare_with_database(creditor, chunk, dossiers)
        if progress:
            progress(start + len(chunk))


# The rows read by the preview, kept for the import (``imports.models.CheckedRows``): each row
# a list, its line then these values (dates in ISO, amounts as text).
KEPT_CLAIM_VALUES = (
    "invoice_number",
    "issue_date",
    "due_date",
    "amount",
    "debtor_name",
    "debtor_siren",
    "debtor_kind",
    "address",
    "postal_code",
    "city",
    "phone",
    "contract_ref",
    "purchase_order_ref",
    "delivery_note_ref",
    "email",
)


def kept_claims(rows: list[Row]) -> list[list]:
    """The rows read (none in error), as JSON keeps them."""
    kept = []
    for row in rows:
        v = row.values
        line = [v[key] for key in KEPT_CLAIM_VALUES]
        line[1], line[2], line[3] = line[1].isoformat(), line[2].isoformat(), str(line[3])
        line[6] = str(line[6])
        kept.append([row.number, *line])
    return kept


def claims_from_kept(kept: list[list]) -> list[Row]:
    """The rows ``kept_claims`` kept, read back as the check read them (before the database
    is compared)."""
    day = lru_cache(maxsize=4096)(date.fromisoformat)
    rows = []
    for number, *line in kept:
        values = dict(zip(KEPT_CLAIM_VALUES, line, strict=True))
        values["issue_date"], values["due_date"] = day(line[1]), day(line[2])
        values["amount"] = Decimal(line[3])
        rows.append(Row(number=number, values=values))
    return rows


def _compare_with_database(creditor: Creditor, rows: list[Row], dossiers=None) -> None:
    numbers = [r.values["invoice_number"] for r in rows if r.values["invoice_number"]]
    existing = {
        claim.invoice_number: claim
        for claim in Claim.objects.filter(AnyOf("invoice_number", numbers), creditor=creditor)
        .select_related("dossier__debtor")
        .only(
            "pk",
            "invoice_number",
            "amount",
            "issue_date",
            "due_date",
            "contract_ref",
            "purchase_order_ref",
            "delivery_note_ref",
            "cancelled_on",
            "dossier__reference",
            "dossier__debtor__siren",
            "dossier__debtor__name",
            "dossier__debtor__postal_code",
        )
    }
    hidden: set[int] = set()
    if dossiers is not None and existing:
        ids = {claim.dossier_id for claim in existing.values()}
        hidden = ids - set(dossiers.filter(AnyOf("pk", ids)).values_list("pk", flat=True))
    sirens = {r.values.get("debtor_siren") for r in rows} - {"", None}
    known_sirens = set(
        Debtor.objects.filter(AnyOf("siren", sirens)).values_list("siren", flat=True)
    )
    names = {r.values["debtor_name"].lower() for r in rows if not r.values.get("debtor_siren")}
    known_names = {
        debtor_key(name, postal)
        for name, postal in Debtor.objects.filter(
            AnyOf(Lower("name"), names), siren=""
        ).values_list("name", "postal_code")
    }
    for row in rows:
        values = row.values
        claim = existing.get(values["invoice_number"])
        if claim is not None:
            _compare_claim(row, claim, hidden=claim.dossier_id in hidden)
            continue
        siren = values.get("debtor_siren", "")
        known = (
            siren in known_sirens
            if siren
            else (debtor_key(values["debtor_name"], values["postal_code"]) in known_names)
        )
        if not known and not (values["address"] and values["postal_code"] and values["city"]):
            row.fail(
                f"Débiteur « {values['debtor_name']} » inconnu : son adresse, son code postal "
                "et sa ville sont nécessaires pour le créer."
            )


REFERENCES = (
    ("contract_ref", "Contrat"),
    ("purchase_order_ref", "Bon de commande"),
    ("delivery_note_ref", "Bon de livraison"),
)


def _party(name: str, siren: str) -> str:
    return f"{name} (SIREN {siren})" if siren else name


def claim_differences(claim: Claim, values: dict) -> list[tuple[str, str, str]]:
    """What a received invoice (``values``: a checked row's) says otherwise than the recorded
    ``claim`` of the same number: (label, recorded, received) in French. A reference the claim
    lacks is a completion, not a difference; a reference the file leaves empty says nothing."""
    found = []
    debtor = claim.dossier.debtor
    siren = values.get("debtor_siren", "")
    if siren:
        other_debtor = siren != debtor.siren
    else:  # the file gives no SIREN: the name says who
        other_debtor = debtor_key(values["debtor_name"], "")[0] != debtor_key(debtor.name, "")[0]
    if other_debtor:
        found.append(
            ("Débiteur", _party(debtor.name, debtor.siren), _party(values["debtor_name"], siren))
        )
    if values["amount"] != claim.amount:
        found.append(("Montant", euros(claim.amount), euros(values["amount"])))
    for key, label in (("issue_date", "Date d'émission"), ("due_date", "Date d'échéance")):
        if values[key] != getattr(claim, key):
            found.append((label, french_date(getattr(claim, key)), french_date(values[key])))
    for key, label in REFERENCES:
        recorded, received = getattr(claim, key), values[key]
        if recorded and received and recorded != received:
            found.append((label, recorded, received))
    return found


def _compare_claim(row: Row, claim: Claim, *, hidden: bool = False) -> None:
    """A known invoice number: the same facts change nothing (or complete a missing
    reference); other facts are a conflict, listed with each difference; nothing is
    overwritten (an issued invoice does not change: a credit note or a corrective invoice
    does)."""
    values = row.values
    row.target_pk = claim.pk
    if row.action == ERROR:
        return
    differences = claim_differences(claim, values)
    if differences and hidden:
        row.conflict = {"invoice": claim.invoice_number, "dossier": "", "differences": []}
        row.fail(
            f"La facture {claim.invoice_number} est déjà enregistrée pour ce créancier avec "
            "d'autres données, dans un dossier hors de votre portefeuille : rien ne sera "
            "importé. Adressez-vous au responsable du créancier."
        )
        return
    if differences:
        row.conflict = {
            "invoice": claim.invoice_number,
            "dossier": claim.dossier.reference,
            "dossier_id": claim.dossier_id,
            "differences": [list(item) for item in differences],
        }
        row.fail(
            f"Conflit : la facture {claim.invoice_number} est déjà enregistrée avec d'autres "
            f"données (dossier {claim.dossier.reference}) : "
            + " ; ".join(
                f"{label} : {old} enregistré, {new} reçu" for label, old, new in differences
            )
            + ". Rien ne sera importé : une facture émise ne se modifie pas (émettez un avoir "
            "ou une facture rectificative)."
        )
        return
    completes = any(values[key] and not getattr(claim, key) for key, _ in REFERENCES)
    row.action = UPDATE if completes and claim.cancelled_on is None else UNCHANGED


# --- Payments --------------------------------------------------------------------------------


def _payment_row(number: int, cells: dict, decimal: dict[str, str]) -> Row:
    row = Row(number=number)
    row.values["invoice_number"] = text(cells.get("invoice_number"))
    if not row.values["invoice_number"]:
        row.fail("Numéro de facture manquant.")
    _check(row, "received_on", parse_date, cells.get("received_on"), "Date du paiement")
    received = row.values.get("received_on")
    if received and received > timezone.localdate():
        row.fail(f"Date du paiement {received:%d/%m/%Y} dans le futur.")
    _check(row, "amount", parse_amount, cells.get("amount"), "Montant", decimal.get("amount"))
    reference = text(cells.get("reference"))
    if not reference:
        row.fail(
            "Référence du paiement manquante : elle évite qu'un second import compte le "
            "paiement deux fois."
        )
    row.values["reference"] = reference[:100]
    word = text(cells.get("method")).lower()
    if word and word not in METHOD_WORDS:
        row.fail(f"Moyen de paiement « {word} » inconnu.")
    method = METHOD_WORDS.get(word, Payment.Method.TRANSFER)
    row.values["method"] = method
    row.values["kind"] = (
        Payment.Kind.CREDIT_NOTE if method == Payment.Method.CREDIT_NOTE else Payment.Kind.PAYMENT
    )
    return row


def check_payments(
    *,
    creditor: Creditor,
    table_rows: list[list],
    positions: dict[int, str],
    progress=None,
    lines: list[int] | None = None,
    decimal: dict[str, str] | None = None,
) -> list[Row]:
    rows = [
        _payment_row(_line(lines, i), _cells(r, positions), decimal or {})
        for i, r in enumerate(table_rows)
    ]
    first_seen: dict[str, int] = {}
    for row in rows:
        reference = row.values["reference"]
        if reference and reference in first_seen:
            row.fail(
                f"Paiement {reference} en double dans le fichier "
                f"(déjà en ligne {first_seen[reference]})."
            )
        elif reference:
            first_seen[reference] = row.number
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        numbers = {r.values["invoice_number"] for r in chunk}
        claims = dict(
            Claim.objects.filter(creditor=creditor, invoice_number__in=numbers).values_list(
                "invoice_number", "dossier_id"
            )
        )
        references = {r.values["reference"] for r in chunk}
        recorded = {
            (dossier_id, reference): pk
            for pk, dossier_id, reference in Payment.objects.filter(
                dossier__creditor=creditor, reference__in=references
            ).values_list("pk", "dossier_id", "reference")
        }
        for row in chunk:
            number = row.values["invoice_number"]
            if number and number not in claims:
                row.fail(f"Facture {number} inconnue pour ce créancier.")
                continue
            row.values["dossier_id"] = claims.get(number)
            pk = recorded.get((claims.get(number), row.values["reference"]))
            if pk is not None:
                row.target_pk = pk
                if row.action != ERROR:
                    row.action = UNCHANGED
        if progress:
            progress(start + len(chunk))
    return rows


# --- E-invoicing lifecycle statuses ----------------------------------------------------------


def _status_row(number: int, cells: dict, decimal: dict[str, str]) -> Row:
    row = Row(number=number)
    row.values["invoice_number"] = text(cells.get("invoice_number"))
    if not row.values["invoice_number"]:
        row.fail("Numéro de facture manquant.")
    word = text(cells.get("status")).lower()
    status = STATUS_WORDS.get(word)
    if status is None:
        row.fail(
            f"Statut « {text(cells.get('status'))} » inconnu (Encaissée, Refusée, Rejetée, "
            "En litige, Approuvée)."
        )
    row.values["status"] = status
    _check(row, "occurred_on", parse_date, cells.get("occurred_on"), "Date du statut")
    row.values["amount"] = None
    if text(cells.get("amount")):
        _check(
            row,
            "amount",
            parse_amount,
            cells.get("amount"),
            "Montant encaissé",
            decimal.get("amount"),
        )
    elif status == InvoiceStatus.COLLECTED:
        row.fail("Le statut « Encaissée » porte le montant encaissé.")
    row.values["note"] = text(cells.get("note"))[:300]
    return row


def check_statuses(
    *,
    creditor: Creditor,
    table_rows: list[list],
    positions: dict[int, str],
    progress=None,
    lines: list[int] | None = None,
    decimal: dict[str, str] | None = None,
) -> list[Row]:
    from imports.models import InvoiceStatusEvent

    rows = [
        _status_row(_line(lines, i), _cells(r, positions), decimal or {})
        for i, r in enumerate(table_rows)
    ]
    numbers = {r.values["invoice_number"] for r in rows}
    claims = dict(
        Claim.objects.filter(creditor=creditor, invoice_number__in=numbers).values_list(
            "invoice_number", "pk"
        )
    )
    received = set(
        InvoiceStatusEvent.objects.filter(claim_id__in=claims.values()).values_list(
            "claim_id", "status", "occurred_on"
        )
    )
    for row in rows:
        pk = claims.get(row.values["invoice_number"])
        if pk is None:
            if row.values["invoice_number"]:
                row.fail(f"Facture {row.values['invoice_number']} inconnue pour ce créancier.")
            continue
        row.values["claim_id"] = pk
        if row.action != ERROR and (
            (pk, row.values["status"], row.values.get("occurred_on")) in received
        ):
            row.action = UNCHANGED
    if progress:
        progress(len(rows))
    return rows


CHECKS = {"claims": check_claims, "payments": check_payments, "lifecycle": check_statuses}


def preview_line(kind: str, row: Row) -> list:
    """What the preview shows of one row: [line, reference, party, amount, date, action]."""
    v = row.values
    amount = v.get("amount")
    day: date | None = (
        v.get("due_date") or v.get("received_on") or v.get("occurred_on") or v.get("opened_on")
    )
    party = (
        v.get("debtor_name")
        or v.get("name")
        or v.get("reference")
        or (InvoiceStatus(v["status"]).label if v.get("status") else "")
    )
    return [
        row.number,
        v.get("invoice_number", ""),
        party,
        str(amount) if isinstance(amount, Decimal) else "",
        day.isoformat() if day else "",
        row.action,
    ]
