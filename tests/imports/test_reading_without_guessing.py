"""Issue #20: an import never misreads a number or a name without a word.

A column's number format (« 1 234,56 », « 1.234,56 », « 1,234.56 ») is detected over all its
rows; a column that stays ambiguous is refused until the user chooses, and the choice is
remembered with the column mapping. A file's encoding is decided over the whole file."""

from decimal import Decimal

import pytest

from dossiers.models import Claim, Debtor
from imports import reading, services
from imports.models import ColumnMapping, ImportBatch
from imports.parsing import DECIMAL_COMMA, DECIMAL_POINT, CellError, parse_amount
from imports.reading import FileProblem, read_headers, read_table
from tests.factories import CreditorFactory
from tests.imports.conftest import check, errors_by_row, run_import

pytestmark = pytest.mark.django_db
B = ImportBatch.Status

HEADER = "Numéro de facture;Date d'émission;Date d'échéance;Montant TTC;Débiteur;SIREN;Adresse;Code postal;Ville\n"  # noqa: E501


def line(number: str, amount: str, name: str = "Menuiserie Lefèvre SARL") -> str:
    return f"{number};01/09/2026;01/10/2026;{amount};{name};912345675;8 rue des Artisans;44000;Nantes\n"  # noqa: E501


def amounts() -> dict[str, Decimal]:
    return dict(Claim.objects.values_list("invoice_number", "amount"))


# --- Numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1.000", "12.500", "1.250"])
def test_an_ambiguous_column_is_refused_with_a_french_message_asking_to_choose(controller, amount):
    batch = check("claims", CreditorFactory(), HEADER + line("FA-1", amount), user=controller)
    assert batch.status == B.INVALID
    assert errors_by_row(batch)[1] == [
        f"Colonne « Montant TTC » : « {amount} » (ligne 2) peut se lire de deux façons "
        "(point séparateur des milliers ou point décimal). Choisissez le format des nombres "
        "de cette colonne sous « Correspondance des colonnes »."
    ]
    assert Claim.objects.count() == 0


def test_the_format_is_detected_over_all_the_rows_of_the_column(controller):
    creditor = CreditorFactory(unassigned_pool_open=True)  # the controller adds to its pool
    french = HEADER + line("FA-1", "1.000") + line("FA-2", "12.500") + line("FA-3", "1.234,56")
    batch = run_import("claims", creditor, french, user=controller)
    assert batch.status == B.DONE, batch.errors
    assert amounts() == {
        "FA-1": Decimal("1000.00"),
        "FA-2": Decimal("12500.00"),
        "FA-3": Decimal("1234.56"),
    }

    english = HEADER + line("EN-1", "1.250") + line("EN-2", "12.500") + line("EN-3", "1,234.56")
    batch = run_import("claims", creditor, english, user=controller)
    assert batch.status == B.DONE, batch.errors
    assert {k: v for k, v in amounts().items() if k.startswith("EN")} == {
        "EN-1": Decimal("1.25"),
        "EN-2": Decimal("12.50"),
        "EN-3": Decimal("1234.56"),
    }


def test_english_thousands_are_not_more_than_two_decimals(controller):
    batch = run_import(
        "claims", CreditorFactory(), HEADER + line("FA-1", "1,234.56"), user=controller
    )
    assert batch.status == B.DONE, batch.errors
    assert amounts() == {"FA-1": Decimal("1234.56")}


def test_the_choice_is_a_field_of_the_mapping_step_and_is_remembered(client, controller):
    creditor = CreditorFactory()
    content = HEADER + line("FA-1", "1.000") + line("FA-2", "12.500")
    batch = check("claims", creditor, content, user=controller)
    client.force_login(controller)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'name="num_3"' in page  # the number format of the amount column
    assert "1 234,56 ou 1.234,56 (virgule décimale)" in page

    response = client.post(f"/imports/{batch.pk}/colonnes/", {"num_3": DECIMAL_COMMA})
    assert response.status_code == 302
    batch = services.batch_check(batch_id=batch.pk)
    assert batch.status == B.READY, batch.errors
    assert [line[3] for line in batch.preview] == ["1000.00", "12500.00"]
    assert ColumnMapping.objects.get(creditor=creditor).number_formats == {
        "montant ttc": DECIMAL_COMMA
    }
    # The creditor's next file is read the same way, without asking again.
    again = check("claims", creditor, HEADER + line("FA-3", "1.250"), user=controller)
    assert again.status == B.READY, again.errors
    assert again.preview[0][3] == "1250.00"
    # Another creditor is asked.
    assert check("claims", CreditorFactory(), content, user=controller).status == B.INVALID


def test_a_point_decimal_choice_reads_the_same_cells_as_cents(controller):
    creditor = CreditorFactory()
    batch = check("claims", creditor, HEADER + line("FA-1", "12.500"), user=controller)
    services.batch_set_columns(
        batch=batch, choices={}, number_formats={"Montant TTC": DECIMAL_POINT}, actor=controller
    )
    batch = services.batch_check(batch_id=batch.pk)
    assert batch.status == B.READY, batch.errors
    assert batch.preview[0][3] == "12.50"


def test_parse_amount_reads_each_writing():
    assert parse_amount("1 234,56", "Montant") == Decimal("1234.56")
    assert parse_amount("1\u202f234,56 €", "Montant") == Decimal("1234.56")
    assert parse_amount("1.234,56", "Montant") == Decimal("1234.56")
    assert parse_amount("1,234.56", "Montant") == Decimal("1234.56")
    assert parse_amount("1.234.567", "Montant") == Decimal("1234567.00")
    assert parse_amount("3480.6", "Montant") == Decimal("3480.60")
    assert parse_amount("1.000", "Montant", decimal=DECIMAL_COMMA) == Decimal("1000.00")
    assert parse_amount("1.000", "Montant", decimal=DECIMAL_POINT) == Decimal("1.00")
    with pytest.raises(CellError, match="peut se lire de deux façons"):
        parse_amount("1.000", "Montant")
    with pytest.raises(CellError, match="a plus de deux décimales"):
        parse_amount("1,234", "Montant", decimal=DECIMAL_COMMA)


# --- Text ------------------------------------------------------------------------------------


def test_a_utf8_file_with_one_windows_1252_line_is_refused_naming_the_line(controller):
    content = (
        (HEADER + line("FA-1", "100,00", "Hôtel Bérénice SARL")).encode("utf-8")
        + line("FA-2", "200,00", "Brasserie Éloïse").encode("cp1252")
        + line("FA-3", "300,00", "Café de la Gare").encode("utf-8")
    )
    batch = check("claims", CreditorFactory(), content, user=controller)
    assert batch.status == B.INVALID
    assert errors_by_row(batch)[1] == [
        "Le fichier mêle deux encodages : il est en UTF-8, mais sa ligne 3 ne l'est pas "
        "(Windows-1252 ?). Enregistrez-le de nouveau au format « CSV UTF-8 » et déposez-le."
    ]
    assert Debtor.objects.count() == 0
    assert "Ã" not in str(batch.preview)


def test_accented_headers_in_a_windows_1252_file_are_read(controller):
    content = (HEADER + line("FA-1", "100,00", "Brasserie Éloïse")).encode("cp1252")
    assert read_headers(content, "f.csv")[:3] == [
        "Numéro de facture",
        "Date d'émission",
        "Date d'échéance",
    ]
    batch = run_import("claims", CreditorFactory(), content, user=controller)
    assert batch.status == B.DONE, batch.errors
    assert Debtor.objects.get().name == "Brasserie Éloïse"


def test_the_headers_of_a_large_utf8_file_are_decoded_as_utf8():
    body = ("É" * 40_000 + "\n").encode("utf-8")
    for shift in range(2):  # one of the two puts the 64 KiB boundary inside « É »
        content = HEADER.encode("utf-8") + b"x" * shift + body
        assert read_headers(content, "f.csv")[0] == "Numéro de facture"


def test_a_cell_over_the_csv_field_limit_is_named_in_french_with_its_line():
    content = (HEADER + line("FA-1", "1,00") + line("FA-2", "2,00", "A" * 140_000)).encode()
    with pytest.raises(FileProblem) as error:
        read_table(content, "f.csv")
    limit = f"{reading.MAX_LINE_CHARS:,}".replace(",", "\u202f")  # the line cap, 20 000
    assert str(error.value) == (
        f"Ligne 3 : une cellule dépasse {limit} caractères (un guillemet non refermé ?) ; "
        "rien n'a été lu."
    )


def test_a_comma_line_in_a_semicolon_file_gets_a_clear_message(controller):
    content = (
        HEADER
        + line("FA-1", "100,00")
        + "FA-2,01/09/2026,01/10/2026,200,Alpha SARL,912345675,1 rue A,44000,Nantes\n"
    )
    batch = check("claims", CreditorFactory(), content, user=controller)
    assert batch.status == B.INVALID
    assert errors_by_row(batch)[1] == [
        "Ligne 3 : ses cellules sont séparées par des virgules, celles du fichier par des "
        "points-virgules (« ; »). Enregistrez toutes les lignes avec le même séparateur."
    ]


def test_a_line_with_too_many_cells_is_named():
    content = (HEADER + line("FA-1", "100,00").rstrip("\n") + ";x;y\n").encode()
    with pytest.raises(FileProblem) as error:
        read_table(content, "f.csv")
    assert str(error.value) == (
        "Ligne 2 : 11 cellules pour 9 colonnes (un « ; » de trop, ou une cellule à mettre "
        "entre guillemets)."
    )
