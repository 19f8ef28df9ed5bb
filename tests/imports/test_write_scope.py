"""Issue #19, item 4, for the bulk doors: a CSV/XLSX import of invoices, payments or statuses and
a bank statement write only where the user may act (``scoping.editable_dossiers``), like the API
and the pages. A row that would land in another portfolio's dossier, or in a closed one, is
refused with its line in French, and nothing of the file is written."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers import scoping
from dossiers.models import Claim, Dossier, Payment
from dossiers.services import work
from imports import services
from imports.models import ImportBatch
from imports.statements import services as statements
from imports.statements.models import BankTransaction
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory, UserFactory
from tests.fixtures.statements import sample
from tests.imports.conftest import check, errors_by_row, run_import

pytestmark = pytest.mark.django_db
B = ImportBatch.Status

CLAIMS = (
    "Numéro de facture;Date d'émission;Date d'échéance;Montant TTC;Débiteur;SIREN;Adresse;"
    "Code postal;Ville\n"
)
PAYMENTS = "Numéro de facture;Date du paiement;Montant;Référence du paiement;Moyen de paiement\n"
STATUSES = "Numéro de facture;Statut;Date du statut;Montant encaissé\n"


@pytest.fixture
def portfolios(controller):
    """One creditor (its pool closed); a dossier assigned to ``controller`` and one assigned to
    another controller."""
    other = UserFactory(username="autre-chargee", role="controller")
    creditor = CreditorFactory()
    mine, theirs = (
        ClaimFactory(
            creditor=creditor, debtor=DebtorFactory(), invoice_number=number, amount=Decimal(100)
        )
        for number in ("A-1", "B-1")
    )
    work.dossier_assign(dossier=mine.dossier, assignee=controller, actor=None, reason="x")
    work.dossier_assign(dossier=theirs.dossier, assignee=other, actor=None, reason="x")
    return creditor, mine, theirs


def _claim_line(number: str, debtor) -> str:
    return (
        f"{number};01/09/2026;01/10/2026;100,00;{debtor.name};{debtor.siren};1 rue A;44000;Nantes\n"
    )


def _written():
    return (Claim.history.count(), Payment.history.count(), Dossier.history.count())


def test_an_invoice_joining_another_portfolios_dossier_is_refused_with_its_line(
    controller, portfolios
):
    creditor, mine, theirs = portfolios
    content = (
        CLAIMS
        + _claim_line("A-2", mine.dossier.debtor)  # joins my dossier: fine
        + _claim_line("B-2", theirs.dossier.debtor)  # joins theirs: refused
        + _claim_line("N-1", DebtorFactory(name="Nouvelle SARL"))  # a new pair: fine
    )
    before = _written()
    batch = run_import("claims", creditor, content, user=controller)
    assert batch.status == B.INVALID
    assert errors_by_row(batch) == {3: [scoping.OUT_OF_PORTFOLIO]}
    assert _written() == before
    assert not Claim.objects.filter(invoice_number__in=["A-2", "B-2", "N-1"]).exists()


def test_an_invoice_update_or_a_payment_in_another_portfolio_is_refused(controller, portfolios):
    creditor, _, theirs = portfolios
    debtor = theirs.dossier.debtor
    # The same facts completing a reference the invoice lacks would update it: refused.
    completed = CLAIMS.replace("\n", ";Bon de commande\n") + _claim_line("B-1", debtor).replace(
        "\n", ";BC-77\n"
    )
    batch = check("claims", creditor, completed, user=controller)
    assert errors_by_row(batch) == {2: [scoping.OUT_OF_PORTFOLIO]}
    # Other facts are a conflict, told without the other portfolio's dossier.
    moved = CLAIMS + _claim_line("B-1", debtor).replace("01/10/2026", "05/10/2026")
    batch = check("claims", creditor, moved, user=controller)
    ((message,),) = errors_by_row(batch).values()
    assert "hors de votre portefeuille : rien ne sera importé" in message
    assert theirs.dossier.reference not in message
    assert batch.status == B.INVALID

    paid = PAYMENTS + "A-1;10/11/2026;10,00;VIR-1;virement\nB-1;10/11/2026;10,00;VIR-2;virement\n"
    before = _written()
    batch = run_import("payments", creditor, paid, user=controller, name="paiements.csv")
    assert errors_by_row(batch) == {3: [scoping.OUT_OF_PORTFOLIO]}
    statuses = STATUSES + "B-1;En litige;10/11/2026;\n"
    batch = run_import("lifecycle", creditor, statuses, user=controller, name="statuts.csv")
    assert errors_by_row(batch) == {2: [scoping.OUT_OF_PORTFOLIO]}
    assert _written() == before
    assert not theirs.dossier.disputes.exists()


def test_the_scope_is_checked_again_when_the_import_runs(controller, portfolios):
    """Checked at the preview, then the dossier changed hands: the import writes nothing."""
    creditor, mine, _ = portfolios
    batch = check(
        "payments", creditor, PAYMENTS + "A-1;10/11/2026;10,00;VIR-1;virement\n", user=controller
    )
    assert batch.status == B.READY
    services.batch_confirm(batch=batch, actor=controller)
    work.dossier_assign(dossier=mine.dossier, assignee=None, actor=None, reason="x")
    batch = services.batch_import(batch_id=batch.pk, actor=controller)
    assert batch.status == B.FAILED
    assert errors_by_row(batch) == {2: [scoping.OUT_OF_PORTFOLIO]}
    assert not Payment.objects.exists()


def test_a_payment_on_a_closed_dossier_says_it_is_closed(manager, portfolios):
    creditor, mine, _ = portfolios
    creditor.managers.add(manager)
    Dossier.objects.filter(pk=mine.dossier_id).update(
        state="written_off", closed_on=datetime.date(2026, 11, 23)
    )
    batch = check(
        "payments", creditor, PAYMENTS + "A-1;10/11/2026;10,00;VIR-1;virement\n", user=manager
    )
    ((message,),) = errors_by_row(batch).values()
    assert f"Le dossier {mine.dossier.reference} est clos (Passé en perte le 23/11/2026)" in message


def test_a_manager_imports_only_for_the_creditors_in_their_charge(client, manager, portfolios):
    creditor, mine, _ = portfolios
    upload = SimpleUploadedFile(
        "f.csv", (CLAIMS + _claim_line("A-9", mine.dossier.debtor)).encode()
    )
    with pytest.raises(ValidationError, match="pas dans votre portefeuille"):
        services.batch_create(kind="claims", creditor=creditor, upload=upload, actor=manager)
    client.force_login(manager)
    upload.seek(0)
    response = client.post(
        reverse("imports:upload"), {"kind": "claims", "creditor": creditor.pk, "file": upload}
    )
    assert response.status_code == 400
    assert not ImportBatch.objects.exists()


def test_a_statement_posts_only_to_dossiers_the_uploader_may_act_on(statement_world):
    statement_world.creditor.unassigned_pool_open = False
    statement_world.creditor.save(update_fields=["unassigned_pool_open"])
    """A manager who is also a controller reads every creditor's list, not every dossier:
    the certain lines of dossiers out of their hands wait for a person in charge."""
    user = UserFactory(username="double-casquette", role="controller")
    user.groups.add(*UserFactory(username="tmp-resp", role="manager").groups.all())
    name = "camt053_releve.xml"
    result = statements.statement_import(
        content=sample(name),
        name=name,
        actor=user,
        creditors=scoping.visible_creditors(user),
    )
    assert result.statement.summary.get("posted", 0) == 0
    assert not Payment.objects.exists()
    proposed = BankTransaction.objects.filter(amount=Decimal("1200.00")).get()
    assert proposed.status == BankTransaction.Status.PROPOSED
    assert "hors du portefeuille" in proposed.reason
    with pytest.raises(ValidationError, match="pas dans votre portefeuille"):
        statements.transaction_confirm(row=proposed, actor=user)
    assert not Payment.objects.exists()
