"""« Ma journée »'s priority (and whether the dossier has something to do today) is stored on
the dossier and kept up to date by the writes that change it (payments, new and cancelled
invoices, disputes, reversals...) and by the daily refresh, so that the worklist reads it from
an index (issue #25)."""

import datetime
import random
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from dossiers import services as dossier_services
from dossiers.models import Dispute, Dossier, Payment
from dossiers.services import work
from journee import priority, selectors
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 23)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, 30), tick=False):
        yield


def _dossier(controller, amount, days):
    due = TODAY - datetime.timedelta(days=days)
    claim = ClaimFactory(
        issue_date=due - datetime.timedelta(days=30), due_date=due, amount=Decimal(amount)
    )
    return work.dossier_assign(dossier=claim.dossier, assignee=controller, actor=None, reason="a")


def _stored_and_live(today=TODAY) -> tuple[dict, dict]:
    stored = {
        pk: (score, attention)
        for pk, score, attention in Dossier.objects.filter(closed_on__isnull=True).values_list(
            "pk", "priority", "attention"
        )
    }
    live = {
        pk: (score, attention)
        for pk, score, attention in priority.scored(
            Dossier.objects.filter(closed_on__isnull=True), today
        ).values_list("pk", "score", "needs_person")
    }
    return stored, live


def test_a_write_moves_the_stored_priority_in_its_own_transaction(controller):
    dossier = _dossier(controller, "25000.00", 20)
    assert Dossier.objects.get(pk=dossier.pk).priority == 40 + 8 + 4
    dossier_services.dispute_open(dossier=dossier, reason_code="quality", actor=None)
    assert Dossier.objects.get(pk=dossier.pk).priority == 40 + 8 + 15
    dossier_services.payment_record(
        dossier=dossier, amount=Decimal("24000.00"), received_on=TODAY, actor=None
    )
    # 1 000 € left: 20 pts for the amount.
    assert Dossier.objects.get(pk=dossier.pk).priority == 20 + 8 + 15


def test_after_a_random_walk_of_writes_the_stored_priority_is_the_computed_one(controller):
    rng = random.Random(25)
    dossiers = [
        _dossier(controller, rng.choice(["150.00", "1200.00", "6000.00", "25000.00"]), days)
        for days in (5, 20, 40, 70, 100, 130)
    ]
    for _step in range(30):
        dossier = Dossier.objects.get(pk=rng.choice(dossiers).pk)
        if dossier.closed_on:
            continue
        move = rng.choice(["pay", "claim", "cancel", "dispute", "resolve", "reverse"])
        if move == "pay":
            dossier_services.payment_record(
                dossier=dossier, amount=Decimal(rng.choice(["100.00", "900.00"])),
                received_on=TODAY, actor=None,
            )  # fmt: skip
        elif move == "claim":
            due = TODAY - datetime.timedelta(days=rng.randrange(1, 120))
            ClaimFactory(
                dossier=dossier, creditor=dossier.creditor, amount=Decimal("7000.00"), due_date=due
            )
        elif move == "cancel":
            claim = dossier.claims.filter(cancelled_on__isnull=True).first()
            if claim:
                dossier_services.claim_cancel(claim=claim, actor=None, reason="avoir")
        elif move == "dispute" and not dossier.disputes.filter(status="open").exists():
            dossier_services.dispute_open(dossier=dossier, reason_code="quality", actor=None)
        elif move == "resolve":
            dispute = dossier.disputes.filter(status=Dispute.Status.OPEN).first()
            if dispute:
                dossier_services.dispute_resolve(
                    dispute=dispute, upheld=False, resolution="rejetée", actor=None
                )
        elif move == "reverse":
            payment = Payment.objects.filter(dossier=dossier, reversed_on__isnull=True).first()
            if payment:
                dossier_services.payment_reverse(
                    payment=payment, actor=None, reason="rejet", on=TODAY
                )
        stored, live = _stored_and_live()
        assert stored == live, move


def test_the_daily_refresh_moves_the_age_points_and_the_worklist_reads_the_stored_order(
    controller,
):
    young = _dossier(controller, "6000.00", 10)  # 30 + 3 + 4
    old = _dossier(controller, "1200.00", 25)  # 20 + 8 + 4
    for dossier in (young, old):
        dossier_services.dispute_open(dossier=dossier, reason_code="quality", actor=None)
    rows = selectors.worklist(user=controller, today=TODAY).rows
    assert [row.dossier.pk for row in rows] == [young.pk, old.pk]
    later = datetime.datetime(2027, 1, 20, 10, 30)  # +58 days: 15 pts of age each... and more
    with time_machine.travel(later, tick=False):
        call_command("refresh_priorities")
        stored, live = _stored_and_live(later.date())
        assert stored == live
        rows = selectors.worklist(user=controller, today=later.date()).rows
        scores = [row.dossier.score for row in rows]
        assert scores == sorted(scores, reverse=True)
        assert [row.dossier.priority for row in rows] == scores


def test_writes_in_a_deferred_block_are_scored_once_on_leaving_it(controller):
    """A long run of writes (the demo's seed) notes its dossiers and re-scores them once at
    the end: inside, the stored priority does not move; after, it is the computed one."""
    dossier = _dossier(controller, "25000.00", 20)
    other = _dossier(controller, "1200.00", 40)
    with priority.deferred():
        dossier_services.dispute_open(dossier=dossier, reason_code="quality", actor=None)
        with priority.deferred():  # a nested block joins the outer one
            dossier_services.payment_record(
                dossier=other, amount=Decimal("900.00"), received_on=TODAY, actor=None
            )
        assert Dossier.objects.get(pk=dossier.pk).priority == 40 + 8 + 4
        assert Dossier.objects.get(pk=other.pk).priority == 20 + 15 + 4
    assert Dossier.objects.get(pk=dossier.pk).priority == 40 + 8 + 15
    assert Dossier.objects.get(pk=other.pk).priority == 10 + 15 + 4  # 300 € left
    stored, live = _stored_and_live()
    assert stored == live


def test_a_deferred_block_left_on_an_error_scores_nothing_and_writes_score_again(controller):
    dossier = _dossier(controller, "25000.00", 20)
    with pytest.raises(RuntimeError), priority.deferred():
        dossier_services.dispute_open(dossier=dossier, reason_code="quality", actor=None)
        raise RuntimeError("interrompu")
    assert Dossier.objects.get(pk=dossier.pk).priority == 40 + 8 + 4
    dossier_services.payment_record(
        dossier=dossier, amount=Decimal("24000.00"), received_on=TODAY, actor=None
    )
    assert Dossier.objects.get(pk=dossier.pk).priority == 20 + 8 + 15


def test_the_statement_built_once_a_day_scores_each_write_with_its_own_dossiers(controller):
    """The re-scoring statement is compiled once per day and run again with other dossiers:
    each call scores its own, a claim near prescription counts for its dossier alone, and the
    next day's statement has the next day's points."""
    priority._statement.cache_clear()
    # A professional's invoice due 5 years ago less 30 days: prescribed within 90 days.
    near = _dossier(controller, "1200.00", 5 * 365 - 30)
    plain = _dossier(controller, "1200.00", 40)
    assert priority._statement.cache_info().currsize == 1  # both writes, one statement
    stored, live = _stored_and_live()
    assert stored == live
    assert stored[near.pk][0] == 20 + 30 + 30  # amount, age, « prescription proche »
    assert stored[plain.pk][0] == 20 + 15 + 4
    # A later write of the plain dossier leaves the other's flag where it was.
    dossier_services.dispute_open(dossier=plain, reason_code="quality", actor=None)
    stored, live = _stored_and_live()
    assert stored == live and stored[plain.pk][0] == 20 + 15 + 15
    with time_machine.travel(datetime.datetime(2026, 12, 24, 10, 30), tick=False):
        priority.refresh_ids([near.pk, plain.pk])
        assert priority._statement.cache_info().currsize == 2
        stored, live = _stored_and_live(D(2026, 12, 24))
    assert stored == live and stored[plain.pk][0] == 20 + 22 + 15  # 61 days late
