"""A prescribed claim is never reminded as if it could be enforced: the cadence stops and says
why (C. civ. 2219, 2224; C. conso. L218-2; docs/legal.md §3)."""

import datetime
from decimal import Decimal

import pytest

from dossiers import services as dossier_services
from dossiers.models import Dossier
from journee.selectors import next_step
from relances import planning, services
from relances.models import Reminder
from tests.factories import ClaimFactory, ConsumerFactory, DebtorFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def _claim(frozen, debtor, due):
    with frozen(due - datetime.timedelta(days=30)):
        claim = ClaimFactory(
            debtor=debtor, issue_date=due - datetime.timedelta(days=30), due_date=due
        )
    claim.dossier = Dossier.objects.get(pk=claim.dossier_id)
    return claim


def test_consumer_claim_past_two_years_gets_no_reminder_and_the_reason(frozen):
    # Due Monday 06/11/2023: 2 years (L218-2) → prescribed at the end of 06/11/2025.
    claim = _claim(frozen, ConsumerFactory(), D(2023, 11, 6))
    on = D(2026, 11, 23)
    decision = planning.decide(claim.dossier, on=on)
    assert decision.action == "none"
    assert "prescrite depuis le 06/11/2025" in decision.reason
    assert "L218-2" in decision.reason
    with frozen(on):
        services.run_cadence(on=on)
    assert not Reminder.objects.filter(dossier=claim.dossier).exists()
    claim.dossier = Dossier.objects.get(pk=claim.dossier_id)
    assert claim.dossier.next_action_at is None
    step = next_step(claim.dossier, on=on)
    assert "prescrite" in step.label


def test_professional_claim_of_the_same_age_is_still_reminded(frozen):
    # Between professionals the period is 5 years (C. com. L110-4): not prescribed.
    claim = _claim(frozen, DebtorFactory(), D(2023, 11, 6))
    on = D(2026, 11, 23)
    decision = planning.decide(claim.dossier, on=on)
    assert decision.action == "fire"


def test_a_payment_within_the_period_restarts_it_and_the_cadence_goes_on(frozen):
    # Due 06/11/2023; a partial payment on 02/06/2025 is an acknowledgment (C. civ. 2240):
    # the 2 years restart → prescription at the end of 02/06/2027.
    claim = _claim(frozen, ConsumerFactory(), D(2023, 11, 6))
    with frozen(D(2025, 6, 2)):
        dossier_services.payment_record(
            dossier=claim.dossier,
            amount=claim.amount / 4,
            received_on=D(2025, 6, 2),
            actor=None,
            reason="Virement reçu",
        )
    claim.dossier = Dossier.objects.get(pk=claim.dossier_id)
    decision = planning.decide(claim.dossier, on=D(2026, 11, 23))
    assert decision.action == "fire"
    assert "prescrite" not in decision.reason


def test_legal_interest_runs_from_the_formal_notice_the_cadence_sent(frozen, walk):
    """C. civ. 1231-6: legal interest is owed from the formal notice. The claim's figures read
    the date the formal notice actually went out."""
    from dossiers.models import Claim
    from dossiers.selectors import claim_legal_figures, claims_for_figures

    with frozen(D(2026, 9, 1)):
        claim = ClaimFactory(
            debtor=ConsumerFactory(), issue_date=D(2026, 9, 1), due_date=D(2026, 10, 1)
        )
    w = walk(claim.dossier)
    w.run(D(2026, 10, 1), D(2026, 11, 16))  # the formal notice is planned on Mon 16/11
    notice = Reminder.objects.get(dossier=claim.dossier, step__code="r45-mise-en-demeure")
    assert claims_for_figures(Claim.objects.filter(pk=claim.pk)).get().formal_notice_on is None

    def approve(day):
        if day == D(2026, 11, 17):
            services.reminder_approve(reminder=notice, actor=None, on=day)

    w.run(D(2026, 11, 17), D(2026, 11, 17), on_day=approve)
    annotated = claims_for_figures(Claim.objects.filter(pk=claim.pk)).get()
    assert annotated.formal_notice_on == D(2026, 11, 17)
    # A test rate for 2026-H2 (the published one is entered with ``add_rate``): 3 % "autres cas".
    from dossiers.services.rates import legal_rate_add
    from legal.rates import HalfYear

    legal_rate_add(
        half_year=HalfYear(2026, 2),
        consumer_creditor_percent="6",
        other_creditor_percent="3",
        source="taux de test",
        actor=None,
    )
    # 18/11 → 17/12/2026 = 30 days on 1 200,00 € at 3 %: 1200 × 0.03 × 30 / 365 = 2.9589… → 2,96 €
    figures = claim_legal_figures(annotated, on=D(2026, 12, 17))
    assert figures.legal_interest == Decimal("2.96")
