"""Reading an uploaded table: CSV (``;`` or ``,``, UTF-8 or Windows-1252) or XLSX.

The csv module reads CSV (so that every problem names its line); openpyxl reads XLSX
(read-only, row by row, so that 100,000 rows stay light).
Every problem is a ``FileProblem`` with a French message.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_BYTES = 50 * 1024 * 1024


class FileProblem(Exception):
    """The file cannot be read at all (the message is shown as is)."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list]  # cell values: str for CSV; str, int, float, date or datetime for XLSX
    lines: list[int] | None = None  # the file line where each row starts (header: line 1)

    def __len__(self) -> int:
        return len(self.rows)


def _decode(data: bytes) -> str:
    """The whole file in one encoding: UTF-8 (with or without BOM), or Windows-1252 (what Excel
    writes in France) when no line is UTF-8. Decided over every line, never over a sample: a
    UTF-8 file with one Windows-1252 line is refused, naming that line, rather than decoded
    whole as Windows-1252 (« Ã‰loÃ¯se »)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    first_bad = None
    utf8_seen = False
    for number, raw_line in enumerate(data.split(b"\n"), start=1):
        try:
            raw_line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            first_bad = first_bad or number
            continue
        utf8_seen = utf8_seen or not raw_line.isascii()
        if utf8_seen and first_bad:
            break
    if utf8_seen:
        raise FileProblem(
            f"Le fichier mêle deux encodages : il est en UTF-8, mais sa ligne {first_bad} ne "
            "l'est pas (Windows-1252 ?). Enregistrez-le de nouveau au format « CSV UTF-8 » et "
            "déposez-le."
        )
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileProblem(
            f"Ligne {line} : un caractère n'est ni de l'UTF-8 ni du Windows-1252 ; enregistrez "
            "le fichier au format « CSV UTF-8 » et déposez-le de nouveau."
        ) from None


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    return ";" if first_line.count(";") >= first_line.count(",") else ","


_SEPARATOR_WORDS = {";": "points-virgules", ",": "virgules"}
_CSV_FIELD_LIMIT = csv.field_size_limit()


def _physical_line(text: str, line: int) -> str:
    return (re.split(r"\r\n|\r|\n", text) + [""] * line)[line - 1]


def _other_separator(cells: list[str], width: int, delimiter: str, raw: str) -> bool:
    """A line written with the other separator (« , » in a « ; » file): one cell or so under the
    file's separator, about one per column under the other."""
    other = "," if delimiter == ";" else ";"
    other_cells = next(csv.reader([raw], delimiter=other), [])
    return len(cells) < width and len(other_cells) > len(cells) and len(other_cells) >= width - 1


def _line_problem(line: int, cells: list[str], width: int, delimiter: str, text: str) -> str:
    """Why a line does not have one cell per column, in words a user can act on."""
    if _other_separator(cells, width, delimiter, _physical_line(text, line)):
        other = "," if delimiter == ";" else ";"
        return (
            f"Ligne {line} : ses cellules sont séparées par des {_SEPARATOR_WORDS[other]}, "
            f"celles du fichier par des {_SEPARATOR_WORDS[delimiter]} (« {delimiter} »). "
            "Enregistrez toutes les lignes avec le même séparateur."
        )
    return (
        f"Ligne {line} : {len(cells)} cellules pour {width} colonnes (un « {delimiter} » de "
        "trop, ou une cellule à mettre entre guillemets)."
    )


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    if not text.strip():
        raise FileProblem("Le fichier est vide.")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[list] = []
    lines: list[int] = []
    start = 1
    try:
        for cells in reader:
            if headers is None:
                headers = [h.strip() for h in cells]
                start = reader.line_num + 1
                continue
            line, start = start, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            while len(cells) > len(headers) and not cells[-1].strip():
                cells.pop()  # a separator at the end of the line
            too_long = len(cells) > len(headers)
            if too_long or _other_separator(
                cells, len(headers), delimiter, _physical_line(text, line)
            ):
                raise FileProblem(_line_problem(line, cells, len(headers), delimiter, text))
            rows.append(cells + [""] * (len(headers) - len(cells)))
            lines.append(line)
    except csv.Error as exc:
        line = reader.line_num or start
        if "field larger than field limit" in str(exc):
            limit = f"{_CSV_FIELD_LIMIT:,}".replace(",", " ")
            raise FileProblem(
                f"Ligne {start} : une cellule dépasse {limit} caractères (un guillemet non "
                "refermé ?) ; rien n'a été lu."
            ) from None
        raise FileProblem(
            f"Ligne {line} : le fichier CSV est mal formé (un guillemet non refermé ?)."
        ) from None
    return Table(headers=headers or [], rows=rows, lines=lines)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileProblem("Le classeur XLSX est illisible ou endommagé.") from exc
    try:
        sheet = workbook.worksheets[0]
        lines: Iterator = sheet.iter_rows(values_only=True)
        headers = next(lines, None)
        if headers is None:
            raise FileProblem("Le classeur est vide.")
        width = len(headers)
        rows, numbers = [], []
        for number, line in enumerate(lines, start=2):
            if line is None or all(cell in (None, "") for cell in line):
                continue
            values = list(line[:width]) + [None] * (width - len(line))
            rows.append(values)
            numbers.append(number)
    finally:
        workbook.close()
    return Table(headers=[str(h or "").strip() for h in headers], rows=rows, lines=numbers)


def read_headers(data: bytes, filename: str) -> list[str]:
    """The header line only (for the column mapping form), without reading every row."""
    if (filename or "").lower().endswith(".xlsx") or data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise FileProblem("Le classeur XLSX est illisible ou endommagé.") from exc
        try:
            first = next(workbook.worksheets[0].iter_rows(values_only=True), None) or ()
        finally:
            workbook.close()
        return [str(h or "").strip() for h in first]
    text = _decode(data)  # the whole file: its encoding is decided over every line
    line = text.splitlines()[0] if text.strip() else ""
    return [h.strip() for h in next(csv.reader([line], delimiter=_delimiter(line)), [])]


def read_table(data: bytes, filename: str) -> Table:
    """The file's header line and rows; blank rows are skipped."""
    if len(data) > MAX_BYTES:
        raise FileProblem("Le fichier dépasse 50 Mo : découpez-le en plusieurs fichiers.")
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        table = _read_xlsx(data)
    elif name.endswith((".csv", ".txt")) or not name.rpartition(".")[1]:
        table = _read_csv(data)
    else:
        raise FileProblem("Format non pris en charge : déposez un fichier CSV ou XLSX.")
    kept = [i for i, r in enumerate(table.rows) if any(str(c or "").strip() for c in r)]
    table.lines = [table.lines[i] if table.lines else i + 2 for i in kept]
    table.rows = [table.rows[i] for i in kept]
    if not table.headers or not any(table.headers):
        raise FileProblem("La première ligne doit porter les noms des colonnes.")
    return table
