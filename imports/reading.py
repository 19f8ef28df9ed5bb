"""Reading an uploaded table: CSV (``;`` or ``,``, UTF-8 or Windows-1252) or XLSX.

tablib reads CSV, openpyxl reads XLSX (read-only, row by row, so that 100,000 rows stay light).
Every problem is a ``FileProblem`` with a French message.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import tablib

MAX_BYTES = 50 * 1024 * 1024


class FileProblem(Exception):
    """The file cannot be read at all (the message is shown as is)."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list]  # cell values: str for CSV; str, int, float, date or datetime for XLSX

    def __len__(self) -> int:
        return len(self.rows)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; Windows-1252, what Excel writes in France, otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    return ";" if first_line.count(";") >= first_line.count(",") else ","


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    if not text.strip():
        raise FileProblem("Le fichier est vide.")
    dataset = tablib.Dataset()
    try:
        dataset.load(text, format="csv", delimiter=_delimiter(text))
    except (csv.Error, tablib.InvalidDimensions) as exc:
        raise FileProblem(f"Le fichier CSV est mal formé : {exc}.") from exc
    rows = [list(row) for row in dataset]
    return Table(headers=[str(h or "").strip() for h in dataset.headers or []], rows=rows)


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
        rows = []
        for line in lines:
            if line is None or all(cell in (None, "") for cell in line):
                continue
            values = list(line[:width]) + [None] * (width - len(line))
            rows.append(values)
    finally:
        workbook.close()
    return Table(headers=[str(h or "").strip() for h in headers], rows=rows)


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
    text = _decode(data[:65536])
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
    table.rows = [r for r in table.rows if any(str(c or "").strip() for c in r)]
    if not table.headers or not any(table.headers):
        raise FileProblem("La première ligne doit porter les noms des colonnes.")
    return table
