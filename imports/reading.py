"""Reading an uploaded table: CSV (``;`` or ``,``, UTF-8 or Windows-1252) or XLSX, **bounded
before it is parsed**.

- every file: at most ``MAX_BYTES``, ``MAX_ROWS`` data rows, ``MAX_COLUMNS`` columns and
  ``MAX_CELL_CHARS`` characters in a cell;
- XLSX: the archive's **declared** sizes are checked before openpyxl opens it (total
  uncompressed size ``MAX_UNCOMPRESSED_BYTES``, members ``MAX_MEMBERS``, compression ratio
  ``MAX_RATIO`` for a large member: a decompression bomb is refused at once; Python's zip reader
  never inflates a member beyond its declared size), then the sheet is read in openpyxl's
  read-only (streaming) mode, row by row;
- CSV: at most ``MAX_LINE_CHARS`` characters in a line, read record by record;
- the header line is read and checked first (``check_headers``): a file with the wrong columns
  is refused before any other row is read.

The encoding is decided over the whole file (never a sample). Every problem is a
``FileProblem`` with a French message naming the line. The caps can be
lowered or raised in the settings (``IMPORT_MAX_ROWS``...).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 100
MAX_CELL_CHARS = 2_000
MAX_LINE_CHARS = 20_000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 1_000
MAX_RATIO = 100  # uncompressed / compressed, for a member above RATIO_FROM_BYTES
RATIO_FROM_BYTES = 1024 * 1024


def _cap(name: str) -> int:
    return getattr(settings, f"IMPORT_{name}", globals()[name])


class FileProblem(Exception):
    """The file cannot be read at all (the message is shown as is)."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list]  # cell values: str for CSV; str, int, float, date or datetime for XLSX
    lines: list[int] | None = None  # the file line where each row starts (header: line 1)

    def __len__(self) -> int:
        return len(self.rows)


# What a caller checks on the header line before the rows are read: True to go on.
HeadersCheck = Callable[[list[str]], bool]


def _mo(size: int) -> str:
    return f"{size // (1024 * 1024)} Mo"


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


def _physical_lines(text: str) -> list[str]:
    """The file's lines, split once (a line's number is its index + 1)."""
    return re.split(r"\r\n|\r|\n", text)


def _physical_line(lines: list[str], line: int) -> str:
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _other_separator(cells: list[str], width: int, delimiter: str, raw: str) -> bool:
    """A line written with the other separator (« , » in a « ; » file): one cell or so under the
    file's separator, about one per column under the other."""
    other = "," if delimiter == ";" else ";"
    other_cells = next(csv.reader([raw], delimiter=other), [])
    return len(cells) < width and len(other_cells) > len(cells) and len(other_cells) >= width - 1


def _line_problem(line: int, cells: list[str], width: int, delimiter: str, lines: list[str]) -> str:
    """Why a line does not have one cell per column, in words a user can act on."""
    if _other_separator(cells, width, delimiter, _physical_line(lines, line)):
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


def _clean_headers(headers) -> list[str]:
    names = [str(h or "").strip() for h in headers]
    while names and not names[-1]:
        names.pop()
    if len(names) > _cap("MAX_COLUMNS"):
        raise FileProblem(
            f"Ligne 1 : {len(names)} colonnes, {_cap('MAX_COLUMNS')} au plus : "
            "retirez les colonnes inutiles."
        )
    return names


def _check_cells(values, headers: list[str], number: int) -> None:
    limit = _cap("MAX_CELL_CHARS")
    for index, value in enumerate(values):
        if isinstance(value, str) and len(value) > limit:
            column = headers[index] if index < len(headers) else f"n° {index + 1}"
            raise FileProblem(
                f"Ligne {number}, colonne « {column} » : plus de {limit} caractères dans "
                "la cellule."
            )


def _count(count: int, number: int) -> None:
    if count > _cap("MAX_ROWS"):
        most = f"{_cap('MAX_ROWS'):,}".replace(",", "\u202f")
        raise FileProblem(
            f"Ligne {number} : le fichier dépasse {most} lignes ; découpez-le en plusieurs "
            "fichiers."
        )


# --- CSV ---------------------------------------------------------------------------------------


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each record, with the line caps (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    line_limit = _cap("MAX_LINE_CHARS")
    previous = csv.field_size_limit()
    csv.field_size_limit(line_limit)
    try:
        while True:
            start = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    most = f"{line_limit:,}".replace(",", "\u202f")
                    raise FileProblem(
                        f"Ligne {start} : une cellule dépasse {most} caractères (un guillemet "
                        "non refermé ?) ; rien n'a été lu."
                    ) from None
                raise FileProblem(
                    f"Ligne {start} : le fichier CSV est mal formé (un guillemet non refermé ?)."
                ) from None
            if sum(len(cell) for cell in record) > line_limit:
                raise FileProblem(f"Ligne {start} : plus de {line_limit} caractères.")
            yield start, record
    finally:
        csv.field_size_limit(previous)


def _read_csv(data: bytes, check_headers: HeadersCheck | None) -> Table:
    text = _decode(data)
    if not text.strip():
        raise FileProblem("Le fichier est vide.")
    records = _csv_records(text)
    first = next(records, None)
    if first is None:
        raise FileProblem("Le fichier est vide.")
    headers = _clean_headers(first[1])
    if check_headers is not None and not check_headers(headers):
        return Table(headers=headers, rows=[])
    width = len(headers)
    delimiter = _delimiter(text)
    physical = _physical_lines(text)  # once: per record, it made reading quadratic
    rows, lines = [], []
    for number, record in records:
        if not any(cell.strip() for cell in record):
            continue
        while len(record) > width and not record[-1].strip():
            record.pop()  # a separator at the end of the line
        if len(record) > width or (
            len(record) < width
            and _other_separator(record, width, delimiter, _physical_line(physical, number))
        ):
            raise FileProblem(_line_problem(number, record, width, delimiter, physical))
        _check_cells(record, headers, number)
        rows.append(record + [""] * (width - len(record)))
        lines.append(number)
        _count(len(rows), number)
    return Table(headers=headers, rows=rows, lines=lines)


# --- XLSX --------------------------------------------------------------------------------------


def _check_archive(data: bytes) -> None:
    """The zip's declared sizes, before anything is inflated."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise FileProblem("Le classeur XLSX est illisible ou endommagé.") from exc
    with archive:
        members = archive.infolist()
    if len(members) > _cap("MAX_MEMBERS"):
        raise FileProblem("Le classeur XLSX contient trop d'éléments : il est refusé.")
    total = sum(member.file_size for member in members)
    if total > _cap("MAX_UNCOMPRESSED_BYTES"):
        raise FileProblem(
            f"Le classeur XLSX décompressé dépasserait {_mo(_cap('MAX_UNCOMPRESSED_BYTES'))} : "
            "découpez-le ou déposez-le en CSV."
        )
    for member in members:
        if member.file_size > RATIO_FROM_BYTES and member.file_size > _cap("MAX_RATIO") * max(
            member.compress_size, 1
        ):
            raise FileProblem(
                "Le classeur XLSX est anormalement compressé (bombe de décompression ?) : "
                "il est refusé. Enregistrez-le à nouveau depuis votre tableur, ou en CSV."
            )


def _open_xlsx(data: bytes):
    from openpyxl import load_workbook

    _check_archive(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileProblem("Le classeur XLSX est illisible ou endommagé.") from exc


def _read_xlsx(data: bytes, check_headers: HeadersCheck | None) -> Table:
    workbook = _open_xlsx(data)
    try:
        if not workbook.worksheets:
            raise FileProblem("Le classeur est vide.")
        sheet = workbook.worksheets[0]
        # Streaming (read-only) rows, never wider than the cap plus one (to see the excess).
        lines: Iterator = sheet.iter_rows(values_only=True, max_col=_cap("MAX_COLUMNS") + 1)
        first = next(lines, None)
        if first is None:
            raise FileProblem("Le classeur est vide.")
        headers = _clean_headers(first)
        if check_headers is not None and not check_headers(headers):
            return Table(headers=headers, rows=[])
        width = len(headers)
        rows, numbers = [], []
        for number, line in enumerate(lines, start=2):
            if line is None or all(cell in (None, "") for cell in line):
                continue
            values = list(line[:width]) + [None] * (width - len(line))
            _check_cells(values, headers, number)
            rows.append(values)
            numbers.append(number)
            _count(len(rows), number)
    finally:
        workbook.close()
    return Table(headers=headers, rows=rows, lines=numbers)


def _is_xlsx(data: bytes, filename: str) -> bool:
    return (filename or "").lower().endswith(".xlsx") or data[:2] == b"PK"


def read_headers(data: bytes, filename: str) -> list[str]:
    """The header line only (for the column mapping form), without reading every row."""
    if len(data) > _cap("MAX_BYTES"):
        raise FileProblem(f"Le fichier dépasse {_mo(_cap('MAX_BYTES'))} : découpez-le.")
    if _is_xlsx(data, filename):
        return _read_xlsx(data, lambda headers: False).headers
    text = _decode(data)  # the whole file: its encoding is decided over every line
    if not text.strip():
        return []
    first = next(_csv_records(text.splitlines()[0]), None)
    return _clean_headers(first[1]) if first else []


def read_table(data: bytes, filename: str, *, check_headers: HeadersCheck | None = None) -> Table:
    """The file's header line and rows; blank rows are skipped. ``check_headers`` is called
    with the header line before any row is read: when it returns False, no row is read."""
    if len(data) > _cap("MAX_BYTES"):
        raise FileProblem(
            f"Le fichier dépasse {_mo(_cap('MAX_BYTES'))} : découpez-le en plusieurs fichiers."
        )
    name = (filename or "").lower()
    if _is_xlsx(data, filename):
        table = _read_xlsx(data, check_headers)
    elif name.endswith((".csv", ".txt")) or not name.rpartition(".")[1]:
        table = _read_csv(data, check_headers)
    else:
        raise FileProblem("Format non pris en charge : déposez un fichier CSV ou XLSX.")
    kept = [i for i, r in enumerate(table.rows) if any(str(c or "").strip() for c in r)]
    table.lines = [table.lines[i] if table.lines else i + 2 for i in kept]
    table.rows = [table.rows[i] for i in kept]
    if not table.headers or not any(table.headers):
        raise FileProblem("La première ligne doit porter les noms des colonnes.")
    return table
