"""Promises and payment plans on a dossier left with its accessories (docs/legal.md §11): once
the principal is paid late by a professional, a promise or a plan covers the late-payment
penalties and the 40 € indemnity still owed (C. com. L441-10 II, D441-5).

Worked example used throughout: 1 000 € due 31/01/2026 paid 03/03/2026, no contractual rate:
1 000 × (ECB 2,15 % + 10) × 31/365 = 10,32 € + 40 € = 50,32 € of accessories."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dossiers import selectors, services
from dossiers.models import Dossier, DossierState, Payment, PaymentPlan, Promise, Task
from tests.dossiers.test_accessories import _fresh, _invoice, _pay

pytestmark = pytest.mark.django_db

D = Decimal
S = DossierState
PAID_ON = datetime.date(2026, 3, 3)


def _accessories_dossier(actor) -> Dossier:
    claim = _invoice()
    _pay(claim.dossier, "1000.00", PAID_ON, actor)
    dossier = _fresh(claim.dossier)
    assert dossier.state == S.ACCESSORIES
    return dossier


def test_a_promise_covers_the_accessories_and_is_kept_by_their_payment(controller):
    """C. com. L441-10 II, D441-5: a promise of 50,32 € on « Accessoires dus » is accepted;
    more is refused in French; paying it closes the dossier as paid, the promise kept."""
    dossier = _accessories_dossier(controller)
    assert services.amount_due(dossier) == D("50.32")
    with pytest.raises(ValidationError) as refused:
        services.promise_record(
            dossier=dossier,
            amount=D("60.00"),
            due_on=datetime.date(2026, 3, 20),
            actor=controller,
            on=datetime.date(2026, 3, 10),
        )
    message = refused.value.message_dict["amount"][0].replace("\u202f", " ").replace("\xa0", " ")
    assert "dépasse les accessoires restant dus (50,32 €" in message
    services.promise_record(
        dossier=dossier,
        amount=D("50.32"),
        due_on=datetime.date(2026, 3, 20),
        actor=controller,
        on=datetime.date(2026, 3, 10),
    )
    dossier = _fresh(dossier)
    assert (dossier.state, dossier.resume_state) == (S.PROMISE, S.ACCESSORIES)
    assert dossier.accessories_since == PAID_ON  # still the day the principal was paid
    _pay(dossier, "50.32", datetime.date(2026, 3, 18), controller)
    dossier = _fresh(dossier)
    assert (dossier.state, dossier.closed_on) == (S.PAID, datetime.date(2026, 3, 18))
    assert dossier.promises.get().status == Promise.Status.KEPT


def test_a_partial_promise_kept_resumes_the_accessories_cadence(controller):
    """20 € promised and paid: the promise is kept, 30,32 € stay due, the dossier is back to
    « Accessoires dus » (its own cadence, counted from 03/03/2026)."""
    dossier = _accessories_dossier(controller)
    services.promise_record(
        dossier=dossier,
        amount=D("20.00"),
        due_on=datetime.date(2026, 3, 20),
        actor=controller,
        on=datetime.date(2026, 3, 10),
    )
    _pay(dossier, "20.00", datetime.date(2026, 3, 15), controller)
    dossier = _fresh(dossier)
    assert dossier.state == S.ACCESSORIES
    assert dossier.accessories_since == PAID_ON
    assert dossier.promises.get().status == Promise.Status.KEPT
    assert selectors.dossier_accessories(dossier).remaining == D("30.32")


def test_a_broken_promise_on_the_accessories_goes_back_to_them_with_a_task(controller):
    dossier = _accessories_dossier(controller)
    services.promise_record(
        dossier=dossier,
        amount=D("50.32"),
        due_on=datetime.date(2026, 3, 20),
        actor=controller,
        on=datetime.date(2026, 3, 10),
    )
    services.promise_check(dossier=dossier, actor=None, on=datetime.date(2026, 3, 25))
    dossier = _fresh(dossier)
    assert dossier.state == S.ACCESSORIES
    assert dossier.promises.get().status == Promise.Status.BROKEN
    assert dossier.tasks.filter(kind=Task.Kind.PROMISE_BROKEN).exists()


def test_a_payment_plan_covers_exactly_the_accessories_and_closes_the_dossier(controller):
    """C. com. L441-10 II, D441-5: the installments must total the 50,32 € left (the principal
    is paid); two installments paid close the dossier as paid."""
    dossier = _accessories_dossier(controller)
    with pytest.raises(ValidationError) as refused:
        services.plan_accept(
            dossier=dossier,
            installments=[(datetime.date(2026, 4, 1), D("25.00"))],
            actor=controller,
            on=datetime.date(2026, 3, 10),
        )
    message = refused.value.messages[0].replace("\u202f", " ").replace("\xa0", " ")
    assert message == (
        "Le total des échéances (25,00 €) doit être égal aux accessoires restant dus (50,32 €)."
    )
    plan = services.plan_accept(
        dossier=dossier,
        installments=[
            (datetime.date(2026, 4, 1), D("25.00")),
            (datetime.date(2026, 5, 1), D("25.32")),
        ],
        actor=controller,
        on=datetime.date(2026, 3, 10),
    )
    dossier = _fresh(dossier)
    assert (dossier.state, dossier.resume_state) == (S.PAYMENT_PLAN, S.ACCESSORIES)
    _pay(dossier, "25.00", datetime.date(2026, 4, 1), controller)
    dossier = _fresh(dossier)
    assert dossier.state == S.PAYMENT_PLAN
    assert services.installment_missed(plan, on=datetime.date(2026, 4, 20), grace_days=5) is None
    _pay(dossier, "25.32", datetime.date(2026, 5, 2), controller)
    dossier = _fresh(dossier)
    assert (dossier.state, dossier.closed_on) == (S.PAID, datetime.date(2026, 5, 2))
    assert PaymentPlan.objects.get(pk=plan.pk).status == PaymentPlan.Status.ACTIVE


def test_a_missed_installment_on_the_accessories_goes_back_to_them(controller):
    dossier = _accessories_dossier(controller)
    services.plan_accept(
        dossier=dossier,
        installments=[(datetime.date(2026, 4, 1), D("50.32"))],
        actor=controller,
        on=datetime.date(2026, 3, 10),
    )
    missed = services.plan_check(
        dossier=dossier, grace_days=5, actor=None, on=datetime.date(2026, 4, 10)
    )
    assert missed is not None
    assert _fresh(dossier).state == S.ACCESSORIES


def test_no_plan_on_accessories_known_only_as_a_lower_bound(controller):
    """An invoice late in the 2nd half of 2026, whose ECB and legal rates are not recorded:
    its penalties are « au moins » an amount; a plan cannot settle them until the rate is in."""
    claim = _invoice(due=datetime.date(2026, 7, 31))
    _pay(claim.dossier, "1000.00", datetime.date(2026, 9, 1), controller)
    dossier = _fresh(claim.dossier)
    assert dossier.state == S.ACCESSORIES
    due = services.amount_due(dossier)
    assert due.is_lower_bound and due == D("40.00")
    with pytest.raises(ValidationError, match="ne sont connus qu'au minimum"):
        services.plan_accept(
            dossier=dossier,
            installments=[(datetime.date(2026, 12, 20), D("40.00"))],
            actor=controller,
            on=datetime.date(2026, 12, 1),
        )


def test_a_payment_the_bank_took_back_pays_neither_the_invoice_nor_the_accessories(controller):
    """A returned transfer: the invoice is owed again and its figures say so (the returned
    money does not lower the penalties' base nor count as paid)."""
    claim = _invoice()
    payment = _pay(claim.dossier, "400.00", datetime.date(2026, 2, 10), controller)
    services.payment_reverse(
        payment=payment, actor=controller, reason="virement rappelé", on=datetime.date(2026, 2, 12)
    )
    claim.refresh_from_db()
    assert claim.outstanding == D("1000.00")
    figures = selectors.dossier_figures(claim.dossier, on=datetime.date(2026, 3, 3))
    assert figures.principal == D("1000.00")
    assert figures.late_penalties == D("10.32")  # on 1 000 € all along
    assert figures.accessories_paid == D("0.00")
    assert figures.total_due == D("1050.32")
    assert Payment.objects.get(pk=payment.pk).reversed_on == datetime.date(2026, 2, 12)


def test_a_payment_taken_back_after_its_invoice_was_cancelled_leaves_that_invoice_at_zero(
    controller,
):
    """An invoice paid, then cancelled (issued in error), then its payment recalled by the
    bank: nothing is owed on a cancelled invoice, so it stays at 0 (the reversal used to fail on
    the rule « an invoice cancelled has nothing outstanding »); the other invoice is untouched
    and the payment is marked rejected."""
    first = _invoice(amount="1000.00")
    second = _invoice(
        creditor=first.dossier.creditor,
        debtor=first.dossier.debtor,
        due=datetime.date(2026, 2, 28),
        amount="500.00",
    )
    assert second.dossier_id == first.dossier_id
    payment = _pay(first.dossier, "1000.00", datetime.date(2026, 2, 10), controller)
    services.claim_cancel(
        claim=first,
        actor=controller,
        reason="facture émise par erreur",
        on=datetime.date(2026, 2, 15),
    )
    services.payment_reverse(
        payment=payment, actor=controller, reason="virement rappelé", on=datetime.date(2026, 2, 20)
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.outstanding == D("0.00") and first.cancelled_on == datetime.date(2026, 2, 15)
    assert second.outstanding == D("500.00")
    assert Payment.objects.get(pk=payment.pk).reversed_on == datetime.date(2026, 2, 20)
