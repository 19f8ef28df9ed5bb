"""CSV and XLSX exports of the dashboard's tables: the figures as the page shows them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from accounts.text import safe_cell, safe_row
from pilotage.presentation import Dashboard, Table

XLSX_FORMATS = {
    "money": '#,##0.00 "€"',
    "percent": "0.0 %",
    "days": "0.0",
    "decimal": "0.00",
    "int": "0",
}


def _filters_line(data: Dashboard) -> str:
    f = data.filters
    return f"Période du {f.start:%d/%m/%Y} au {f.end:%d/%m/%Y} ; données au {f.today:%d/%m/%Y}"


def _rows(table: Table) -> list[list]:
    return table.rows + ([table.footer] if table.footer else [])


def _csv_value(value, kind: str) -> str:
    """French spreadsheets: decimal comma, no grouping; percentages as a percentage."""
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_cell(value)
    if kind == "percent":
        value = Decimal(value) * 100
    if isinstance(value, Decimal | float):
        places = 2 if kind in ("money", "decimal") else 1
        return f"{Decimal(value):.{places}f}".replace(".", ",")
    return str(value)


def table_csv(data: Dashboard, table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(table.title)])
    writer.writerow([_filters_line(data)])
    writer.writerow(
        safe_row(c.label + (" (%)" if c.kind == "percent" else "") for c in table.columns)
    )
    for row in _rows(table):
        writer.writerow([_csv_value(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    # A byte-order mark, so that spreadsheet software reads the accents as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_xlsx(data: Dashboard, table: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append([safe_cell(table.title)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_filters_line(data)])
    sheet.append(safe_row(c.label for c in table.columns))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in _rows(table):
        sheet.append(safe_row(float(v) if isinstance(v, Decimal) else v for v in row))
        for cell, column in zip(sheet[sheet.max_row], table.columns, strict=True):
            if column.kind in XLSX_FORMATS:
                cell.number_format = XLSX_FORMATS[column.kind]
    for index, column in enumerate(table.columns, start=1):
        width = max(
            len(column.label),
            *(len(str(r[index - 1] or "")) for r in _rows(table) or [[""] * len(table.columns)]),
        )
        sheet.column_dimensions[sheet.cell(row=3, column=index).column_letter].width = min(
            60, width + 4
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
