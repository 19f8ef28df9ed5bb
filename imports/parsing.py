"""French cell values: dates such as 23/11/2026, amounts such as 1 234,56 €, SIREN numbers.

Each parser returns the value or raises ``CellError`` with a French message naming the cell.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren as stdnum_siren


class CellError(ValueError):
    pass


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


def parse_date(value, label: str) -> date:
    """A calendar date; 31/02/2026 is refused (it does not exist)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    if not raw:
        raise CellError(f"{label} manquante.")
    raw = raw.split(" ", 1)[0] if re.match(r"^\d{4}-\d{2}-\d{2} ", raw) else raw
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}", raw):
        raise CellError(f"{label} « {raw} » n'existe pas dans le calendrier.")
    raise CellError(f"{label} « {raw} » invalide : écrivez-la JJ/MM/AAAA (23/11/2026).")


def parse_amount(value, label: str) -> Decimal:
    """An amount in euros, decimal comma or point, spaces or dots between thousands."""
    if isinstance(value, bool):
        raise CellError(f"{label} invalide.")
    if isinstance(value, int | float):
        amount = Decimal(str(value))
    else:
        raw = text(value)
        if not raw:
            raise CellError(f"{label} manquant.")
        cleaned = re.sub(r"[\s\u00a0\u202f€]|EUR", "", raw, flags=re.IGNORECASE)
        if "," in cleaned:
            # 1.234,56 → thousands by dots, decimal comma
            cleaned = cleaned.replace(".", "").replace(",", ".")
        elif cleaned.count(".") > 1:
            cleaned = cleaned.replace(".", "")
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            raise CellError(
                f"{label} « {raw} » n'est pas un montant (exemple : 1 234,56)."
            ) from None
    if not amount.is_finite():
        raise CellError(f"{label} invalide.")
    if amount != amount.quantize(Decimal("0.01")):
        raise CellError(f"{label} « {text(value)} » a plus de deux décimales.")
    if amount <= 0:
        raise CellError(f"{label} doit être strictement positif.")
    if amount >= Decimal("10000000000"):
        raise CellError(f"{label} est trop élevé.")
    return amount.quantize(Decimal("0.01"))


def parse_siren(value) -> str:
    """A SIREN (9 digits, Luhn key; a SIRET's first 9 digits are accepted), or ''."""
    raw = text(value)
    if not raw:
        return ""
    compact = re.sub(r"[\s.\-]", "", raw)
    if len(compact) == 14 and compact.isdigit():
        compact = compact[:9]
    try:
        return stdnum_siren.validate(compact)
    except StdnumError:
        raise CellError(
            f"SIREN « {raw} » invalide (9 chiffres avec une clé de contrôle correcte)."
        ) from None


def normalize_header(header: str) -> str:
    """« Date d'échéance » → ``date d echeance``: the form in which headers are compared."""
    ascii_text = unicodedata.normalize("NFKD", header or "").encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split())
