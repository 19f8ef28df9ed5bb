"""Payments and credit notes are allocated to the oldest due invoice first (C. civ. 1342-10)
and never rewrite an invoice's amount."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dossiers import services
from dossiers.models import Claim, Payment
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def three_invoices():
    """A dossier whose invoices were recorded newest first, to show the order is by due date."""
    creditor, debtor = CreditorFactory(), DebtorFactory()
    newest = ClaimFactory(
        creditor=creditor,
        debtor=debtor,
        invoice_number="FA-3",
        issue_date=datetime.date(2026, 9, 1),
        amount=D("300.00"),
    )
    oldest = ClaimFactory(
        creditor=creditor,
        debtor=debtor,
        invoice_number="FA-1",
        issue_date=datetime.date(2026, 6, 1),
        amount=D("100.00"),
    )
    middle = ClaimFactory(
        creditor=creditor,
        debtor=debtor,
        invoice_number="FA-2",
        issue_date=datetime.date(2026, 7, 1),
        amount=D("200.00"),
    )
    return oldest, middle, newest


def _outstanding(*claims):
    return [Claim.objects.get(pk=c.pk).outstanding for c in claims]


def test_payment_is_allocated_to_the_oldest_due_invoice_first(three_invoices, controller):
    oldest, middle, newest = three_invoices
    payment = services.payment_record(
        dossier=oldest.dossier,
        amount=D("250.00"),
        received_on=datetime.date(2026, 11, 2),
        actor=controller,
        reference="VIR 0042",
    )
    assert _outstanding(oldest, middle, newest) == [D("0.00"), D("50.00"), D("300.00")]
    allocations = {a.claim.invoice_number: a.amount for a in payment.allocations.all()}
    assert allocations == {"FA-1": D("100.00"), "FA-2": D("150.00")}
    assert Claim.objects.get(pk=oldest.pk).amount == D("100.00")


def test_credit_note_reduces_the_balance_the_same_way_and_shows_as_such(three_invoices, controller):
    oldest, middle, newest = three_invoices
    note = services.payment_record(
        dossier=oldest.dossier,
        amount=D("120.00"),
        received_on=datetime.date(2026, 11, 2),
        actor=controller,
        kind=Payment.Kind.CREDIT_NOTE,
        reference="AV-7",
    )
    assert note.get_kind_display() == "Avoir" and note.method == Payment.Method.CREDIT_NOTE
    assert _outstanding(oldest, middle, newest) == [D("0.00"), D("180.00"), D("300.00")]
    assert "Avoir" in str(note)


def test_credit_note_larger_than_the_balance_is_refused_and_changes_nothing(three_invoices):
    oldest, middle, newest = three_invoices
    with pytest.raises(ValidationError) as exc:
        services.payment_record(
            dossier=oldest.dossier,
            amount=D("600.01"),
            received_on=datetime.date(2026, 11, 2),
            actor=None,
            kind=Payment.Kind.CREDIT_NOTE,
        )
    assert "L'avoir dépasse le reste dû du dossier" in exc.value.messages[0]
    assert _outstanding(oldest, middle, newest) == [D("100.00"), D("200.00"), D("300.00")]
    assert not Payment.objects.exists()


def test_overpayment_is_kept_whole_and_shows_the_surplus(three_invoices):
    oldest, middle, newest = three_invoices
    payment = services.payment_record(
        dossier=oldest.dossier,
        amount=D("650.00"),
        received_on=datetime.date(2026, 11, 2),
        actor=None,
    )
    assert _outstanding(oldest, middle, newest) == [D("0.00")] * 3
    assert services.payment_unallocated(payment) == D("50.00")


def test_cancelled_invoice_takes_no_allocation(three_invoices, controller):
    oldest, middle, _ = three_invoices
    services.claim_cancel(claim=oldest, actor=controller, reason="facture émise par erreur")
    services.payment_record(
        dossier=oldest.dossier,
        amount=D("50.00"),
        received_on=datetime.date(2026, 11, 2),
        actor=None,
    )
    cancelled = Claim.objects.get(pk=oldest.pk)
    assert cancelled.amount == D("100.00") and cancelled.outstanding == D("0.00")
    assert _outstanding(middle) == [D("150.00")]


def test_payment_in_the_future_or_not_positive_is_refused(three_invoices):
    oldest = three_invoices[0]
    for amount, received_on, message in (
        (D("10"), datetime.date(2999, 1, 1), "La date ne peut pas être dans le futur."),
        (D("0"), datetime.date(2026, 11, 2), "Le montant doit être strictement positif."),
    ):
        with pytest.raises(ValidationError) as exc:
            services.payment_record(
                dossier=oldest.dossier, amount=amount, received_on=received_on, actor=None
            )
        assert message in exc.value.messages
    assert not Payment.objects.exists()


def test_second_invoice_for_the_pair_joins_the_open_dossier():
    creditor, debtor = CreditorFactory(), DebtorFactory()
    first = ClaimFactory(creditor=creditor, debtor=debtor)
    second = ClaimFactory(creditor=creditor, debtor=debtor)
    other_creditor = ClaimFactory(debtor=debtor)
    assert first.dossier == second.dossier
    assert other_creditor.dossier != first.dossier
    assert first.dossier.reference.startswith("DOS-")


def test_aggregated_amounts_are_exact_to_the_cent_whatever_the_database():
    """SQLite (the demo's database) sums decimals as floats: the services round the total to
    the cent, so a promise of the whole balance never fails with « plus de 12 chiffres »."""
    from decimal import Decimal

    from dossiers.services._common import cents

    assert cents(1234.5600000000001) == Decimal("1234.56")
    assert cents(Decimal("0.30000000000000004")) == Decimal("0.30")
    assert cents(None) == Decimal("0.00")
