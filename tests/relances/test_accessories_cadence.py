"""The accessories' own short cadence (docs/legal.md §11): once a professional paid the principal
late, a reminder at 7 days then a last reminder by letter at 21 days, counted from the payment,
claiming only the penalties and the 40 EUR indemnity (C. com. L441-10 II, D441-5)."""

import datetime
from decimal import Decimal

import pytest

from courriers.models import SentMessage
from dossiers import services as dossier_services
from dossiers.models import Dossier
from relances.models import Reminder
from tests.factories import ClaimFactory, DebtorFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def _paid_late(frozen):
    """1 000 € due Saturday 31/01/2026, paid Tuesday 03/03/2026: 10,32 € of penalties
    (1 000 × 12,15 % × 31/365) and 40 € of indemnity (C. com. L441-10 II, D441-5)."""
    with frozen(D(2026, 1, 1)):
        claim = ClaimFactory(
            debtor=DebtorFactory(postal_code="33000"),
            issue_date=D(2026, 1, 1),
            due_date=D(2026, 1, 31),
            amount=Decimal("1000.00"),
        )
    with frozen(D(2026, 3, 3)):
        dossier_services.payment_record(
            dossier=claim.dossier,
            amount=Decimal("1000.00"),
            received_on=D(2026, 3, 3),
            actor=None,
        )
    return claim


def test_accessories_follow_their_own_short_cadence(frozen, walk):
    """From the payment on 03/03/2026: the reminder by e-mail at +7 (Tuesday 10/03), the last
    reminder by letter at +21 (Tuesday 24/03); nothing of the principal's cadence goes out."""
    claim = _paid_late(frozen)
    w = walk(claim.dossier)
    w.run(D(2026, 3, 3), D(2026, 4, 15))
    assert w.reminders() == [(D(2026, 3, 10), "a7-rappel"), (D(2026, 3, 24), "a21-courrier")]
    assert set(Reminder.objects.filter(dossier=claim.dossier).values_list("status", flat=True)) == {
        Reminder.Status.SENT
    }
    assert w.states == [(D(2026, 3, 3), "accessories")]
    dossier = Dossier.objects.get(pk=claim.dossier.pk)
    assert dossier.next_action_at is None  # a person decides: waive, or pursue otherwise

    first = SentMessage.objects.get(reminder__step__code="a7-rappel")
    assert first.kind == "accessories"
    text = first.body_text.replace("\u00a0", " ").replace("\u202f", " ")
    assert "Total à régler : 50,32 €" in text
    assert "Principal réglé. Pénalités de retard : 10,32 €" in text
    assert "Indemnités forfaitaires : 40,00 €" in text
    assert "L441-10 II" in text and "D441-5" in text
    assert "Reste dû en principal" not in text


def test_the_accessories_letter_counts_what_was_already_paid_towards_them(frozen, walk):
    """20 € received on 05/03/2026 after the principal: 30,32 € left, and the letter says so."""
    claim = _paid_late(frozen)
    with frozen(D(2026, 3, 5)):
        dossier_services.payment_record(
            dossier=claim.dossier, amount=Decimal("20.00"), received_on=D(2026, 3, 5), actor=None
        )
    w = walk(claim.dossier)
    w.run(D(2026, 3, 10), D(2026, 3, 10))
    text = SentMessage.objects.get(reminder__step__code="a7-rappel").body_text
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    assert "Déjà reçu à ce titre : 20,00 €" in text
    assert "Total à régler : 30,32 €" in text


def test_accessories_paid_before_the_reminder_stop_the_cadence(frozen, walk):
    claim = _paid_late(frozen)
    with frozen(D(2026, 3, 6)):
        dossier_services.payment_record(
            dossier=claim.dossier, amount=Decimal("50.32"), received_on=D(2026, 3, 6), actor=None
        )
    w = walk(claim.dossier)
    w.run(D(2026, 3, 6), D(2026, 3, 31))
    assert w.reminders() == []
    assert Dossier.objects.get(pk=claim.dossier.pk).state == "paid"
