"""SWIFT MT940 (customer statement message), the subset banks send to companies.

Fields ``:20:`` reference, ``:25:`` account, ``:28C:`` statement number, ``:60F:/:60M:``
opening balance, ``:61:`` a movement, ``:86:`` its information to the account owner,
``:62F:/:62M:`` closing balance; a file may hold several messages (``{4:`` … ``-}``, or ``-``
alone). A field runs on over the lines that do not start a new tag. The ``:86:`` text is read
as SEPA keywords (``/EREF/``, ``/REMI/``, ``/ORDP/``, ``/NAME/``, ``/IBAN/``…) or as ``?20``–``?29``
sub-fields (German style), else kept whole. Errors name the line.

A small parser rather than the ``mt-940`` package: the project needs a few fields, bounded
input and French errors naming the line; no new dependency for that.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

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
    normalize_account,
)

MT940 = "mt940"
_TAG = re.compile(r"^:(\d{2}[A-Z]?):(.*)$")
# :61: value date YYMMDD, optional booking date MMDD, mark (C, D, RC, RD), optional funds code,
# amount with a decimal comma, transaction type (N/F/S + 3), owner's reference, //bank reference.
_LINE = re.compile(
    r"^(?P<value>\d{6})(?P<booking>\d{4})?(?P<mark>RC|RD|C|D)(?P<funds>[A-Z])?"
    r"(?P<amount>\d{1,12},\d{0,2})(?P<type>[NSF][A-Z0-9]{3})(?P<owner>[^/\n]{0,16})"
    r"(?://(?P<bank>[^\n]{0,16}))?(?:\n(?P<extra>.*))?$",
    re.DOTALL,
)
_BALANCE = re.compile(r"^(?P<mark>[CD])(?P<date>\d{6})(?P<currency>[A-Z]{3})(?P<amount>[\d,]+)$")
_SEPA_KEYS = (
    "EREF",
    "KREF",
    "MREF",
    "CRED",
    "DEBT",
    "SVWZ",
    "ABWA",
    "ABWE",
    "REMI",
    "ORDP",
    "BENM",
    "NAME",
    "IBAN",
    "BIC",
    "CDTRREFTP",
    "CDTRREF",
    "RTRN",
    "PURP",
    "TRCD",
)
_TYPES = {
    "TRF": Kind.TRANSFER,
    "DDT": Kind.DIRECT_DEBIT,
    "CHK": Kind.CHEQUE,
    "RTI": Kind.RETURN,
    "CHG": Kind.FEES,
    "COM": Kind.FEES,
    "INT": Kind.FEES,
}


def _yymmdd(text: str) -> date:
    return date(2000 + int(text[0:2]), int(text[2:4]), int(text[4:6]))


def _amount(text: str) -> Decimal:
    whole, _, fraction = text.partition(",")
    return Decimal(f"{whole or 0}.{fraction or 0}")


def _fields(content: str, problems: Problems):
    """(line number, tag, value) for each field, continuation lines joined by newlines."""
    current = None
    for number, raw in enumerate(content.splitlines(), start=1):
        line = raw.rstrip()
        if line.startswith(("{1:", "{2:", "{3:")) and "{4:" in line:
            line = line.split("{4:", 1)[1]
        if line in ("-}", "-", "{4:", ""):
            if current:
                yield current
                current = None
            if line in ("-}", "-"):
                yield (number, "END", "")
            continue
        if line.startswith("{") and not _TAG.match(line):
            continue  # block headers {1:…}{2:…}
        tag = _TAG.match(line)
        if tag:
            if current:
                yield current
            current = (number, tag.group(1), tag.group(2))
        elif current:
            current = (current[0], current[1], f"{current[2]}\n{line}")
        else:
            problems.add(f"Ligne {number} : texte hors de tout champ « {line[:30]} ».")
    if current:
        yield current


def _information(text: str) -> tuple[str, str, str, str, str]:
    """(remittance, payer name, payer IBAN, end-to-end id, creditor reference) of a :86:."""
    flat = text.replace("\n", "")
    if re.search(r"\?2\d", flat):
        parts = {m.group(1): m.group(2) for m in re.finditer(r"\?(\d{2})([^?]*)", flat)}
        remittance = "".join(parts.get(f"{n}", "") for n in range(20, 30))
        name = "".join(parts.get(f"{n}", "") for n in (32, 33))
        iban = parts.get("31", "")
        eref = ""
        found = re.search(r"EREF\+(\S+)", remittance)
        if found:
            eref = found.group(1)
        return clean(remittance), clean(name, 140), normalize_account(iban), eref, ""
    if re.search(r"/({})/".format("|".join(_SEPA_KEYS)), flat):
        values: dict[str, str] = {}
        pattern = re.compile(r"/({})/".format("|".join(_SEPA_KEYS)))
        marks = list(pattern.finditer(flat))
        for index, mark in enumerate(marks):
            end = marks[index + 1].start() if index + 1 < len(marks) else len(flat)
            values.setdefault(mark.group(1), flat[mark.end() : end].strip())
        remittance = values.get("REMI", "")
        remittance = re.sub(r"^/?USTD//?", "", remittance)
        name = values.get("NAME") or values.get("ORDP", "")
        name = re.sub(r"^/?NAME/", "", name)
        reference = values.get("CDTRREF", "")
        return (
            clean(remittance or flat),
            clean(name, 140),
            normalize_account(values.get("IBAN", "")),
            values.get("EREF", ""),
            reference.replace(" ", ""),
        )
    return clean(text.replace("\n", " ")), "", "", "", ""


def parse_mt940(content: bytes) -> ParsedStatement:
    check_size(content)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    if ":61:" not in text and ":60F:" not in text:
        raise StatementError("Ce n'est pas un relevé MT940 (champs :60F: et :61: absents).")
    check_count(text.count(":61:"))
    problems = Problems()
    statement = ParsedStatement(format=MT940)
    account = ""
    last: ParsedTransaction | None = None
    for number, tag, value in _fields(text, problems):
        if tag == "END":
            last = None
            continue
        if tag == "20":
            statement.statement_id = statement.statement_id or clean(value, 35)
        elif tag == "25":
            account = normalize_account(value.split("/")[-1] if "/" in value else value)
            if account and account not in statement.accounts:
                statement.accounts.append(account)
        elif tag in ("60F", "60M", "62F", "62M"):
            found = _BALANCE.match(value.strip())
            if not found:
                problems.add(f"Ligne {number} : solde :{tag}: illisible « {value.strip()} ».")
                continue
            if found.group("currency") != "EUR":
                problems.add(
                    f"Ligne {number} : devise {found.group('currency')}, "
                    "seuls les euros sont gérés."
                )
                continue
            try:
                amount = _amount(found.group("amount"))
                day = _yymmdd(found.group("date"))
            except (ValueError, InvalidOperation):
                problems.add(f"Ligne {number} : date ou montant invalide dans :{tag}:.")
                continue
            amount = amount if found.group("mark") == "C" else -amount
            if tag.startswith("60") and statement.opening_balance is None:
                statement.opening_balance, statement.start = amount, day
            elif tag.startswith("62"):
                statement.closing_balance, statement.end = amount, day
        elif tag == "61":
            if not account:
                problems.add(f"Ligne {number} : mouvement :61: avant le compte :25:.")
                continue
            found = _LINE.match(value.strip())
            if not found:
                problems.add(f"Ligne {number} : mouvement :61: illisible « {value.strip()[:40]} ».")
                last = None
                continue
            try:
                value_on = _yymmdd(found.group("value"))
                booked_on = value_on
                if found.group("booking"):
                    month, day = int(found.group("booking")[:2]), int(found.group("booking")[2:])
                    year = value_on.year
                    # A booking in January for a value date in December belongs to next year.
                    if month < value_on.month - 6:
                        year += 1
                    elif month > value_on.month + 6:
                        year -= 1
                    booked_on = date(year, month, day)
                amount = _amount(found.group("amount"))
            except (ValueError, InvalidOperation):
                problems.add(f"Ligne {number} : date ou montant invalide dans :61:.")
                last = None
                continue
            if not 0 < amount <= MAX_AMOUNT:
                problems.add(f"Ligne {number} : montant nul ou hors limites dans :61:.")
                last = None
                continue
            mark = found.group("mark")
            direction = CREDIT if mark in ("C", "RD") else DEBIT
            code = found.group("type")
            kind = Kind.RETURN if mark.startswith("R") else _TYPES.get(code[1:], Kind.OTHER)
            if kind == Kind.OTHER and direction == CREDIT:
                kind = Kind.TRANSFER
            owner = (found.group("owner") or "").strip()
            last = ParsedTransaction(
                line=number,
                account=account,
                booked_on=booked_on,
                value_on=value_on,
                amount=amount,
                direction=direction,
                bank_reference=clean(found.group("bank") or "", 100)
                or ("" if owner == "NONREF" else owner),
                end_to_end_id="" if owner == "NONREF" else owner,
                remittance=clean(found.group("extra") or ""),
                bank_code=code,
                kind=kind,
            )
            statement.transactions.append(last)
        elif tag == "86" and last is not None:
            remittance, name, iban, eref, reference = _information(value)
            last.remittance = clean(f"{last.remittance} {remittance}")
            last.counterparty_name = name or last.counterparty_name
            last.counterparty_iban = iban[:34] or last.counterparty_iban
            last.end_to_end_id = (eref or last.end_to_end_id)[:100]
            last.structured_reference = reference[:35]
            last = None
    problems.raise_if_any()
    if not statement.accounts:
        raise StatementError("Aucun compte (:25:) dans le relevé MT940.")
    return statement
