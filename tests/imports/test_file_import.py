"""Importing invoices and payments from a file: every error listed in French before anything
is written, all or nothing, and the same file twice gives the same database."""

import io
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from dossiers.models import Claim, Debtor, Dossier, Payment
from imports.models import ColumnMapping, ImportBatch
from legal.formatting import euros
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory
from tests.imports.conftest import check, errors_by_row, run_import

pytestmark = pytest.mark.django_db
B = ImportBatch.Status

HEADER = "Numéro de facture;Date d'émission;Date d'échéance;Montant TTC;Débiteur;SIREN;Adresse;Code postal;Ville\n"  # noqa: E501
GOOD = HEADER + (
    "FA-1;01/09/2026;01/10/2026;1 250,00;Menuiserie Lefèvre SARL;912345675;8 rue des Artisans;44000;Nantes\n"  # noqa: E501
    "FA-2;15/09/2026;15/10/2026;3480.6;Transports Garnier SAS;823 456 785;ZA des Landes;35000;Rennes\n"  # noqa: E501
    "FA-3;20/09/2026;20/10/2026;612,40;Menuiserie Lefèvre SARL;912345675;8 rue des Artisans;44000;Nantes\n"  # noqa: E501
)


def snapshot():
    """Everything an import may write, as plain values (history rows included)."""
    return (
        sorted(
            Claim.objects.values_list(
                "invoice_number", "amount", "outstanding", "due_date", "dossier_id"
            )
        ),
        sorted(Debtor.objects.values_list("siren", "name", "postal_code")),
        sorted(Dossier.objects.values_list("pk", "reference", "state", "debtor_id")),
        Claim.history.count(),
        Debtor.history.count(),
        Dossier.history.count(),
    )


def test_a_file_full_of_bad_rows_lists_every_error_in_french_and_writes_nothing(controller):
    creditor = CreditorFactory()
    content = HEADER + (
        "FA-1;31/02/2026;01/03/2026;100,00;Alpha SARL;912345675;1 rue A;44000;Nantes\n"
        "FA-2;01/09/2026;01/10/2026;1 250,50;Beta SAS;123456789;2 rue B;35000;Rennes\n"
        "FA-3;01/09/2026;01/10/2026;douze euros;Gamma SAS;823456785;3 rue C;69001;Lyon\n"
        "FA-3;01/09/2026;01/10/2026;10,00;Gamma SAS;823456785;3 rue C;69001;Lyon\n"
        "FA-5;01/10/2026;01/09/2026;10,00;Delta SAS;734567894;4 rue D;75001;Paris\n"
        "FA-6;01/09/2026;01/10/2026;10,00;Epsilon SAS;;;;\n"
        "FA-7;01/09/2026;01/10/2026;1 000,00;Zeta SAS;645678905;5 rue E;13001;Marseille\n"
    )
    before = snapshot()
    batch = check("claims", creditor, content, user=controller)

    assert batch.status == B.INVALID
    errors = errors_by_row(batch)
    assert errors[2] == ["Date d'émission « 31/02/2026 » n'existe pas dans le calendrier."]
    assert errors[3] == [
        "SIREN « 123456789 » invalide (9 chiffres avec une clé de contrôle correcte)."
    ]
    assert errors[4] == ["Montant « douze euros » n'est pas un montant (exemple : 1 234,56)."]
    assert errors[5] == ["Facture FA-3 en double dans le fichier (déjà en ligne 4)."]
    assert errors[6] == ["La date d'échéance précède la date d'émission."]
    assert errors[7] == [
        "Débiteur « Epsilon SAS » inconnu : son adresse, son code postal et sa ville sont "
        "nécessaires pour le créer."
    ]
    assert 8 not in errors  # a good row among bad ones is listed without error
    assert batch.error_count == 6
    # every row of the file is in the preview, each with what importing it would do
    assert [line[0] for line in batch.preview] == [2, 3, 4, 5, 6, 7, 8]
    assert batch.preview[6][5] == "create"
    assert batch.preview[6][3] == "1000.00"
    assert snapshot() == before


def test_a_file_with_errors_cannot_be_confirmed(controller):
    from django.core.exceptions import ValidationError

    from imports import services

    batch = check(
        "claims", CreditorFactory(), HEADER + "FA-1;31/02/2026;x;1;A;;;;\n", user=controller
    )
    with pytest.raises(ValidationError):
        services.batch_confirm(batch=batch, actor=controller)
    assert Claim.objects.count() == 0


def test_a_good_file_imported_twice_gives_the_same_database(controller):
    creditor = CreditorFactory()
    first = run_import("claims", creditor, GOOD, user=controller)
    assert first.status == B.DONE, first.errors
    assert first.summary["done"] == {"create": 3, "update": 0, "unchanged": 0}
    after_first = snapshot()
    claim = Claim.objects.get(invoice_number="FA-2")
    assert claim.amount == Decimal("3480.60")  # comma or point, thousands with spaces
    assert claim.dossier.debtor.siren == "823456785"
    assert Dossier.objects.count() == 2  # FA-1 and FA-3 share their debtor's dossier
    history = claim.history.first()
    assert history.history_user == controller
    assert "import du fichier" in history.history_change_reason

    second = run_import("claims", creditor, GOOD, user=controller)
    assert second.status == B.DONE
    assert second.summary["done"] == {"create": 0, "update": 0, "unchanged": 3}
    assert snapshot() == after_first


def test_a_known_invoice_with_another_amount_is_a_conflict_listing_the_difference(
    client, controller
):
    creditor = CreditorFactory(unassigned_pool_open=True)
    run_import("claims", creditor, GOOD, user=controller)
    reference = Claim.objects.get(invoice_number="FA-3").dossier.reference
    before = snapshot()
    batch = check("claims", creditor, GOOD.replace("612,40", "700,00"), user=controller)
    assert batch.status == B.INVALID
    assert errors_by_row(batch)[4] == [
        f"Conflit : la facture FA-3 est déjà enregistrée avec d'autres données (dossier "
        f"{reference}) : Montant : 612,40 € enregistré, 700,00 € reçu. Rien ne sera importé : "
        "une facture émise ne se modifie pas (émettez un avoir ou une facture rectificative)."
    ]
    # The preview shows the differences as a table, with a link to the dossier.
    client.force_login(controller)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="conflit-ligne-4"' in page
    recorded, received = euros(Decimal("612.40")), euros(Decimal("700.00"))
    assert f'<th scope="row">Montant</th><td>{recorded}</td><td>{received}</td>' in page
    assert reference in page
    assert snapshot() == before


def test_a_known_invoice_with_other_dates_or_debtor_is_a_conflict_never_an_update(controller):
    """Issue #20: a known number with other facts is never silently the earlier claim, nor
    silently overwritten: each difference is named, nothing is written."""
    creditor = CreditorFactory(unassigned_pool_open=True)
    run_import("claims", creditor, GOOD, user=controller)
    before = snapshot()
    changed = GOOD.replace("20/09/2026;20/10/2026", "20/09/2026;30/10/2026").replace(
        "FA-2;15/09/2026;15/10/2026;3480.6;Transports Garnier SAS;823 456 785",
        "FA-2;16/09/2026;15/10/2026;3480.6;Boulangerie Morel SAS;734567894",
    )
    batch = check("claims", creditor, changed, user=controller)
    assert batch.status == B.INVALID
    conflicts = {item["row"]: item["conflict"]["differences"] for item in batch.errors}
    assert conflicts == {
        3: [
            [
                "Débiteur",
                "Transports Garnier SAS (SIREN 823456785)",
                "Boulangerie Morel SAS (SIREN 734567894)",
            ],
            ["Date d'émission", "15/09/2026", "16/09/2026"],
        ],
        4: [["Date d'échéance", "20/10/2026", "30/10/2026"]],
    }
    assert "Date d'échéance : 20/10/2026 enregistré, 30/10/2026 reçu" in errors_by_row(batch)[4][0]
    assert snapshot() == before
    assert Claim.objects.get(invoice_number="FA-3").due_date.isoformat() == "2026-10-20"


def test_a_reference_the_invoice_lacked_is_added_and_nothing_recorded_is_erased(controller):
    creditor = CreditorFactory(unassigned_pool_open=True)
    header = HEADER.replace("Ville\n", "Ville;Bon de commande\n")
    rows = GOOD.splitlines()[1:]

    def content(*orders):
        return header + "".join(f"{row};{order}\n" for row, order in zip(rows, orders, strict=True))

    run_import("claims", creditor, content("BC-1", "", ""), user=controller)
    # FA-2 gets its order number; FA-1's is not erased by a file without it.
    batch = check("claims", creditor, content("", "BC-2", ""), user=controller)
    assert batch.status == B.READY, batch.errors
    assert [line[5] for line in batch.preview] == ["unchanged", "update", "unchanged"]
    batch = run_import("claims", creditor, content("", "BC-2", ""), user=controller)
    assert batch.summary["done"] == {"create": 0, "update": 1, "unchanged": 2}
    refs = dict(Claim.objects.values_list("invoice_number", "purchase_order_ref"))
    assert refs == {"FA-1": "BC-1", "FA-2": "BC-2", "FA-3": ""}
    claim = Claim.objects.get(invoice_number="FA-2")
    assert "référence ajoutée (bon de commande)" in claim.history.first().history_change_reason
    # Another order number for FA-1 is a conflict.
    batch = check("claims", creditor, content("BC-9", "BC-2", ""), user=controller)
    assert batch.errors[0]["conflict"]["differences"] == [["Bon de commande", "BC-1", "BC-9"]]


def test_a_conflict_in_a_dossier_out_of_the_users_portfolio_is_not_revealed(
    client, controller, admin_user
):
    creditor = CreditorFactory()  # pool closed: the admin's dossiers are not the controller's
    run_import("claims", creditor, GOOD, user=admin_user)
    reference = Claim.objects.get(invoice_number="FA-3").dossier.reference
    batch = check("claims", creditor, GOOD.replace("612,40", "700,00"), user=controller)
    assert errors_by_row(batch)[4] == [
        "La facture FA-3 est déjà enregistrée pour ce créancier avec d'autres données, dans un "
        "dossier hors de votre portefeuille : rien ne sera importé. Adressez-vous au "
        "responsable du créancier."
    ]
    client.force_login(controller)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert reference not in page and "612,40" not in page


def test_windows_1252_with_commas_and_an_xlsx_file_are_read(controller):
    creditor = CreditorFactory(unassigned_pool_open=True)  # the controller adds to its pool
    csv_1252 = (
        "Facture,Date facture,Echéance,Montant,Client,SIREN,Adresse,CP,Ville\n"
        'FA-10,01/09/2026,01/10/2026,"1 250,00",Hôtel Bérénice SARL,912345675,1 rue A,44000,Nantes\n'  # noqa: E501
    ).encode("cp1252")
    batch = run_import("claims", creditor, csv_1252, user=controller)
    assert batch.status == B.DONE, batch.errors
    assert Debtor.objects.get().name == "Hôtel Bérénice SARL"

    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "Numéro de facture",
            "Date d'émission",
            "Date d'échéance",
            "Montant TTC",
            "Débiteur",
            "SIREN",
        ]
    )
    sheet.append(
        [
            "FA-11",
            datetime(2026, 9, 2),
            datetime(2026, 10, 2),
            99.9,
            "Hôtel Bérénice SARL",
            912345675,
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    batch = run_import("claims", creditor, buffer.getvalue(), user=controller, name="export.xlsx")
    assert batch.status == B.DONE, batch.errors
    claim = Claim.objects.get(invoice_number="FA-11")
    assert (claim.amount, claim.due_date.isoformat()) == (Decimal("99.90"), "2026-10-02")
    assert claim.dossier.debtor.name == "Hôtel Bérénice SARL"


def test_an_unknown_column_is_an_error_until_mapped_and_the_mapping_is_remembered(
    client, controller
):
    creditor = CreditorFactory()
    content = GOOD.replace("Montant TTC", "Total à payer").replace("Ville\n", "Ville;Commercial\n")
    content = content.replace("Nantes\n", "Nantes;Paul\n").replace("Rennes\n", "Rennes;Léa\n")
    batch = check("claims", creditor, content, user=controller)
    assert errors_by_row(batch)[1] == [
        "Colonne inconnue : « Total à payer ». Indiquez à quel champ elle correspond ou "
        "choisissez de l'ignorer.",
        "Colonne inconnue : « Commercial ». Indiquez à quel champ elle correspond ou "
        "choisissez de l'ignorer.",
        "Colonne obligatoire absente : « Montant TTC ».",
    ]
    client.force_login(controller)
    page = client.get(f"/imports/{batch.pk}/")
    assert "Colonne inconnue : « Total à payer »" in page.content.decode()
    response = client.post(
        f"/imports/{batch.pk}/colonnes/", {"col_3": "amount", "col_9": "ignorer"}
    )
    assert response.status_code == 302
    from imports import services

    batch = services.batch_check(batch_id=batch.pk)
    assert batch.status == B.READY, batch.errors
    assert ColumnMapping.objects.get(creditor=creditor).columns == {
        "total a payer": "amount",
        "commercial": "ignorer",
    }
    # The creditor's next file with the same columns needs no mapping.
    assert check("claims", creditor, content, user=controller).status == B.READY
    # Another creditor's does.
    assert check("claims", CreditorFactory(), content, user=controller).status == B.INVALID


def test_payments_import_once_and_a_refusal_leaves_nothing(controller):
    creditor = CreditorFactory(unassigned_pool_open=True)  # the controller adds to its pool
    debtor = DebtorFactory()
    ClaimFactory(creditor=creditor, debtor=debtor, invoice_number="FA-1", amount=Decimal("1000.00"))
    ClaimFactory(creditor=creditor, debtor=debtor, invoice_number="FA-2", amount=Decimal("500.00"))
    content = (
        "Numéro de facture;Date du paiement;Montant;Référence du paiement;Moyen de paiement\n"
        "FA-1;10/11/2026;400,00;VIR-1;virement\n"
        "FA-2;12/11/2026;100,00;CHQ-2;chèque\n"
    )
    batch = run_import("payments", creditor, content, user=controller, name="paiements.csv")
    assert batch.status == B.DONE, batch.errors
    assert Payment.objects.count() == 2
    assert sorted(Claim.objects.values_list("invoice_number", "outstanding")) == [
        ("FA-1", Decimal("500.00")),
        ("FA-2", Decimal("500.00")),
    ]
    again = run_import("payments", creditor, content, user=controller, name="paiements.csv")
    assert again.summary["done"] == {"create": 0, "unchanged": 2}
    assert Payment.objects.count() == 2

    # A credit note larger than the balance is refused when written: the whole file rolls back.
    refused = run_import(
        "payments",
        creditor,
        content + "FA-1;13/11/2026;50,00;VIR-3;virement\nFA-1;14/11/2026;5 000,00;AV-9;avoir\n",
        user=controller,
        name="paiements.csv",
    )
    assert refused.status == B.FAILED
    assert refused.errors == [
        {
            "row": 5,
            "errors": ["L'avoir dépasse le reste dû du dossier ; il ne peut pas être imputé."],
        }
    ]
    assert Payment.objects.count() == 2


def test_payment_rows_with_unknown_invoices_or_no_reference_are_listed(controller):
    creditor = CreditorFactory()
    ClaimFactory(creditor=creditor, invoice_number="FA-1")
    content = (
        "Facture;Date;Montant;Référence\n"
        "FA-404;10/11/2026;10,00;VIR-1\n"
        "FA-1;10/11/2026;10,00;\n"
        "FA-1;30/11/2026;10,00;VIR-2\n"
    )
    batch = check("payments", creditor, content, user=controller)
    assert errors_by_row(batch) == {
        2: ["Facture FA-404 inconnue pour ce créancier."],
        3: [
            "Référence du paiement manquante : elle évite qu'un second import compte le "
            "paiement deux fois."
        ],
        4: ["Date du paiement 30/11/2026 dans le futur."],
    }


def test_a_control_character_in_a_cell_is_refused_with_its_line_and_column(controller):
    from accounts.text import CONTROL_MESSAGE

    content = HEADER + (
        "FA-1;01/09/2026;01/10/2026;100,00;Alpha\x07 SARL;912345675;1 rue A;44000;Nantes\n"
    )
    batch = check("claims", CreditorFactory(), content, user=controller)
    assert batch.status == B.INVALID
    assert errors_by_row(batch)[2] == [f"colonne « Débiteur » : {CONTROL_MESSAGE}"]
