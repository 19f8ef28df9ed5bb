"""Uploads are bounded before they are parsed: a decompression bomb, a file too long or too
wide, a line or a cell too long is refused at once with a French message naming the line."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from imports.models import ImportBatch
from imports.reading import FileProblem, read_headers, read_table
from tests.factories import CreditorFactory
from tests.imports.conftest import check

pytestmark = pytest.mark.django_db

HEADERS = (
    "Numéro de facture",
    "Date d'émission",
    "Date d'échéance",
    "Montant TTC",
    "Débiteur",
    "SIREN",
    "Adresse",
    "Code postal",
    "Ville",
)


def xlsx_bomb(rows: int, headers=HEADERS) -> bytes:
    """A real workbook whose sheet repeats one row ``rows`` times: deflate packs ~200 rows into
    a hundred bytes (what the audit uploaded: 97 Ko, 300 000 rows)."""
    book = Workbook()
    book.active.append(list(headers))
    base = io.BytesIO()
    book.save(base)
    source = zipfile.ZipFile(io.BytesIO(base.getvalue()))
    head = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in headers)
    body = '<row><c t="inlineStr"><is><t>FA</t></is></c><c><v>1</v></c></row>' * rows
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData><row>{head}</row>{body}</sheetData></worksheet>"
    ).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            data = sheet if item.filename.endswith("sheet1.xml") else source.read(item.filename)
            target.writestr(item.filename, data)
    return out.getvalue()


def test_a_100_kb_zip_bomb_is_refused_in_under_two_seconds(controller, tmp_path):
    bomb = xlsx_bomb(450_000)
    (tmp_path / "bombe.xlsx").write_bytes(bomb)  # built in the test's folder
    assert 60_000 < len(bomb) < 150_000, len(bomb)
    started = time.process_time()
    batch = check("claims", CreditorFactory(), bomb, user=controller, name="bombe.xlsx")
    elapsed = time.process_time() - started
    assert elapsed < 2, f"{elapsed:.1f} s"
    assert batch.status == ImportBatch.Status.INVALID, batch.status
    assert "anormalement compressé" in str(batch.errors)
    with pytest.raises(FileProblem, match="anormalement compressé"):
        read_headers(bomb, "bombe.xlsx")


def test_the_declared_uncompressed_size_is_checked_before_opening(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    with pytest.raises(FileProblem, match="décompressé dépasserait 1 Mo"):
        read_table(xlsx_bomb(30_000), "f.xlsx")


def test_rows_columns_and_cells_are_capped_with_the_line_number(settings):
    settings.IMPORT_MAX_ROWS = 3
    lines = ";".join(HEADERS[:5]) + "\n" + "FA;01/09/2026;01/10/2026;10;Alpha\n" * 5
    with pytest.raises(FileProblem, match=r"Ligne 5 : le fichier dépasse 3 lignes"):
        read_table(lines.encode(), "f.csv")
    settings.IMPORT_MAX_ROWS = 100_000
    settings.IMPORT_MAX_COLUMNS = 4
    with pytest.raises(FileProblem, match="Ligne 1 : 5 colonnes, 4 au plus"):
        read_table(lines.encode(), "f.csv")
    book = Workbook()
    book.active.append(list(HEADERS[:5]))
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(FileProblem, match="Ligne 1 : 5 colonnes, 4 au plus"):
        read_table(buffer.getvalue(), "f.xlsx")
    settings.IMPORT_MAX_COLUMNS = 100
    long_cell = ";".join(HEADERS[:5]) + "\nFA;01/09/2026;01/10/2026;10;" + "x" * 2_500 + "\n"
    with pytest.raises(FileProblem, match="Ligne 2, colonne « Débiteur » : plus de 2000"):
        read_table(long_cell.encode(), "f.csv")
    long_line = ";".join(HEADERS[:5]) + "\n" + ";".join(["y" * 1_900] * 12) + "\n"
    with pytest.raises(FileProblem, match="Ligne 2 : "):
        read_table(long_line.encode(), "f.csv")
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(FileProblem, match="dépasse 0 Mo"):
        read_table(long_line.encode(), "f.csv")


def test_the_headers_are_checked_before_any_row_is_read(controller):
    """A file with the wrong columns stops at its first line, however long it is."""
    seen = []

    def refuse(headers):
        seen.append(headers)
        return False

    table = read_table(xlsx_bomb(15_000, headers=("Nom", "Prénom")), "f.xlsx", check_headers=refuse)
    assert seen == [["Nom", "Prénom"]] and table.rows == []
    wrong = "Nom;Prénom\n" + "a;b\n" * 50_000
    started = time.process_time()
    batch = check("claims", CreditorFactory(), wrong, user=controller)
    assert time.process_time() - started < 2
    assert batch.status == ImportBatch.Status.INVALID
