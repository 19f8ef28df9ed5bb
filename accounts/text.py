"""Text that crosses the product's borders: what users type in, what spreadsheets read out.

- ``safe_cell``: **the one helper of every CSV/XLSX export**. A text cell that a spreadsheet
  would take as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return:
  « CSV injection ») gets a leading apostrophe, and control characters (which XLSX cannot hold,
  and which made an export answer 500) are replaced by « � ». Numbers, dates and empty values
  are left alone (a negative amount stays a number).
- ``refuse_control_characters``: the validator of every text input (forms, API serializers,
  imports): a control character other than a tab or a line break is refused with a French
  message.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_MESSAGE = "Caractère de contrôle interdit (invisible) : retirez-le ou retapez le texte."
REPLACEMENT = "\ufffd"


def safe_cell(value):
    """The value as a spreadsheet may show it without running it (non-text values unchanged)."""
    if not isinstance(value, str):
        return value
    value = CONTROL_CHARACTERS.sub(REPLACEMENT, value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row) -> list:
    return [safe_cell(value) for value in row]


def has_control_characters(value: str) -> bool:
    return bool(CONTROL_CHARACTERS.search(value or ""))


def refuse_control_characters(value) -> None:
    """Validator: text typed by a user holds no invisible control character."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(CONTROL_MESSAGE, code="control_character")


def control_character_error(value: str, *, line: int | None = None, column: str = "") -> str:
    """The French message of an import cell holding a control character ('' when clean)."""
    if not has_control_characters(value):
        return ""
    where = f"ligne {line}" if line is not None else ""
    if column:
        where = f"{where}, colonne « {column} »" if where else f"colonne « {column} »"
    return f"{where} : {CONTROL_MESSAGE}" if where else CONTROL_MESSAGE
