"""The dashboard's claims summary (``pilotage.summaries``) is kept by the database in the
transaction of each write: after any walk of writes it is the table a rebuild makes, and the
dashboard reads the same figures from it as from the claims (issue #25)."""

import datetime
import random
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command

from dossiers import services
from dossiers.models import Claim, Payment
from pilotage import queries, summaries
from pilotage.filters import make_filters
from pilotage.selectors import dashboard_data
from tests.factories import ClaimFactory, CreditorFactory
from tests.pilotage import dataset
from tests.pilotage.dataset import START, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(dataset.at(TODAY, 10), tick=False):
        yield dataset.build()


def _rebuilt() -> dict:
    kept = summaries.rows()
    summaries.rebuild()
    return kept


def _from_claims(f) -> dict:
    row = queries._one_row(queries._claims_queryset, f)
    return {k: int(v or 0) if k.endswith("_n") else queries.cents(v) for k, v in row.items()}


def _from_summary(f) -> dict:
    row = queries._one_row(queries._summary_queryset, f)
    return {k: int(v or 0) if k.endswith("_n") else queries.cents(v) for k, v in row.items()}


def _allocated(f, *, summary: bool):
    """The DSO's allocations by the period's end, from their summary or from the allocations
    (what a debtor-kind filter reads)."""
    if summary:
        return queries.arrangements_query(f).allocated_end
    with mock.patch.object(queries.allocation_summary, "kept", return_value=False):
        queries._compile.cache_clear()
        try:
            return queries.arrangements_query(f).allocated_end
        finally:
            queries._compile.cache_clear()


def test_a_random_walk_of_writes_leaves_the_summary_a_rebuild_makes(portfolio):
    """Payments, new invoices, cancellations, disputes upheld (the invoice cancelled), payments
    rejected by the bank (the invoice open again), a payment's or an invoice's date corrected,
    in a random order: the claims' and the allocations' summaries stay those a rebuild makes,
    and give the dashboard the figures the claims and allocations give."""
    rng = random.Random(25)
    creditors = [CreditorFactory(), CreditorFactory()]
    day = TODAY - datetime.timedelta(days=5)
    with time_machine.travel(dataset.at(TODAY, 11), tick=False):
        for step in range(40):
            claims = list(Claim.objects.filter(dossier__closed_on__isnull=True).order_by("pk"))
            move = rng.choice(
                ["claim", "pay", "cancel", "dispute", "reverse", "claim", "redate", "reissue"]
            )
            if move == "claim" or not claims:
                due = TODAY - datetime.timedelta(days=rng.randrange(-30, 400))
                ClaimFactory(
                    creditor=rng.choice(creditors),
                    issue_date=due - datetime.timedelta(days=30),
                    due_date=due,
                    amount=Decimal(rng.choice(["120.00", "980.50", "15000.00"])),
                )
                continue
            claim = rng.choice(claims)
            if move == "pay" and claim.outstanding > 0:
                services.payment_record(
                    dossier=claim.dossier,
                    amount=min(claim.outstanding, Decimal("300.00")),
                    received_on=day,
                    actor=None,
                )
            elif move == "cancel" and not claim.cancelled_on and claim.outstanding > 0:
                services.claim_cancel(claim=claim, actor=None, reason="avoir", on=day)
            elif move == "dispute" and claim.outstanding > 0 and not claim.cancelled_on:
                dispute = services.dispute_open(
                    dossier=claim.dossier, claim=claim, reason_code="quality", actor=None
                )
                services.dispute_resolve(
                    dispute=dispute, upheld=rng.random() < 0.5, resolution="vu", actor=None
                )
            elif move == "reverse":
                # (not one paying an invoice cancelled since: the product refuses it)
                payment = (
                    Payment.objects.filter(
                        dossier=claim.dossier, reversed_on__isnull=True, kind=Payment.Kind.PAYMENT
                    )
                    .exclude(allocations__claim__cancelled_on__isnull=False)
                    .first()
                )
                if payment:
                    services.payment_reverse(payment=payment, actor=None, reason="rejet", on=day)
            elif move == "redate":  # a payment's date corrected (the allocations follow it)
                payment = Payment.objects.filter(dossier=claim.dossier).first()
                if payment:
                    Payment.objects.filter(pk=payment.pk).update(
                        received_on=day - datetime.timedelta(days=rng.randrange(60))
                    )
            elif move == "reissue":  # an invoice's date corrected
                Claim.objects.filter(pk=claim.pk).update(
                    issue_date=claim.issue_date + datetime.timedelta(days=rng.randrange(-40, 40))
                )
            if step % 10 == 9:
                kept = summaries.rows()
                assert kept == _rebuilt(), step
        kept = summaries.rows()
        call_command("rebuild_summaries")
        assert kept == summaries.rows()
        for creditors_in_charge in (None, (creditors[0].pk,)):
            for end in (TODAY, TODAY - datetime.timedelta(days=20)):
                f = make_filters(start=START, end=end, today=TODAY, creditors=creditors_in_charge)
                assert _from_summary(f) == _from_claims(f)
                assert _allocated(f, summary=True) == _allocated(f, summary=False)


def test_the_dashboard_reads_the_same_figures_from_the_summary_and_from_the_claims(portfolio):
    for filters in ({}, {"creditor": portfolio.a}, {"creditors": [portfolio.b.pk]}):
        f = make_filters(start=START, end=TODAY, today=TODAY, **filters)
        assert _from_summary(f) == _from_claims(f)
    # The page reads the summary when no controller nor debtor kind is chosen, and its
    # figures are those the claims give.
    page = dashboard_data(start=START, end=TODAY, today=TODAY)
    assert page.figures["outstanding"] == Decimal("2100.00")
