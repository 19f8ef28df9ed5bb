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

from legal.formatting import euros


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


# The two ways of writing a number. In French the decimal mark is a comma and thousands are
# separated by a space or a dot (« 1 234,56 », « 1.234,56 »); in English the decimal mark is a
# point and thousands are separated by a comma (« 1,234.56 »). A space between thousands is read
# in both.
DECIMAL_COMMA, DECIMAL_POINT = "virgule", "point"
NUMBER_FORMATS = {
    DECIMAL_COMMA: "1 234,56 ou 1.234,56 (virgule décimale)",
    DECIMAL_POINT: "1,234.56 (point décimal)",
}
_NUMBER_SHAPES = {
    DECIMAL_COMMA: re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d*)(?:,\d*)?"),
    DECIMAL_POINT: re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?"),
}
_THOUSANDS = {DECIMAL_COMMA: ".", DECIMAL_POINT: ","}


def amount_readings(raw: str) -> dict[str, Decimal]:
    """What a written number means in each format where it is well formed.

    « 612,40 » is read only with a decimal comma, « 1,234.56 » or « 3480.6 » only with a decimal
    point; « 1000 » or « 1 250 » mean the same in both; « 1.000 » and « 12.500 » are well formed
    in both, with two values: only the column (or the user) can say which."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]|EUR", "", raw, flags=re.IGNORECASE)
    if not re.search(r"\d", cleaned):
        return {}
    readings = {}
    for decimal_mark, shape in _NUMBER_SHAPES.items():
        if shape.fullmatch(cleaned):
            plain = cleaned.replace(_THOUSANDS[decimal_mark], "").replace(",", ".")
            try:
                readings[decimal_mark] = Decimal(plain)
            except InvalidOperation:
                continue
    return readings


def is_ambiguous(readings: dict[str, Decimal]) -> bool:
    return len(set(readings.values())) > 1


def parse_amount(value, label: str, decimal: str | None = None) -> Decimal:
    """An amount in euros. ``decimal`` is the column's decimal mark (``DECIMAL_COMMA`` or
    ``DECIMAL_POINT``), detected over the column or chosen by the user: it decides only the
    cells that read differently in the two formats (« 1.000 »); without it such a cell is
    refused, never guessed."""
    if isinstance(value, bool):
        raise CellError(f"{label} invalide.")
    if isinstance(value, int | float):
        amount = Decimal(str(value))
    else:
        raw = text(value)
        if not raw:
            raise CellError(f"{label} manquant.")
        readings = amount_readings(raw)
        if not readings:
            raise CellError(f"{label} « {raw} » n'est pas un montant (exemple : 1 234,56).")
        if is_ambiguous(readings):
            if decimal not in readings:
                raise CellError(
                    f"{label} « {raw} » peut se lire de deux façons ({euros_hint(readings)}) : "
                    "choisissez le format des nombres de la colonne."
                )
            amount = readings[decimal]
        else:
            amount = next(iter(readings.values()))
    if not amount.is_finite():
        raise CellError(f"{label} invalide.")
    if amount != amount.quantize(Decimal("0.01")):
        raise CellError(f"{label} « {text(value)} » a plus de deux décimales.")
    if amount <= 0:
        raise CellError(f"{label} doit être strictement positif.")
    if amount >= Decimal("10000000000"):
        raise CellError(f"{label} est trop élevé.")
    return amount.quantize(Decimal("0.01"))


def euros_hint(readings: dict[str, Decimal]) -> str:
    """« 1 000,00 € ou 1,00 € », the readings of an ambiguous number."""
    return " ou ".join(
        euros(readings[mark])
        if readings[mark] == readings[mark].quantize(Decimal("0.01"))
        else str(readings[mark]).replace(".", ",")
        for mark in (DECIMAL_COMMA, DECIMAL_POINT)
    )


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
