"""ISO 20022 camt.053 (account statement) and camt.054 (debit/credit notification).

Read with lxml, safely: no DTD, no entity expansion, no network, no huge trees; any DOCTYPE is
refused outright. Elements are found by local name, so every version of the messages
(camt.053.001.02 to .001.13) reads the same. Each entry (``Ntry``) gives one line, or one line
per transaction detail (``TxDtls``) when a batch booking carries several with their amounts.
Errors name the element and its line in the file.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

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

CAMT053 = "camt.053"
CAMT054 = "camt.054"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _child(element, *path):
    """The first descendant along a path of local names, or None."""
    current = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if _local(c) == name), None)
    return current


def _children(element, name):
    return [c for c in element if _local(c) == name] if element is not None else []


def _text(element, *path) -> str:
    found = _child(element, *path)
    return clean(found.text) if found is not None and found.text else ""


def _where(element) -> str:
    return f"ligne {element.sourceline}, élément <{_local(element)}>"


def _amount(element, problems: Problems) -> Decimal | None:
    try:
        value = Decimal((element.text or "").strip())
    except InvalidOperation:
        problems.add(f"{_where(element)} : montant illisible « {element.text} ».")
        return None
    if not 0 < value <= MAX_AMOUNT or value.as_tuple().exponent < -2:
        problems.add(f"{_where(element)} : montant invalide « {element.text} ».")
        return None
    currency = element.get("Ccy", "EUR")
    if currency != "EUR":
        problems.add(f"{_where(element)} : devise {currency}, seuls les euros sont gérés.")
        return None
    return value


def _date(element, name, problems: Problems, *, required: bool) -> date | None:
    holder = _child(element, name)
    if holder is None:
        if required:
            problems.add(f"{_where(element)} : élément <{name}> manquant.")
        return None
    text = _text(holder, "Dt") or _text(holder, "DtTm")[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.add(f"{_where(holder)} : date illisible « {text} ».")
        return None


def _kind(entry, detail, direction: str) -> tuple[str, str]:
    """(bank transaction code as text, our kind) from BkTxCd/Domn (ISO) or Prtry."""
    for holder in (detail, entry):
        if holder is None:
            continue
        domain = _text(holder, "BkTxCd", "Domn", "Cd")
        family = _text(holder, "BkTxCd", "Domn", "Fmly", "Cd")
        sub = _text(holder, "BkTxCd", "Domn", "Fmly", "SubFmlyCd")
        if domain:
            code = "/".join(filter(None, [domain, family, sub]))
            if sub in ("RRTN", "UPDD", "RPCR") or family == "RRTN":
                return code, Kind.RETURN
            if sub in ("CHRG", "FEES", "COMM", "INTR") or family == "CHRG":
                return code, Kind.FEES
            if family in ("RCDT", "ICDT", "RRCT"):
                return code, Kind.TRANSFER
            if family in ("RDDT", "IDDT"):
                return code, Kind.DIRECT_DEBIT
            if family in ("RCHQ", "ICHQ", "CCHQ"):
                return code, Kind.CHEQUE
            if family in ("CCRD", "MCRD"):
                return code, Kind.CARD
            return code, Kind.OTHER
    if entry is not None and _child(entry, "NtryDtls", "TxDtls", "RtrInf") is not None:
        return "", Kind.RETURN
    return "", Kind.TRANSFER if direction == CREDIT else Kind.OTHER


def _party(detail, role: str) -> tuple[str, str]:
    """(name, IBAN) of the debtor (``Dbtr``) or creditor (``Cdtr``) of a transaction."""
    parties = _child(detail, "RltdPties")
    if parties is None:
        return "", ""
    party = _child(parties, role)
    # camt.053.001.08 and later wrap the party in <Pty>.
    name = (_text(party, "Nm") or _text(party, "Pty", "Nm")) if party is not None else ""
    iban = _text(parties, f"{role}Acct", "Id", "IBAN")
    return name, normalize_account(iban)


def _remittance(detail) -> tuple[str, str]:
    """(unstructured text, structured creditor reference) of a transaction."""
    info = _child(detail, "RmtInf")
    if info is None:
        return "", ""
    text = " ".join(clean(u.text) for u in _children(info, "Ustrd") if u.text)
    reference = ""
    for structured in _children(info, "Strd"):
        reference = reference or _text(structured, "CdtrRefInf", "Ref")
        extra = _text(structured, "AddtlRmtInf")
        for document in _children(structured, "RfrdDocInf"):
            number = _text(document, "Nb")
            if number:
                text = f"{text} {number}".strip()
        if extra:
            text = f"{text} {extra}".strip()
    return clean(text), clean(reference).replace(" ", "")


def _lines(entry, account: str, problems: Problems) -> list[ParsedTransaction]:
    status = _text(entry, "Sts") or _text(entry, "Sts", "Cd")
    if status and status not in ("BOOK", "BOOKED"):
        return []  # pending or information only: not money on the account yet
    direction_text = _text(entry, "CdtDbtInd")
    if direction_text not in ("CRDT", "DBIT"):
        problems.add(f"{_where(entry)} : <CdtDbtInd> doit valoir CRDT ou DBIT.")
        return []
    direction = CREDIT if direction_text == "CRDT" else DEBIT
    amount_element = _child(entry, "Amt")
    if amount_element is None:
        problems.add(f"{_where(entry)} : élément <Amt> manquant.")
        return []
    entry_amount = _amount(amount_element, problems)
    booked_on = _date(entry, "BookgDt", problems, required=True)
    value_on = _date(entry, "ValDt", problems, required=False)
    if entry_amount is None or booked_on is None:
        return []
    entry_reference = _text(entry, "AcctSvcrRef")
    details = [d for batch in _children(entry, "NtryDtls") for d in _children(batch, "TxDtls")]
    split = len(details) > 1
    lines = []
    for index, detail in enumerate(details or [None]):
        amount = entry_amount
        if split:
            own = _child(detail, "Amt")
            if own is None:
                own = _child(detail, "AmtDtls", "TxAmt", "Amt")
            if own is None:
                problems.add(f"{_where(detail)} : montant de l'opération (<Amt>) manquant.")
                continue
            amount = _amount(own, problems)
            if amount is None:
                continue
        name, iban, text, reference, end_to_end = "", "", "", "", ""
        bank_reference = entry_reference
        if detail is not None:
            role = "Dbtr" if direction == CREDIT else "Cdtr"
            name, iban = _party(detail, role)
            text, reference = _remittance(detail)
            end_to_end = _text(detail, "Refs", "EndToEndId")
            if end_to_end == "NOTPROVIDED":
                end_to_end = ""
            bank_reference = _text(detail, "Refs", "AcctSvcrRef") or entry_reference
            if split and bank_reference == entry_reference:
                bank_reference = f"{entry_reference}/{index + 1}"
            returned = _child(detail, "RtrInf")
            if returned is not None:
                cause = _text(returned, "Rsn", "Cd")
                text = clean(f"{text} Rejet {cause}".strip())
        if not text:
            text = clean(
                (_text(detail, "AddtlTxInf") if detail is not None else "")
                or _text(entry, "AddtlNtryInf")
            )
        code, kind = _kind(entry, detail, direction)
        lines.append(
            ParsedTransaction(
                line=(detail if detail is not None else entry).sourceline,
                account=account,
                booked_on=booked_on,
                value_on=value_on,
                amount=amount,
                direction=direction,
                bank_reference=bank_reference[:100],
                end_to_end_id=end_to_end[:100],
                counterparty_name=name[:140],
                counterparty_iban=iban[:34],
                remittance=text,
                structured_reference=reference[:35],
                bank_code=code[:40],
                kind=kind,
            )
        )
    return lines


def parse_camt(content: bytes) -> ParsedStatement:
    check_size(content)
    head = content[:2048].lstrip()
    if b"<!DOCTYPE" in content[:4096].upper() or b"<!ENTITY" in content.upper():
        raise StatementError("Le fichier XML déclare une DTD ou des entités : refusé.")
    try:
        root = etree.fromstring(content, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None) or "?"
        raise StatementError(f"Ligne {line} : XML mal formé ({exc.msg}).") from exc
    if not head.startswith(b"<"):
        raise StatementError("Ce n'est pas un fichier XML.")
    if root.getroottree().docinfo.internalDTD is not None:
        raise StatementError("Le fichier XML déclare une DTD : refusé.")
    namespace = etree.QName(root).namespace or ""
    message = _child(root, "BkToCstmrStmt")
    fmt, block = CAMT053, "Stmt"
    if message is None:
        message = _child(root, "BkToCstmrDbtCdtNtfctn")
        fmt, block = CAMT054, "Ntfctn"
    if message is None or (namespace and "camt.05" not in namespace):
        raise StatementError(
            f"Ligne {root.sourceline}, élément <{_local(root)}> : ni un relevé camt.053 "
            "(<BkToCstmrStmt>) ni une notification camt.054 (<BkToCstmrDbtCdtNtfctn>)."
        )
    problems = Problems()
    statement = ParsedStatement(format=fmt, statement_id=_text(message, "GrpHdr", "MsgId"))
    blocks = _children(message, block)
    if not blocks:
        raise StatementError(f"{_where(message)} : aucun élément <{block}>.")
    entries = sum(len(_children(b, "Ntry")) for b in blocks)
    check_count(entries)
    for part in blocks:
        account = normalize_account(_text(part, "Acct", "Id", "IBAN")) or normalize_account(
            _text(part, "Acct", "Id", "Othr", "Id")
        )
        if not account:
            problems.add(f"{_where(part)} : compte (<Acct><Id><IBAN>) manquant.")
            continue
        if account not in statement.accounts:
            statement.accounts.append(account)
        statement.statement_id = _text(part, "Id") or statement.statement_id
        for balance in _children(part, "Bal"):
            code = _text(balance, "Tp", "CdOrPrtry", "Cd")
            amount_element = _child(balance, "Amt")
            if amount_element is None or code not in ("OPBD", "CLBD", "PRCD"):
                continue
            try:
                value = Decimal((amount_element.text or "").strip())
            except InvalidOperation:
                problems.add(f"{_where(amount_element)} : solde illisible.")
                continue
            if _text(balance, "CdtDbtInd") == "DBIT":
                value = -value
            if code in ("OPBD", "PRCD"):
                statement.opening_balance = value
            else:
                statement.closing_balance = value
        for entry in _children(part, "Ntry"):
            statement.transactions.extend(_lines(entry, account, problems))
    problems.raise_if_any()
    days = [t.booked_on for t in statement.transactions]
    if days:
        statement.start, statement.end = min(days), max(days)
    return statement
