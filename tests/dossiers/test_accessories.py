"""Accessories after the principal is paid (docs/legal.md §11): between professionals, the
late-payment penalties and the 40 EUR indemnity stay owed once the invoice is paid late
(C. com. L441-10 II, D441-5); the dossier stays open for them, as « Accessoires dus »."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from dossiers import selectors, services
from dossiers.models import Dossier, DossierState, Payment
from tests.factories import ClaimFactory, ConsumerFactory, CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db

D = Decimal
S = DossierState


def _invoice(*, creditor=None, debtor=None, due=datetime.date(2026, 1, 31), amount="1000.00"):
    """An invoice recorded (its dossier opened) on its issue date, 30 days before it is due."""
    issued = due - datetime.timedelta(days=30)
    with time_machine.travel(datetime.datetime.combine(issued, datetime.time(9)), tick=False):
        return ClaimFactory(
            creditor=creditor or CreditorFactory(),
            debtor=debtor or DebtorFactory(),
            issue_date=issued,
            due_date=due,
            amount=D(amount),
        )


def _pay(dossier, amount, on, actor=None):
    return services.payment_record(
        dossier=dossier, amount=D(amount), received_on=on, actor=actor, reference="VIR"
    )


def _fresh(dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def test_professional_paying_the_principal_late_still_owes_penalties_and_indemnity(controller):
    """C. com. L441-10 II, D441-5: 1 000 € due 31/01/2026 paid 03/03/2026, no contractual rate:
    1 000 × (ECB 2,15 % + 10) × 31/365 = 10,32 € of penalties, plus 40 € of indemnity: the
    dossier stays open as « Accessoires dus » for 50,32 €."""
    claim = _invoice()
    _pay(claim.dossier, "1000.00", datetime.date(2026, 3, 3), controller)
    dossier = _fresh(claim.dossier)
    assert dossier.state == S.ACCESSORIES
    assert dossier.get_state_display() == "Accessoires dus"
    assert dossier.closed_on is None
    assert dossier.accessories_since == datetime.date(2026, 3, 3)
    left = selectors.dossier_accessories(dossier, on=datetime.date(2026, 4, 1))
    assert (left.penalties, left.indemnity, left.paid) == (D("10.32"), D("40.00"), D("0.00"))
    assert left.remaining == D("50.32")
    reasons = [h.history_change_reason for h in dossier.history.all()[:3]]
    assert any("principal réglé, pénalités et indemnité dues" in r for r in reasons)


def test_payments_on_the_accessories_go_to_them_and_close_the_dossier_when_paid(controller):
    """C. com. L441-10 II, D441-5: 20 € then 30,32 € received after the principal pay the
    50,32 € of accessories; the dossier then closes as « Payé »."""
    claim = _invoice()
    _pay(claim.dossier, "1000.00", datetime.date(2026, 3, 3), controller)
    _pay(claim.dossier, "20.00", datetime.date(2026, 3, 20), controller)
    dossier = _fresh(claim.dossier)
    assert dossier.state == S.ACCESSORIES
    assert selectors.dossier_accessories(dossier).remaining == D("30.32")
    payment = _pay(dossier, "30.32", datetime.date(2026, 3, 27), controller)
    assert not payment.allocations.exists()  # nothing of the principal is left to allocate
    dossier = _fresh(dossier)
    assert dossier.state == S.PAID
    assert dossier.closed_on == datetime.date(2026, 3, 27)


def test_a_payment_larger_than_the_principal_pays_the_accessories_too(controller):
    """C. com. L441-10 II, D441-5: 1 050,32 € received on 03/03/2026 for 1 000 € due on
    31/01/2026 pays the principal and the 50,32 € of accessories: closed as paid at once."""
    claim = _invoice()
    _pay(claim.dossier, "1050.32", datetime.date(2026, 3, 3), controller)
    assert _fresh(claim.dossier).state == S.PAID


def test_a_creditor_that_waives_the_accessories_sees_the_dossier_close_as_paid(controller):
    """The creditor's policy: « renonce aux accessoires » closes the dossier on the principal."""
    creditor = CreditorFactory(waives_accessories=True)
    claim = _invoice(creditor=creditor)
    _pay(claim.dossier, "1000.00", datetime.date(2026, 3, 3), controller)
    dossier = _fresh(claim.dossier)
    assert (dossier.state, dossier.closed_on) == (S.PAID, datetime.date(2026, 3, 3))


def test_a_consumer_paying_late_owes_no_accessories(controller):
    """C. com. L441-10 II binds professionals only; a consumer owes no indemnity (CPCE L111-8)."""
    claim = _invoice(debtor=ConsumerFactory())
    _pay(claim.dossier, "1000.00", datetime.date(2026, 3, 3), controller)
    assert _fresh(claim.dossier).state == S.PAID


def test_a_professional_paying_on_time_owes_nothing_more(controller):
    """C. com. L441-10 II: penalties run from the day after the due date; paid on the due date,
    nothing is late: the dossier closes as paid."""
    claim = _invoice(due=datetime.date(2026, 3, 3))
    _pay(claim.dossier, "1000.00", datetime.date(2026, 3, 3), controller)
    assert _fresh(claim.dossier).state == S.PAID


def test_waiving_the_accessories_of_one_dossier_is_a_journaled_decision(manager):
    """A waiver names who decided and why, in the journal; the dossier closes as paid."""
    claim = _invoice()
    _pay(claim.dossier, "1000.00", datetime.date(2026, 3, 3), manager)
    with pytest.raises(ValidationError, match="Indiquez le motif"):
        services.accessories_waive(dossier=claim.dossier, actor=manager, reason="  ")
    dossier = services.accessories_waive(
        dossier=claim.dossier,
        actor=manager,
        reason="client historique, geste commercial",
        on=datetime.date(2026, 4, 1),
    )
    assert (dossier.state, dossier.closed_on) == (S.PAID, datetime.date(2026, 4, 1))
    waiver = _fresh(dossier).history.get(
        history_change_reason__startswith="abandon des accessoires"
    )
    assert waiver.history_user == manager and waiver.state == S.PAID
    reason = waiver.history_change_reason.replace("\u202f", " ").replace("\u00a0", " ")
    assert reason == "abandon des accessoires (50,32 €) : client historique, geste commercial"


def test_only_an_accessories_dossier_can_have_its_accessories_waived(manager):
    claim = _invoice()
    with pytest.raises(ValidationError, match="Seul un dossier « Accessoires dus »"):
        services.accessories_waive(dossier=claim.dossier, actor=manager, reason="geste")


def test_a_payment_on_a_dossier_closed_as_paid_is_refused_in_french(controller):
    claim = _invoice(debtor=ConsumerFactory())
    _pay(claim.dossier, "1000.00", datetime.date(2026, 3, 3), controller)
    with pytest.raises(ValidationError) as refused:
        _pay(claim.dossier, "10.00", datetime.date(2026, 3, 10), controller)
    message = refused.value.messages[0]
    assert "est clos (Payé le 03/03/2026)" in message
    assert "aucun paiement ne peut plus y être enregistré" in message
    assert Payment.objects.filter(dossier=claim.dossier).count() == 1


def test_a_new_invoice_on_an_accessories_dossier_starts_the_cadence_again(controller):
    claim = _invoice()
    _pay(claim.dossier, "1000.00", datetime.date(2026, 3, 3), controller)
    again = _invoice(creditor=claim.creditor, debtor=claim.dossier.debtor)
    assert again.dossier_id == claim.dossier_id
    dossier = _fresh(claim.dossier)
    assert dossier.state == S.OPEN and dossier.accessories_since is None
