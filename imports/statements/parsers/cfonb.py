"""The French CFONB 120 account statement (« relevé de compte 120 caractères »).

Records of 120 characters: ``01`` old balance, ``04`` movement, ``05`` complement of the
movement before it, ``07`` new balance. Amounts are 14 characters whose last one carries both
the last digit and the sign (CFONB convention): ``{`` and ``A``–``I`` are 0 and 1–9 positive
(credit), ``}`` and ``J``–``R`` are 0 and 1–9 negative (debit); the number of decimals is in
column 20. A file may come with or without line breaks. Errors name the line.

Positions (1-based, as in the specification):

====  ===========================================================================
1–2   record code (01, 04, 05, 07)
3–7   bank code; 8–11 internal operation code (04, 05); 12–16 branch code
17–19 currency; 20 decimals; 22–32 account number
33–34 interbank operation code (04, 05); 35–40 date DDMMYY (booking date for 04)
41–42 reject reason code (04); 43–48 value date (04); 49–79 label (04)
82–88 entry number (04); 91–104 amount (01, 04, 07); 105–120 reference (04)
46–48 complement qualifier (05: LIB, NPY payer name, IPY payer id, RCN customer ref…)
49–118 complement text (05)
====  ===========================================================================
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from imports.statements.parsers.common import (
    CREDIT,
    DEBIT,
    MAX_AMOUNT,
    Kind,
    ParsedStatement,
    ParsedTransaction,
    Problems,
    StatementError,
    check_count,
    check_size,
    clean,
    french_rib_to_iban,
)

CFONB120 = "cfonb120"
RECORD = 120
_POSITIVE = {"{": 0, **{chr(ord("A") + i): i + 1 for i in range(9)}}
_NEGATIVE = {"}": 0, **{chr(ord("J") + i): i + 1 for i in range(9)}}
# Interbank operation codes (columns 33–34) that say what a movement is.
_KINDS = {
    "05": Kind.TRANSFER,  # virement reçu (historique)
    "18": Kind.TRANSFER,  # virement SEPA reçu
    "01": Kind.CHEQUE,  # chèque
    "15": Kind.CHEQUE,  # remise de chèques
    "06": Kind.DIRECT_DEBIT,
    "10": Kind.DIRECT_DEBIT,  # prélèvement SEPA
    "11": Kind.RETURN,  # prélèvement impayé
    "13": Kind.RETURN,  # prélèvement rejeté, retourné
    "16": Kind.RETURN,  # virement retourné
    "19": Kind.CARD,  # opérations de carte
    "23": Kind.FEES,  # frais et commissions
    "25": Kind.FEES,  # agios
}


def encoded_amount(field: str, decimals: int) -> tuple[Decimal, bool]:
    """(absolute amount, positive) of a 14-character CFONB amount; ValueError if unreadable."""
    digits, last = field[:-1], field[-1:]
    if not digits.isdigit() or (last not in _POSITIVE and last not in _NEGATIVE):
        raise ValueError(field)
    positive = last in _POSITIVE
    unit = _POSITIVE[last] if positive else _NEGATIVE[last]
    value = Decimal(f"{digits}{unit}").scaleb(-decimals)
    return value, positive


def _date(text: str) -> date:
    day, month, year = int(text[0:2]), int(text[2:4]), int(text[4:6])
    return date(2000 + year, month, day)


def _records(content: bytes) -> list[str]:
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    if "\n" not in text and "\r" not in text and len(text) % RECORD == 0:
        return [text[i : i + RECORD] for i in range(0, len(text), RECORD)]
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_cfonb120(content: bytes) -> ParsedStatement:
    check_size(content)
    records = _records(content)
    check_count(len(records))
    problems = Problems()
    statement = ParsedStatement(format=CFONB120)
    current: ParsedTransaction | None = None
    seen_start = False
    for number, raw in enumerate(records, start=1):
        if not raw.strip():
            continue
        if len(raw) > RECORD:
            problems.add(f"Ligne {number} : {len(raw)} caractères, {RECORD} attendus.")
            continue
        record = raw.ljust(RECORD)  # trailing blanks trimmed by an editor are put back
        code = record[0:2]
        if code not in ("01", "04", "05", "07"):
            problems.add(f"Ligne {number} : code d'enregistrement « {code} » inconnu.")
            continue
        bank, branch, account = record[2:7], record[11:16], record[21:32].strip()
        currency, decimals = record[16:19], record[19:20]
        if not (bank.isdigit() and branch.isdigit() and account):
            problems.add(f"Ligne {number} : code banque, guichet ou compte illisible.")
            continue
        if currency != "EUR":
            problems.add(f"Ligne {number} : devise « {currency} », seuls les euros sont gérés.")
            continue
        if not decimals.isdigit():
            problems.add(f"Ligne {number} : nombre de décimales (colonne 20) illisible.")
            continue
        try:
            iban = french_rib_to_iban(bank, branch, account.rjust(11, "0"))
        except ValueError:
            problems.add(f"Ligne {number} : numéro de compte « {account} » illisible.")
            continue
        if code == "05":
            if current is None:
                problems.add(f"Ligne {number} : complément (05) sans mouvement (04) avant lui.")
                continue
            qualifier, info = record[45:48], clean(record[48:118])
            if qualifier == "NPY":
                current.counterparty_name = clean(f"{current.counterparty_name} {info}", 140)
            elif qualifier == "IPY" and len(info) <= 34 and info[:2].isalpha():
                current.counterparty_iban = info.replace(" ", "")
            else:
                current.remittance = clean(f"{current.remittance} {info}")
            continue
        try:
            amount, positive = encoded_amount(record[90:104], int(decimals))
        except ValueError:
            problems.add(
                f"Ligne {number} : montant « {record[90:104]} » illisible (colonnes 91–104)."
            )
            continue
        try:
            day = _date(record[34:40])
        except ValueError:
            problems.add(f"Ligne {number} : date « {record[34:40]} » invalide (colonnes 35–40).")
            continue
        if code == "01":
            seen_start = True
            if iban not in statement.accounts:
                statement.accounts.append(iban)
            if statement.opening_balance is None:
                statement.opening_balance = amount if positive else -amount
                statement.start = day
            current = None
            continue
        if code == "07":
            statement.closing_balance = amount if positive else -amount
            statement.end = day
            current = None
            continue
        if not seen_start:
            problems.add(f"Ligne {number} : mouvement (04) avant l'ancien solde (01).")
            continue
        if not 0 < amount <= MAX_AMOUNT:
            problems.add(f"Ligne {number} : montant nul ou hors limites.")
            continue
        try:
            value_on = _date(record[42:48])
        except ValueError:
            value_on = None
        operation = record[32:34]
        kind = _KINDS.get(operation, Kind.OTHER)
        if kind == Kind.OTHER and positive:
            kind = Kind.TRANSFER
        entry_number = record[81:88].strip()
        reference = record[104:120].strip()
        if reference == "NOTPROVIDED":
            reference = ""
        current = ParsedTransaction(
            line=number,
            account=iban,
            booked_on=day,
            value_on=value_on,
            amount=amount,
            direction=CREDIT if positive else DEBIT,
            bank_reference="/".join(filter(None, [entry_number, reference]))[:100],
            remittance=clean(record[48:79]),
            bank_code=f"{operation}/{record[7:11].strip()}".strip("/"),
            kind=kind,
        )
        reject = record[40:42].strip()
        if reject:
            current.kind = Kind.RETURN
            current.remittance = clean(f"{current.remittance} Rejet {reject}")
        statement.transactions.append(current)
    problems.raise_if_any()
    if not statement.accounts:
        raise StatementError(
            "Aucun enregistrement d'ancien solde (01) : ce n'est pas un relevé CFONB."
        )
    return statement
